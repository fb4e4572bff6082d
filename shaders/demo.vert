#version 450
// The demo's vertex shader: model-view-projection transform and world-space normal and
// position. The model matrix travels as three columns with the translation in their w
// (128 bytes of push constants in all: Vulkan's guaranteed minimum).
layout(location = 0) in vec3 position;
layout(location = 1) in vec3 normal;
layout(push_constant) uniform Draw {
    mat4 mvp;
    vec4 model[3];
    vec4 color;
} draw;
layout(location = 0) out vec3 world_normal;
layout(location = 1) out vec4 color;
layout(location = 2) out vec3 world_position;
void main() {
    mat3 m = mat3(draw.model[0].xyz, draw.model[1].xyz, draw.model[2].xyz);
    gl_Position = draw.mvp * vec4(position, 1.0);
    world_normal = m * normal;
    world_position = m * position + vec3(draw.model[0].w, draw.model[1].w, draw.model[2].w);
    color = draw.color;
}
