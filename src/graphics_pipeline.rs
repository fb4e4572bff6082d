//! Graphics pipelines: the vertex and fragment programs, compiled at creation, and all the
//! fixed-function state, copied out of the create info into plain data. Dynamic state replaces
//! the static values at draw time (see `draw.rs`).

use ash::vk;
use pumice_shader::graphics::{Stage, StageProgram};

/// One vertex buffer binding.
#[derive(Clone, Copy, Debug)]
pub struct VertexBinding {
    pub binding: u32,
    pub stride: u32,
    pub per_instance: bool,
}

/// One vertex attribute.
#[derive(Clone, Copy, Debug)]
pub struct VertexAttribute {
    pub location: u32,
    pub binding: u32,
    pub format: pumice_texel::Format,
    pub offset: u32,
}

#[derive(Clone, Copy, Debug)]
pub struct BlendAttachment {
    pub enable: bool,
    pub src_color: vk::BlendFactor,
    pub dst_color: vk::BlendFactor,
    pub color_op: vk::BlendOp,
    pub src_alpha: vk::BlendFactor,
    pub dst_alpha: vk::BlendFactor,
    pub alpha_op: vk::BlendOp,
    pub write_mask: vk::ColorComponentFlags,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct StencilFace {
    pub fail: vk::StencilOp,
    pub pass: vk::StencilOp,
    pub depth_fail: vk::StencilOp,
    pub compare: vk::CompareOp,
    pub compare_mask: u32,
    pub write_mask: u32,
    pub reference: u32,
}

impl From<vk::StencilOpState> for StencilFace {
    fn from(s: vk::StencilOpState) -> Self {
        StencilFace {
            fail: s.fail_op,
            pass: s.pass_op,
            depth_fail: s.depth_fail_op,
            compare: s.compare_op,
            compare_mask: s.compare_mask,
            write_mask: s.write_mask,
            reference: s.reference,
        }
    }
}

/// `VkPipelineMultisampleStateCreateInfo`.
#[derive(Clone, Copy, Debug)]
pub struct MultisampleState {
    /// `rasterizationSamples`: 1 or 4.
    pub samples: u32,
    /// `pSampleMask[0]` (all ones when null).
    pub sample_mask: u32,
    pub alpha_to_coverage: bool,
    pub alpha_to_one: bool,
    /// `sampleShadingEnable` and `minSampleShading`.
    pub sample_shading: Option<f32>,
}

impl Default for MultisampleState {
    fn default() -> Self {
        MultisampleState {
            samples: 1,
            sample_mask: !0,
            alpha_to_coverage: false,
            alpha_to_one: false,
            sample_shading: None,
        }
    }
}

/// Everything fixed-function, with the values dynamic state may override.
#[derive(Clone, Debug)]
pub struct FixedState {
    pub bindings: Vec<VertexBinding>,
    pub attributes: Vec<VertexAttribute>,
    pub topology: vk::PrimitiveTopology,
    pub primitive_restart: bool,
    pub viewports: Vec<vk::Viewport>,
    pub scissors: Vec<vk::Rect2D>,
    pub depth_clamp: bool,
    pub rasterizer_discard: bool,
    pub polygon_mode: vk::PolygonMode,
    pub cull_mode: vk::CullModeFlags,
    pub front_face: vk::FrontFace,
    pub depth_bias_enable: bool,
    /// `[constant, clamp, slope]` factors (the order of `vkCmdSetDepthBias`).
    pub depth_bias: [f32; 3],
    pub line_width: f32,
    pub depth_test: bool,
    pub depth_write: bool,
    pub depth_compare: vk::CompareOp,
    pub depth_bounds_test: bool,
    pub depth_bounds: (f32, f32),
    pub stencil_test: bool,
    pub stencil_front: StencilFace,
    pub stencil_back: StencilFace,
    pub blend: Vec<BlendAttachment>,
    pub blend_constants: [f32; 4],
    pub logic_op: Option<vk::LogicOp>,
    pub multisample: MultisampleState,
    pub dynamic: Vec<vk::DynamicState>,
    /// The formats the pipeline renders to (from its render pass subpass or
    /// `VkPipelineRenderingCreateInfo`).
    pub color_formats: Vec<vk::Format>,
    pub depth_format: vk::Format,
    pub stencil_format: vk::Format,
}

#[derive(Debug)]
pub struct GraphicsPipeline {
    pub vertex: StageProgram,
    pub fragment: Option<StageProgram>,
    pub state: FixedState,
}

impl GraphicsPipeline {
    pub fn compile(
        vertex: (&[u32], &str, &[(u32, u64)]),
        fragment: Option<(&[u32], &str, &[(u32, u64)])>,
        state: FixedState,
    ) -> Result<GraphicsPipeline, vk::Result> {
        let failed = |_| vk::Result::ERROR_INITIALIZATION_FAILED;
        let vertex =
            StageProgram::new(vertex.0, vertex.1, Stage::Vertex, vertex.2).map_err(failed)?;
        let fragment = match fragment {
            Some((w, e, s)) => Some(StageProgram::new(w, e, Stage::Fragment, s).map_err(failed)?),
            None => None,
        };
        // What the rasterizer does not do is refused here rather than drawn wrongly:
        // adjacency and patch topologies (no geometry or tessellation stages),
        // `VK_POLYGON_MODE_FILL_RECTANGLE_NV`, logic ops outside `VkLogicOp`.
        if crate::conv::topology(state.topology).is_none()
            || crate::conv::polygon_mode(state.polygon_mode).is_none()
            || state
                .logic_op
                .is_some_and(|op| crate::conv::logic_op(op).is_none())
        {
            return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
        }
        Ok(GraphicsPipeline {
            vertex,
            fragment,
            state,
        })
    }

    pub fn is_dynamic(&self, s: vk::DynamicState) -> bool {
        self.state.dynamic.contains(&s)
    }
}
