//! Vertex and fragment programs run on batches, as the rasterizer will run them.

use std::sync::atomic::AtomicBool;

use pumice_shader::compute::DispatchResources;
use pumice_shader::graphics::{Stage, StageProgram, StageRunner};
use pumice_shader::ir::{IoSlot, W};

fn glsl(stage: &str, source: &str) -> Vec<u32> {
    let dir = std::env::temp_dir().join(format!("pumice-graphics-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Unique per call: tests run on several threads.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let src = dir.join(format!("s{n}.{stage}"));
    let out = dir.join(format!("s{n}.{stage}.spv"));
    std::fs::write(&src, source).unwrap();
    let o = std::process::Command::new("glslangValidator")
        .arg("-V")
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    pumice_shader::front::words(&std::fs::read(&out).unwrap()).unwrap()
}

fn f(x: u32) -> f32 {
    f32::from_bits(x)
}

#[test]
fn vertex_stage_inputs_and_outputs() {
    let p = StageProgram::new(
        &glsl(
            "vert",
            r"#version 450
            layout(location = 0) in vec2 pos;
            layout(location = 1) in vec3 color;
            layout(location = 0) out vec3 v_color;
            layout(location = 1) flat out int v_index;
            void main() {
                gl_Position = vec4(pos * 2.0, 0.5, 1.0);
                v_color = color.bgr;
                v_index = gl_VertexIndex;
            }",
        ),
        "main",
        Stage::Vertex,
        &[],
    )
    .unwrap();
    let inputs: Vec<IoSlot> = p.inputs().collect();
    let outputs: Vec<IoSlot> = p.outputs().collect();
    assert!(inputs.contains(&IoSlot::Location {
        location: 1,
        component: 2
    }));
    assert!(inputs.contains(&IoSlot::VertexIndex));
    assert!(outputs.contains(&IoSlot::Position(3)));
    let res = DispatchResources::default();
    let mut runner = StageRunner::new(&p, &res).unwrap();
    let values: Vec<[u32; W]> = inputs
        .iter()
        .map(|s| match s {
            IoSlot::Location {
                location,
                component,
            } => std::array::from_fn(|lane| {
                (lane as f32 + (*location * 10 + *component) as f32).to_bits()
            }),
            IoSlot::VertexIndex => std::array::from_fn(|lane| lane as u32 + 100),
            _ => [0; W],
        })
        .collect();
    let mut out = vec![[0u32; W]; outputs.len()];
    let killed = runner
        .run(u64::MAX, 0, &values, &mut out, &AtomicBool::new(false))
        .unwrap();
    assert_eq!(killed, 0);
    for lane in 0..W {
        let get = |slot: IoSlot| out[outputs.iter().position(|s| *s == slot).unwrap()][lane];
        let l = lane as f32;
        assert_eq!(f(get(IoSlot::Position(0))), l * 2.0);
        assert_eq!(f(get(IoSlot::Position(1))), (l + 1.0) * 2.0);
        assert_eq!(f(get(IoSlot::Position(2))), 0.5);
        assert_eq!(
            f(get(IoSlot::Location {
                location: 0,
                component: 0
            })),
            l + 12.0
        );
        assert_eq!(
            f(get(IoSlot::Location {
                location: 0,
                component: 2
            })),
            l + 10.0
        );
        assert_eq!(
            get(IoSlot::Location {
                location: 1,
                component: 0
            }),
            lane as u32 + 100
        );
    }
}

#[test]
fn fragment_stage_derivatives_and_discard() {
    let p = StageProgram::new(
        &glsl(
            "frag",
            r"#version 450
            layout(location = 0) in vec2 uv;
            layout(location = 0) out vec4 color;
            void main() {
                if (uv.x > 1000.0) discard;
                color = vec4(dFdx(uv.x), dFdy(uv.y), fwidth(uv.x * 3.0), gl_FragCoord.x);
            }",
        ),
        "main",
        Stage::Fragment,
        &[],
    )
    .unwrap();
    let inputs: Vec<IoSlot> = p.inputs().collect();
    let outputs: Vec<IoSlot> = p.outputs().collect();
    let res = DispatchResources::default();
    let mut runner = StageRunner::new(&p, &res).unwrap();
    // 16 quads in a row: quad q covers pixels (2q, 0)..(2q+1, 1); uv = (x * 0.5, y * 0.25),
    // except the last quad, which is far right (uv.x > 1000: discarded).
    let pixel = |lane: usize| {
        let q = lane / 4;
        let (dx, dy) = ((lane & 1) as f32, ((lane >> 1) & 1) as f32);
        (2.0 * q as f32 + dx, dy)
    };
    let values: Vec<[u32; W]> = inputs
        .iter()
        .map(|s| match s {
            IoSlot::Location {
                location: 0,
                component: 0,
            } => std::array::from_fn(|lane| {
                if lane / 4 == 15 {
                    5000f32.to_bits()
                } else {
                    (pixel(lane).0 * 0.5).to_bits()
                }
            }),
            IoSlot::Location {
                location: 0,
                component: 1,
            } => std::array::from_fn(|lane| (pixel(lane).1 * 0.25).to_bits()),
            IoSlot::Position(0) => std::array::from_fn(|lane| (pixel(lane).0 + 0.5).to_bits()),
            _ => [0; W],
        })
        .collect();
    let mut out = vec![[0u32; W]; outputs.len()];
    // Lane 5 is a helper: it runs for the derivatives but is not a covered pixel.
    let killed = runner
        .run(u64::MAX, 1 << 5, &values, &mut out, &AtomicBool::new(false))
        .unwrap();
    assert_eq!(killed, 0xf << 60, "the last quad is discarded");
    let comp = |c: u32, lane: usize| {
        f(out[outputs
            .iter()
            .position(|s| {
                *s == IoSlot::Location {
                    location: 0,
                    component: c,
                }
            })
            .unwrap()][lane])
    };
    for lane in 0..60 {
        assert_eq!(comp(0, lane), 0.5, "dFdx at {lane}");
        assert_eq!(comp(1, lane), 0.25, "dFdy at {lane}");
        assert_eq!(comp(2, lane), 1.5, "fwidth at {lane}");
        assert_eq!(comp(3, lane), pixel(lane).0 + 0.5);
    }
}

#[test]
fn helper_lanes_update_their_own_variables() {
    // A loop that ends only when the lane's own (dynamically indexed) array was written: helper
    // lanes must see their variable writes, or they never leave the loop.
    let p = StageProgram::new(
        &glsl(
            "frag",
            r"#version 450
            layout(location = 0) out vec4 color;
            void main() {
                int arr[4];
                int n = int(gl_FragCoord.x) % 4;
                for (int i = 0; i < 4; i++) arr[i] = i;
                int k = 0;
                while (arr[k] != n) k++;
                color = vec4(float(k), dFdx(gl_FragCoord.x), 0.0, 1.0);
            }",
        ),
        "main",
        Stage::Fragment,
        &[],
    )
    .unwrap();
    let inputs: Vec<IoSlot> = p.inputs().collect();
    let outputs: Vec<IoSlot> = p.outputs().collect();
    let res = DispatchResources::default();
    let mut runner = StageRunner::new(&p, &res).unwrap();
    let values: Vec<[u32; W]> = inputs
        .iter()
        .map(|s| match s {
            IoSlot::Position(0) => {
                std::array::from_fn(|lane| ((lane / 4 * 2 + (lane & 1)) as f32 + 0.5).to_bits())
            }
            _ => [0; W],
        })
        .collect();
    let mut out = vec![[0u32; W]; outputs.len()];
    // Every other quad's right column is helpers.
    let helpers = 0xaaaa_aaaa_aaaa_aaaa;
    let cancel = AtomicBool::new(false);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let killed = runner
        .run_until(
            u64::MAX,
            helpers,
            &values,
            &mut out,
            &cancel,
            Some(deadline),
        )
        .expect("terminates");
    assert_eq!(killed, 0);
    let k = &out[outputs
        .iter()
        .position(|s| {
            *s == IoSlot::Location {
                location: 0,
                component: 0,
            }
        })
        .unwrap()];
    for lane in 0..W {
        assert_eq!(
            f(k[lane]),
            ((lane / 4 * 2 + (lane & 1)) % 4) as f32,
            "{lane}"
        );
    }
}

/// Arrays of inputs and outputs (split by the legalizer into one location per element) with a
/// dynamic index, and an integer output without `flat` (which Vulkan allows on the vertex side).
#[test]
fn vertex_stage_array_io_and_integer_outputs() {
    let p = StageProgram::new(
        &glsl(
            "vert",
            r"#version 450
            layout(location = 0) in vec2 pos;
            layout(location = 1) in float c[3];
            layout(location = 2) out vec2 o[3];
            layout(location = 0) out int n;
            layout(location = 1) out uvec2 u;
            void main() {
                gl_Position = vec4(pos, 0.0, 1.0);
                for (int i = 0; i < 3; i++)
                    o[i] = vec2(c[2 - i] * float(i + 1), c[i]);
                n = -gl_VertexIndex;
                u = uvec2(gl_VertexIndex, 7u);
            }",
        ),
        "main",
        Stage::Vertex,
        &[],
    )
    .unwrap();
    let inputs: Vec<IoSlot> = p.inputs().collect();
    let outputs: Vec<IoSlot> = p.outputs().collect();
    let res = DispatchResources::default();
    let mut runner = StageRunner::new(&p, &res).unwrap();
    let c = |k: u32, lane: usize| lane as f32 * 100.0 + k as f32;
    let values: Vec<[u32; W]> = inputs
        .iter()
        .map(|s| match s {
            IoSlot::Location {
                location,
                component: 0,
            } if (1..4).contains(location) => {
                std::array::from_fn(|lane| c(location - 1, lane).to_bits())
            }
            IoSlot::VertexIndex => std::array::from_fn(|lane| lane as u32 + 5),
            _ => [0; W],
        })
        .collect();
    let mut out = vec![[0u32; W]; outputs.len()];
    runner
        .run(u64::MAX, 0, &values, &mut out, &AtomicBool::new(false))
        .unwrap();
    let at = |location, component| {
        outputs
            .iter()
            .position(|s| {
                *s == IoSlot::Location {
                    location,
                    component,
                }
            })
            .unwrap_or_else(|| panic!("no output at {location}.{component}: {outputs:?}"))
    };
    for (lane, _) in values[0].iter().enumerate() {
        for i in 0..3u32 {
            let want = (c(2 - i, lane) * (i + 1) as f32, c(i, lane));
            assert_eq!(f(out[at(2 + i, 0)][lane]), want.0, "lane {lane} o[{i}].x");
            assert_eq!(f(out[at(2 + i, 1)][lane]), want.1, "lane {lane} o[{i}].y");
        }
        assert_eq!(out[at(0, 0)][lane] as i32, -(lane as i32 + 5));
        assert_eq!(out[at(1, 0)][lane], lane as u32 + 5);
        assert_eq!(out[at(1, 1)][lane], 7);
    }
}
