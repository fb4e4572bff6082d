//! The golden scenes, each described once. Positions are in clip space; helpers take NDC or
//! pixels. Where a scene allows differing pixels, its `tolerate` call says why.

use ash::vk;

use crate::render::{cell, rect, vtx, Pipe, Scene};
use vk::BlendFactor as F;
use vk::PrimitiveTopology as T;

const PALETTE: [[f32; 4]; 8] = [
    [1.0, 0.2, 0.1, 1.0],
    [0.2, 1.0, 0.3, 1.0],
    [0.1, 0.4, 1.0, 1.0],
    [1.0, 0.9, 0.2, 1.0],
    [0.9, 0.2, 1.0, 1.0],
    [0.1, 0.9, 0.9, 1.0],
    [1.0, 1.0, 1.0, 1.0],
    [1.0, 0.6, 0.2, 1.0],
];

fn pal(i: usize) -> [f32; 4] {
    PALETTE[i % PALETTE.len()]
}

/// NDC of pixel coordinates `(x, y)` in a `w`×`h` target.
fn px(x: f32, y: f32, w: u32, h: u32) -> (f32, f32) {
    (x / w as f32 * 2.0 - 1.0, y / h as f32 * 2.0 - 1.0)
}

/// Vertices at pixel coordinates of a `w`×`h` target, depth ½.
fn at(points: &[(f32, f32, [f32; 4])], w: u32, h: u32) -> Vec<f32> {
    points
        .iter()
        .flat_map(|&(x, y, c)| {
            let (x, y) = px(x, y, w, h);
            vtx(x, y, 0.5, c)
        })
        .collect()
}

/// A deterministic pseudo-random sequence (xorshift).
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        (self.0 >> 8) as f32 / (1 << 24) as f32
    }
}

/// Why line scenes allow differing pixels (each allows about 1.25 times the count measured).
const STRICT_LINES: &str = "lavapipe reports strictLines = true and draws a line as a rectangle \
    one pixel wide, Pumice as a non-strict parallelogram (one pixel per major-axis step, the \
    diamond-exit rule at the ends); the specification allows either, and they differ on the \
    extra pixels a rectangle covers on diagonal steps and at the ends";

pub fn all() -> Vec<Scene> {
    vec![
        points(),
        lines(),
        line_strip(),
        triangle_list(),
        triangle_strip(),
        triangle_fan(),
        cull_modes(),
        fill_rule(),
        clip_guard_band(),
        clip_near_plane(),
        depth_compare(),
        depth_planes(),
        stencil_ops(),
        stencil_compare(),
        blend_factors(),
        blend_ops(),
        interpolation(),
        polygon_mode(vk::PolygonMode::LINE),
        polygon_mode(vk::PolygonMode::POINT),
        overlap_order(),
        msaa_edges(),
    ]
}

/// 4× MSAA resolved: a fan of thin triangles from the centre (edges at 24 slopes, shallow
/// and steep, each crossing pixels at many sub-pixel positions), a shared edge between two
/// triangles of different colours (its pixels mix both, no background shows through), and an
/// additive overlap. Coverage per pixel is the count of the standard sample locations inside,
/// so edge pixels take one of five levels: both drivers must agree on every one.
pub fn msaa_edges() -> Scene {
    let (w, h) = (64, 64);
    let mut fan = Vec::new();
    for i in 0..24 {
        let a0 = i as f32 * std::f32::consts::TAU / 24.0 + 0.05;
        let a1 = a0 + std::f32::consts::TAU / 48.0;
        let c = pal(i);
        fan.push((31.7, 32.2, c));
        fan.push((31.7 + 30.0 * a0.cos(), 32.2 + 30.0 * a0.sin(), c));
        fan.push((31.7 + 30.0 * a1.cos(), 32.2 + 30.0 * a1.sin(), c));
    }
    // Two triangles sharing a diagonal edge, in the corner.
    let shared = [
        (1.3, 1.1, pal(0)),
        (14.6, 2.2, pal(0)),
        (3.1, 13.7, pal(0)),
        (14.6, 2.2, pal(2)),
        (13.2, 14.9, pal(2)),
        (3.1, 13.7, pal(2)),
    ];
    let add = Pipe::blend(F::ONE, F::ONE, vk::BlendOp::ADD);
    let overlap = [
        (44.2, 44.7, [0.5, 0.0, 0.0, 1.0]),
        (62.7, 50.1, [0.5, 0.0, 0.0, 1.0]),
        (47.9, 62.3, [0.5, 0.0, 0.0, 1.0]),
        (50.4, 43.3, [0.0, 0.5, 0.25, 1.0]),
        (60.1, 61.8, [0.0, 0.5, 0.25, 1.0]),
        (42.6, 58.2, [0.0, 0.5, 0.25, 1.0]),
    ];
    Scene::new("msaa_edges", w, h)
        .multisampled()
        .draw(Pipe::default(), at(&fan, w, h))
        .draw(Pipe::default(), at(&shared, w, h))
        .draw(add, at(&overlap, w, h))
}

/// Point sizes 1–6 (from `pos.z`), centres a quarter pixel off the pixel grid so that no pixel
/// centre lies on a point's edge; two large points partly outside the viewport.
pub fn points() -> Scene {
    const VERT_POINTS: &str = r"#version 450
layout(location = 0) in vec4 pos;
layout(location = 1) in vec4 color;
layout(location = 0) out vec4 v;
void main() { gl_Position = vec4(pos.xy, 0.5, 1.0); gl_PointSize = pos.z; v = color; }";
    let mut v = Vec::new();
    for i in 0..36 {
        let (x, y) = px(
            5.25 + 10.0 * (i % 6) as f32,
            5.25 + 10.0 * (i / 6) as f32,
            64,
            64,
        );
        v.extend(vtx(x, y, 1.0 + (i % 6) as f32, pal(i)));
    }
    let (x, y) = px(-1.25, 30.25, 64, 64);
    v.extend(vtx(x, y, 7.0, pal(3)));
    let (x, y) = px(40.75, 65.75, 64, 64);
    v.extend(vtx(x, y, 9.0, pal(4)));
    Scene::new("points", 64, 64).draw(
        Pipe {
            vert: VERT_POINTS,
            ..Pipe::topology(T::POINT_LIST)
        },
        v,
    )
}

/// A star of 16 lines from the centre and a few axis-aligned ones.
pub fn lines() -> Scene {
    let mut p = Vec::new();
    for i in 0..16 {
        let a = i as f32 * std::f32::consts::TAU / 16.0 + 0.1;
        p.push((32.3, 31.7, [1.0, 1.0, 1.0, 1.0]));
        p.push((32.3 + 28.0 * a.cos(), 31.7 + 28.0 * a.sin(), pal(i)));
    }
    p.extend([
        (2.5, 2.5, pal(0)),
        (40.5, 2.5, pal(1)),
        (2.5, 5.0, pal(2)),
        (2.5, 40.0, pal(3)),
    ]);
    Scene::new("lines", 64, 64)
        .draw(Pipe::topology(T::LINE_LIST), at(&p, 64, 64))
        .tolerate(60, STRICT_LINES)
}

/// Two indexed line strips separated by a primitive restart.
pub fn line_strip() -> Scene {
    let mut p: Vec<(f32, f32, [f32; 4])> = (0..6)
        .map(|i| {
            (
                4.3 + 11.0 * i as f32,
                if i % 2 == 0 { 6.2 } else { 24.8 },
                pal(i),
            )
        })
        .collect();
    p.extend((0..9).map(|i| {
        let a = i as f32 * 0.8;
        let r = 6.0 + 2.5 * i as f32;
        (32.0 + r * a.cos(), 44.0 + 0.7 * r * a.sin(), pal(i + 3))
    }));
    let mut indices: Vec<u32> = (0..6).collect();
    indices.push(u32::MAX);
    indices.extend(6..15);
    Scene::new("line_strip", 64, 64)
        .indexed(
            Pipe {
                restart: true,
                ..Pipe::topology(T::LINE_STRIP)
            },
            at(&p, 64, 64),
            indices,
        )
        .tolerate(36, STRICT_LINES)
}

/// Overlapping triangles with a colour per corner, off the pixel grid.
pub fn triangle_list() -> Scene {
    let mut rng = Rng(0x2545_f491);
    let p: Vec<_> = (0..18)
        .map(|i| (rng.next() * 70.0 - 3.0, rng.next() * 70.0 - 3.0, pal(i)))
        .collect();
    Scene::new("triangle_list", 64, 64).draw(Pipe::topology(T::TRIANGLE_LIST), at(&p, 64, 64))
}

/// Two ribbons in one indexed strip, separated by a primitive restart.
pub fn triangle_strip() -> Scene {
    let mut p: Vec<_> = (0..8)
        .map(|i| {
            let x = 3.7 + 8.1 * i as f32;
            (x, if i % 2 == 0 { 4.2 } else { 20.9 + i as f32 }, pal(i))
        })
        .collect();
    p.extend((0..6).map(|i| {
        let y = 34.1 + 5.3 * i as f32;
        (
            if i % 2 == 0 {
                6.6
            } else {
                58.3 - 3.0 * i as f32
            },
            y,
            pal(i + 2),
        )
    }));
    let mut indices: Vec<u32> = (0..8).collect();
    indices.push(u32::MAX);
    indices.extend(8..14);
    Scene::new("triangle_strip", 64, 64).indexed(
        Pipe {
            restart: true,
            ..Pipe::topology(T::TRIANGLE_STRIP)
        },
        at(&p, 64, 64),
        indices,
    )
}

/// Two indexed fans separated by a primitive restart.
pub fn triangle_fan() -> Scene {
    let mut p = vec![(20.2, 22.6, [1.0, 1.0, 1.0, 1.0])];
    p.extend((0..8).map(|i| {
        let a = i as f32 * 0.55;
        (20.2 + 18.0 * a.cos(), 22.6 + 18.0 * a.sin(), pal(i))
    }));
    p.push((46.1, 45.3, [0.2, 0.2, 0.2, 1.0]));
    p.extend((0..6).map(|i| {
        let a = 3.0 + i as f32 * 0.7;
        (46.1 + 15.0 * a.cos(), 45.3 + 15.0 * a.sin(), pal(i + 4))
    }));
    let mut indices: Vec<u32> = (0..9).collect();
    indices.push(u32::MAX);
    indices.extend(9..16);
    Scene::new("triangle_fan", 64, 64).indexed(
        Pipe {
            restart: true,
            ..Pipe::topology(T::TRIANGLE_FAN)
        },
        at(&p, 64, 64),
        indices,
    )
}

/// Columns: cull modes none, front, back, both; rows: front face counter-clockwise, clockwise.
/// Each cell holds a clockwise and a counter-clockwise triangle (in framebuffer coordinates);
/// back faces that survive are drawn in inverted colours (`gl_FrontFacing`).
pub fn cull_modes() -> Scene {
    const FRAG_FACING: &str = r"#version 450
layout(location = 0) in vec4 v;
layout(location = 0) out vec4 o;
void main() { o = gl_FrontFacing ? v : vec4(1.0 - v.rgb, 1.0); }";
    let culls = [
        vk::CullModeFlags::NONE,
        vk::CullModeFlags::FRONT,
        vk::CullModeFlags::BACK,
        vk::CullModeFlags::FRONT_AND_BACK,
    ];
    let faces = [vk::FrontFace::COUNTER_CLOCKWISE, vk::FrontFace::CLOCKWISE];
    let mut scene = Scene::new("cull_modes", 128, 64);
    for (col, &cull) in culls.iter().enumerate() {
        for (row, &front_face) in faces.iter().enumerate() {
            let (x0, y0) = (col as f32 * 32.0, row as f32 * 32.0);
            // Clockwise on screen (y down), then the same shape mirrored and wound the other way.
            let p = [
                (x0 + 2.3, y0 + 3.1, pal(0)),
                (x0 + 14.6, y0 + 5.2, pal(1)),
                (x0 + 4.1, y0 + 28.7, pal(2)),
                (x0 + 17.4, y0 + 3.1, pal(3)),
                (x0 + 19.9, y0 + 28.7, pal(4)),
                (x0 + 29.7, y0 + 5.2, pal(5)),
            ];
            scene = scene.draw(
                Pipe {
                    frag: FRAG_FACING,
                    cull,
                    front_face,
                    ..Pipe::default()
                },
                at(&p, 128, 64),
            );
        }
    }
    scene
}

/// The fill rule: adjacent triangles drawn additively (each adds 0.25), so a seam shows as 0 and
/// a doubly covered pixel as 0.5 inside a 0.25 area. A fan with edges through pixel centres (the
/// top-left rule decides those), an irregular fan off the grid, and a jittered mesh.
pub fn fill_rule() -> Scene {
    let q = [0.25, 0.25, 0.25, 0.25];
    let add = || Pipe::blend(F::ONE, F::ONE, vk::BlendOp::ADD);
    // A closed fan centred on a pixel centre, its rim on pixel centres.
    let c = (16.5, 16.5);
    let mut fan = vec![(c.0, c.1, q)];
    for (dx, dy) in [
        (14.0, 0.0),
        (14.0, 14.0),
        (0.0, 14.0),
        (-14.0, 14.0),
        (-14.0, 0.0),
        (-14.0, -14.0),
        (0.0, -14.0),
        (14.0, -14.0),
        (14.0, 0.0),
    ] {
        fan.push((c.0 + dx, c.1 + dy, q));
    }
    // An irregular fan, as a triangle list.
    let c = (46.3, 17.8);
    let rim: Vec<(f32, f32)> = (0..11)
        .map(|i| {
            // Irregular but increasing angles: the triangles do not overlap.
            let a = (i as f32 + 0.35 * (i as f32 * 1.7).sin()) * std::f32::consts::TAU / 11.0;
            let r = 9.0 + 5.0 * ((i * 7) % 5) as f32 / 4.0;
            (c.0 + r * a.cos(), c.1 + r * a.sin())
        })
        .collect();
    let mut irregular = Vec::new();
    for i in 0..11 {
        let (a, b) = (rim[i], rim[(i + 1) % 11]);
        irregular.extend([(c.0, c.1, q), (a.0, a.1, q), (b.0, b.1, q)]);
    }
    // A 5×5-vertex mesh with jittered interior vertices.
    let mut rng = Rng(0x1357_9bdf);
    let grid: Vec<Vec<(f32, f32)>> = (0..5)
        .map(|j| {
            (0..5)
                .map(|i| {
                    let inner = |k: usize| k > 0 && k < 4;
                    let jitter = if inner(i) && inner(j) { 5.0 } else { 0.0 };
                    (
                        3.3 + 14.2 * i as f32 + (rng.next() - 0.5) * jitter,
                        34.2 + 7.1 * j as f32 + (rng.next() - 0.5) * jitter,
                    )
                })
                .collect()
        })
        .collect();
    let mut mesh = Vec::new();
    for j in 0..4 {
        for i in 0..4 {
            let (a, b, c, d) = (
                grid[j][i],
                grid[j][i + 1],
                grid[j + 1][i],
                grid[j + 1][i + 1],
            );
            for t in [[a, b, d], [a, d, c]] {
                mesh.extend(t.map(|p| (p.0, p.1, q)));
            }
        }
    }
    Scene::new("fill_rule", 64, 64)
        .clear([0.0; 4])
        .draw(
            Pipe {
                topology: T::TRIANGLE_FAN,
                ..add()
            },
            at(&fan, 64, 64),
        )
        .draw(add(), at(&irregular, 64, 64))
        .draw(add(), at(&mesh, 64, 64))
        .invariant("each pixel covered once or not at all", |p| {
            p == [0; 4] || p == [64; 4]
        })
}

/// Triangles far outside the viewport (the guard band, or clipping, must keep their visible part
/// and its colours exact), a thin sliver thousands of pixels long, and one wholly outside.
pub fn clip_guard_band() -> Scene {
    let tri = |p: [(f32, f32, f32); 3], c: [[f32; 4]; 3]| -> Vec<f32> {
        (0..3)
            .flat_map(|i| {
                [
                    p[i].0,
                    p[i].1,
                    0.5 * p[i].2,
                    p[i].2,
                    c[i][0],
                    c[i][1],
                    c[i][2],
                    c[i][3],
                ]
            })
            .collect()
    };
    let mut v = tri(
        [
            (-5000.0, -0.9, 1.0),
            (5000.0, -0.5, 1.0),
            (0.2, 5000.0, 1.0),
        ],
        [pal(0), pal(1), pal(2)],
    );
    v.extend(tri(
        [(-3000.0, 0.3, 1.0), (3000.0, 0.5, 1.0), (3000.0, 0.62, 1.0)],
        [pal(3), pal(4), pal(5)],
    ));
    // Scaled by w: the same kind of triangle in homogeneous coordinates.
    v.extend(tri(
        [
            (-80.0, -40.0, 40.0),
            (0.9 * 0.5, -0.95 * 0.5, 0.5),
            (-0.2 * 3.0, -0.6 * 3.0, 3.0),
        ],
        [pal(6), pal(7), pal(0)],
    ));
    v.extend(tri(
        [(5.0, 5.0, 1.0), (9000.0, 2.0, 1.0), (7.0, 9000.0, 1.0)],
        [pal(1); 3],
    ));
    Scene::new("clip_guard_band", 64, 64).draw(Pipe::default(), v)
}

/// A perspective floor running from behind the camera to the distance (crossing the near plane:
/// w near 0 and negative, z < 0), a triangle with one vertex at w = 10⁻⁶ behind the near plane,
/// and one through the far plane.
pub fn clip_near_plane() -> Scene {
    // A right-handed view looking down −z; Vulkan's projection (depth 0..1, y down).
    let (near, far, f, aspect) = (0.1f32, 40.0f32, 1.5f32, 1.5f32);
    let project = |x: f32, y: f32, z: f32, c: [f32; 4]| -> [f32; 8] {
        let zc = far / (near - far) * z + far * near / (near - far);
        [f / aspect * x, -f * y, zc, -z, c[0], c[1], c[2], c[3]]
    };
    let mut v = Vec::new();
    let floor = [
        (-6.0, 2.0, pal(0)),
        (6.0, 2.0, pal(1)),
        (6.0, -30.0, pal(2)),
        (-6.0, -30.0, pal(3)),
    ];
    for i in [0, 1, 2, 2, 3, 0] {
        let (x, z, c) = floor[i];
        v.extend(project(x, -1.0, z, c));
    }
    // A wall from beside the camera into the distance, through the far plane.
    let wall = [
        (-2.5, -1.0, -0.5, pal(4)),
        (-2.5, -1.0, -60.0, pal(5)),
        (-2.5, 2.0, -60.0, pal(6)),
        (-2.5, 2.0, -0.5, pal(7)),
    ];
    for i in [0, 1, 2, 2, 3, 0] {
        let (x, y, z, c) = wall[i];
        v.extend(project(x, y, z, c));
    }
    v.extend([0.3, -0.2, 0.5, 1.0, 1.0, 1.0, 0.0, 1.0]);
    v.extend([0.9, -0.6, 0.5, 1.0, 0.0, 1.0, 1.0, 1.0]);
    v.extend([0.5, 0.9, -0.5, 1e-6, 1.0, 0.0, 1.0, 1.0]);
    Scene::new("clip_near_plane", 96, 64).depth_stencil().draw(
        Pipe {
            depth: Some((vk::CompareOp::LESS, true)),
            ..Pipe::default()
        },
        v,
    )
}

const COMPARE_OPS: [vk::CompareOp; 8] = [
    vk::CompareOp::NEVER,
    vk::CompareOp::LESS,
    vk::CompareOp::EQUAL,
    vk::CompareOp::LESS_OR_EQUAL,
    vk::CompareOp::GREATER,
    vk::CompareOp::NOT_EQUAL,
    vk::CompareOp::GREATER_OR_EQUAL,
    vk::CompareOp::ALWAYS,
];

/// Columns: each depth compare op, drawing at depth ½ over three bands already at depths ¼, ½,
/// ¾ (equal depths are exact: both are constant planes).
pub fn depth_compare() -> Scene {
    let mut scene = Scene::new("depth_compare", 64, 48).depth_stencil();
    for (band, z) in [0.25, 0.5, 0.75].into_iter().enumerate() {
        let (x0, y0, x1, y1) = cell(0, band as u32, 1, 3);
        let grey = 0.2 + 0.2 * band as f32;
        scene = scene.draw(
            Pipe {
                depth: Some((vk::CompareOp::ALWAYS, true)),
                ..Pipe::default()
            },
            rect(x0, y0, x1, y1, z, [grey, grey, grey, 1.0]),
        );
    }
    for (i, op) in COMPARE_OPS.into_iter().enumerate() {
        let (x0, y0, x1, y1) = cell(i as u32, 0, 8, 1);
        scene = scene.draw(
            Pipe {
                depth: Some((op, true)),
                ..Pipe::default()
            },
            rect(x0, y0, x1, y1, 0.5, pal(i)),
        );
    }
    scene
}

/// Three tilted planes through each other with a `LESS` test, then one with `GREATER_OR_EQUAL`.
/// Their intersections do not pass near pixel centres, so the nearest plane is never in doubt.
pub fn depth_planes() -> Scene {
    let plane = |z: &dyn Fn(f32, f32) -> f32, c: [[f32; 4]; 4]| -> Vec<f32> {
        let corners = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)];
        [0, 1, 2, 2, 3, 0]
            .iter()
            .flat_map(|&i| {
                let (x, y) = corners[i];
                vtx(x, y, z(x, y), c[i])
            })
            .collect()
    };
    let less = Pipe {
        depth: Some((vk::CompareOp::LESS, true)),
        ..Pipe::default()
    };
    Scene::new("depth_planes", 64, 64)
        .depth_stencil()
        .draw(
            less.clone(),
            plane(&|x, _| 0.5 + 0.3 * x, [pal(0), pal(0), pal(7), pal(7)]),
        )
        .draw(
            less.clone(),
            plane(&|x, _| 0.5 - 0.3 * x, [pal(1), pal(2), pal(2), pal(1)]),
        )
        .draw(
            less,
            plane(
                &|x, y| 0.47 + 0.21 * y + 0.02 * x,
                [pal(3), pal(4), pal(5), pal(6)],
            ),
        )
        .draw(
            Pipe {
                depth: Some((vk::CompareOp::GREATER_OR_EQUAL, false)),
                ..Pipe::default()
            },
            rect(-0.5, -0.5, 0.5, 0.5, 0.41, [0.5, 0.5, 0.5, 1.0]),
        )
}

const STENCIL_OPS: [vk::StencilOp; 8] = [
    vk::StencilOp::KEEP,
    vk::StencilOp::ZERO,
    vk::StencilOp::REPLACE,
    vk::StencilOp::INCREMENT_AND_CLAMP,
    vk::StencilOp::DECREMENT_AND_CLAMP,
    vk::StencilOp::INVERT,
    vk::StencilOp::INCREMENT_AND_WRAP,
    vk::StencilOp::DECREMENT_AND_WRAP,
];

/// Columns: the 8 stencil ops. Rows: four starting values (0, 1, 0x80, 0xFF), each under three
/// outcomes (stencil test fails, depth test fails, both pass). Each column's state puts a
/// different op on each outcome, so choosing the wrong one shows. The stencil values are then
/// made visible: one full-screen draw per value 0–255 with `EQUAL`.
pub fn stencil_ops() -> Scene {
    let mut scene = Scene::new("stencil_ops", 96, 96).depth_stencil();
    for (group, value) in [0, 1, 0x80, 0xff].into_iter().enumerate() {
        let (x0, y0, x1, y1) = cell(0, group as u32, 1, 4);
        let replace = vk::StencilOp::REPLACE;
        scene = scene.stencil_draw(
            Pipe {
                stencil: Some(stencil(vk::CompareOp::ALWAYS, replace, replace, replace)),
                ..Pipe::default()
            },
            rect(x0, y0, x1, y1, 0.5, pal(group)),
            value,
        );
        // The depth-fail rows: nearer depth already there.
        let (x0, y0, x1, y1) = cell(0, group as u32 * 3 + 1, 1, 12);
        scene = scene.draw(
            Pipe {
                depth: Some((vk::CompareOp::ALWAYS, true)),
                ..Pipe::default()
            },
            rect(x0, y0, x1, y1, 0.25, pal(group)),
        );
    }
    for col in 0..8 {
        let ops = |k: usize| STENCIL_OPS[(col + k) % 8];
        for outcome in 0..3u32 {
            let compare = if outcome == 0 {
                vk::CompareOp::NEVER
            } else {
                vk::CompareOp::ALWAYS
            };
            let mut v = Vec::new();
            for group in 0..4 {
                let (x0, y0, x1, y1) = cell(col as u32, group * 3 + outcome, 8, 12);
                v.extend(rect(x0, y0, x1, y1, 0.5, pal(col)));
            }
            scene = scene.stencil_draw(
                Pipe {
                    depth: Some((vk::CompareOp::LESS, false)),
                    stencil: Some(stencil(compare, ops(0), ops(3), ops(5))),
                    ..Pipe::default()
                },
                v,
                0x5a,
            );
        }
    }
    show_stencil(scene)
}

/// A stencil state with the given compare and ops, all bits compared and written.
fn stencil(
    compare: vk::CompareOp,
    fail: vk::StencilOp,
    depth_fail: vk::StencilOp,
    pass: vk::StencilOp,
) -> vk::StencilOpState {
    vk::StencilOpState {
        fail_op: fail,
        pass_op: pass,
        depth_fail_op: depth_fail,
        compare_op: compare,
        compare_mask: 0xff,
        write_mask: 0xff,
        reference: 0,
    }
}

/// Makes the stencil values visible: one full-screen draw per value 0–255 with `EQUAL`, each in
/// its own colour.
fn show_stencil(mut scene: Scene) -> Scene {
    let keep = vk::StencilOp::KEEP;
    for value in 0..256u32 {
        let f = |k: u32| ((value * k) % 256) as f32 / 255.0;
        scene = scene.stencil_draw(
            Pipe {
                stencil: Some(stencil(vk::CompareOp::EQUAL, keep, keep, keep)),
                ..Pipe::default()
            },
            rect(-1.0, -1.0, 1.0, 1.0, 0.5, [f(1), f(7), f(31), 1.0]),
            value,
        );
    }
    scene
}

/// Columns: the 8 stencil compare ops against reference 0x5a. Rows: stored values below, equal
/// to and above it, first with all bits compared and written, then with compare mask 0x0f
/// (0x1a equals in the low nibble) and write mask 0x0f. Passing pixels increment (wrapping),
/// failing ones invert: the masks show in the values, made visible as in `stencil_ops`.
pub fn stencil_compare() -> Scene {
    let mut scene = Scene::new("stencil_compare", 64, 48).depth_stencil();
    let replace = vk::StencilOp::REPLACE;
    let rows = [
        (0x10, 0xff),
        (0x5a, 0xff),
        (0xa0, 0xff),
        (0x05, 0x0f),
        (0x1a, 0x0f),
        (0x2f, 0x0f),
    ];
    for (row, &(value, _)) in rows.iter().enumerate() {
        let (x0, y0, x1, y1) = cell(0, row as u32, 1, 6);
        scene = scene.stencil_draw(
            Pipe {
                stencil: Some(stencil(vk::CompareOp::ALWAYS, replace, replace, replace)),
                ..Pipe::default()
            },
            rect(x0, y0, x1, y1, 0.5, pal(row)),
            value,
        );
    }
    for (col, op) in COMPARE_OPS.into_iter().enumerate() {
        for (row, &(_, mask)) in rows.iter().enumerate() {
            let (x0, y0, x1, y1) = cell(col as u32, row as u32, 8, 6);
            let ops = vk::StencilOpState {
                compare_mask: mask,
                write_mask: mask,
                ..stencil(
                    op,
                    vk::StencilOp::INVERT,
                    vk::StencilOp::KEEP,
                    vk::StencilOp::INCREMENT_AND_WRAP,
                )
            };
            scene = scene.stencil_draw(
                Pipe {
                    stencil: Some(ops),
                    ..Pipe::default()
                },
                rect(x0, y0, x1, y1, 0.5, pal(col)),
                0x5a,
            );
        }
    }
    show_stencil(scene)
}

/// Every blend factor that needs no extra feature (the dual-source `SRC1_*` ones need
/// `dualSrcBlend`, which Pumice does not offer) as source (rows) and destination (columns),
/// for colour and alpha alike, over a destination with alpha 0.6 and non-trivial constants.
pub fn blend_factors() -> Scene {
    const FACTORS: [F; 15] = [
        F::ZERO,
        F::ONE,
        F::SRC_COLOR,
        F::ONE_MINUS_SRC_COLOR,
        F::DST_COLOR,
        F::ONE_MINUS_DST_COLOR,
        F::SRC_ALPHA,
        F::ONE_MINUS_SRC_ALPHA,
        F::DST_ALPHA,
        F::ONE_MINUS_DST_ALPHA,
        F::CONSTANT_COLOR,
        F::ONE_MINUS_CONSTANT_COLOR,
        F::CONSTANT_ALPHA,
        F::ONE_MINUS_CONSTANT_ALPHA,
        F::SRC_ALPHA_SATURATE,
    ];
    let n = FACTORS.len() as u32;
    let mut scene = Scene::new("blend_factors", 6 * n, 6 * n).clear([0.2, 0.5, 0.8, 0.6]);
    scene.blend_constants = [0.3, 0.6, 0.9, 0.7];
    let (a, b) = ([0.9, 0.3, 0.6, 0.4], [0.1, 0.8, 0.4, 0.9]);
    for (row, &src) in FACTORS.iter().enumerate() {
        for (col, &dst) in FACTORS.iter().enumerate() {
            let (x0, y0, x1, y1) = cell(col as u32, row as u32, n, n);
            let v = [
                (x0, y0, a),
                (x1, y0, b),
                (x1, y1, b),
                (x1, y1, b),
                (x0, y1, a),
                (x0, y0, a),
            ];
            scene = scene.draw(
                Pipe::blend(src, dst, vk::BlendOp::ADD),
                v.iter().flat_map(|&(x, y, c)| vtx(x, y, 0.5, c)).collect(),
            );
        }
    }
    scene
}

/// The five blend ops, a vertical gradient over a horizontal one.
pub fn blend_ops() -> Scene {
    let ops = [
        vk::BlendOp::ADD,
        vk::BlendOp::SUBTRACT,
        vk::BlendOp::REVERSE_SUBTRACT,
        vk::BlendOp::MIN,
        vk::BlendOp::MAX,
    ];
    let (l, r) = ([0.1, 0.9, 0.2, 0.3], [0.9, 0.1, 0.7, 1.0]);
    let background = [
        (-1.0, -1.0, l),
        (1.0, -1.0, r),
        (1.0, 1.0, r),
        (1.0, 1.0, r),
        (-1.0, 1.0, l),
        (-1.0, -1.0, l),
    ];
    let mut scene = Scene::new("blend_ops", 80, 32).draw(
        Pipe::default(),
        background
            .iter()
            .flat_map(|&(x, y, c)| vtx(x, y, 0.5, c))
            .collect(),
    );
    let (t, b) = ([0.8, 0.2, 0.5, 0.6], [0.2, 0.7, 0.9, 0.2]);
    for (i, &op) in ops.iter().enumerate() {
        let (x0, y0, x1, y1) = cell(i as u32, 0, 5, 1);
        let v = [
            (x0, y0, t),
            (x1, y0, t),
            (x1, y1, b),
            (x1, y1, b),
            (x0, y1, b),
            (x0, y0, t),
        ];
        scene = scene.draw(
            Pipe::blend(F::SRC_ALPHA, F::ONE_MINUS_DST_COLOR, op),
            v.iter().flat_map(|&(x, y, c)| vtx(x, y, 0.5, c)).collect(),
        );
    }
    scene
}

/// A receding trapezoid (w from 1 to 4) three times: smooth, flat and noperspective colours.
pub fn interpolation() -> Scene {
    const VERT_ALL: &str = r"#version 450
layout(location = 0) in vec4 pos;
layout(location = 1) in vec4 color;
layout(location = 0) out vec4 smooth_c;
layout(location = 1) flat out vec4 flat_c;
layout(location = 2) noperspective out vec4 linear_c;
void main() { gl_Position = pos; smooth_c = color; flat_c = color; linear_c = color; }";
    const FRAGS: [&str; 3] = [
        r"#version 450
layout(location = 0) in vec4 c;
layout(location = 0) out vec4 o;
void main() { o = c; }",
        r"#version 450
layout(location = 1) flat in vec4 c;
layout(location = 0) out vec4 o;
void main() { o = c; }",
        r"#version 450
layout(location = 2) noperspective in vec4 c;
layout(location = 0) out vec4 o;
void main() { o = c; }",
    ];
    let mut scene = Scene::new("interpolation", 96, 96);
    for (band, frag) in FRAGS.into_iter().enumerate() {
        let (_, y0, _, y1) = cell(0, band as u32, 1, 3);
        let (ym, h) = ((y0 + y1) / 2.0, (y1 - y0) / 2.0 * 0.9);
        // (x, y, w, colour): the left side near (w = 1), the right side far (w = 4).
        let corners = [
            (-0.95, ym - h, 1.0, pal(0)),
            (0.95, ym - 0.3 * h, 4.0, pal(1)),
            (0.95, ym + 0.3 * h, 4.0, pal(2)),
            (-0.95, ym + h, 1.0, pal(3)),
        ];
        let v = [0, 1, 2, 2, 3, 0]
            .iter()
            .flat_map(|&i| {
                let (x, y, w, c) = corners[i];
                [x * w, y * w, 0.5 * w, w, c[0], c[1], c[2], c[3]]
            })
            .collect();
        scene = scene.draw(
            Pipe {
                vert: VERT_ALL,
                frag,
                ..Pipe::default()
            },
            v,
        );
    }
    scene
}

/// Triangles drawn with polygon mode `LINE` or `POINT` (one of them back-facing and culled).
pub fn polygon_mode(mode: vk::PolygonMode) -> Scene {
    let p = [
        // Counter-clockwise on screen (y down): front-facing.
        (4.3, 5.2, pal(0)),
        (12.2, 40.4, pal(2)),
        (58.6, 9.7, pal(1)),
        (30.5, 30.5, pal(3)),
        (20.5, 60.5, pal(5)),
        (60.5, 60.5, pal(4)),
        // Clockwise: back-facing, culled.
        (40.2, 44.1, pal(6)),
        (50.7, 36.3, pal(7)),
        (56.1, 50.2, pal(0)),
    ];
    let name = if mode == vk::PolygonMode::LINE {
        "polygon_mode_line"
    } else {
        "polygon_mode_point"
    };
    let mut scene = Scene::new(name, 64, 64).draw(
        Pipe {
            polygon_mode: mode,
            cull: vk::CullModeFlags::BACK,
            ..Pipe::default()
        },
        at(&p, 64, 64),
    );
    if mode == vk::PolygonMode::LINE {
        scene = scene.tolerate(20, STRICT_LINES);
    }
    scene
}

/// Many overlapping half-transparent triangles over several tiles: blending makes the result
/// depend on drawing order, so any reordering between tiles or threads shows. Also the scene
/// the thread-count test renders.
pub fn overlap_order() -> Scene {
    let mut rng = Rng(0xdead_beef);
    let mut v = Vec::new();
    for i in 0..120 {
        let (cx, cy) = (rng.next() * 2.4 - 1.2, rng.next() * 2.4 - 1.2);
        let mut c = pal(i);
        c[3] = 0.5;
        for _ in 0..3 {
            let s = 0.15 + 0.5 * rng.next();
            // Inside the viewport: a clipped edge may legitimately move by a fraction of a
            // sub-pixel (lavapipe clips where Pumice has a guard band).
            let mut coord = |c: f32| (c + s * (rng.next() - 0.5) * 2.0).clamp(-0.999, 0.999);
            v.extend(vtx(coord(cx), coord(cy), 0.5, c));
        }
    }
    Scene::new("overlap_order", 192, 192).draw(
        Pipe::blend(F::SRC_ALPHA, F::ONE_MINUS_SRC_ALPHA, vk::BlendOp::ADD),
        v,
    )
}
