#version 450
// The demo's fragment shader: a directional light, a point light, ambient, and the draw's alpha.
layout(location = 0) in vec3 world_normal;
layout(location = 1) in vec4 color;
layout(location = 2) in vec3 world_position;
layout(location = 0) out vec4 out_color;
void main() {
    vec3 n = normalize(world_normal);
    vec3 sun = normalize(vec3(0.4, 1.0, 0.3));
    vec3 lamp = vec3(-2.0, 2.5, 2.0) - world_position;
    float lamp_fall = 4.0 / (1.0 + dot(lamp, lamp));
    float diffuse = max(dot(n, sun), 0.0) * 0.7 + max(dot(n, normalize(lamp)), 0.0) * lamp_fall * 0.5;
    vec3 lit = color.rgb * (0.18 + diffuse);
    out_color = vec4(lit, color.a);
}
