//! What a command buffer records for drawing: the render pass instance being recorded, vertex
//! and index buffers, dynamic state; and what each draw command carries (a snapshot of it all,
//! so executing a draw needs nothing from the recording state).

use std::sync::Arc;

use ash::vk;

use crate::buffer::Buffer;
use crate::command_buffer::BoundSet;
use crate::handle::Ref;
use crate::image::ImageView;
use crate::pipeline::Pipeline;

/// The attachments of a render pass instance (a subpass, or `vkCmdBeginRendering`).
#[derive(Debug, Default)]
pub struct RenderTargets {
    pub color: Vec<Option<Ref<ImageView>>>,
    /// The depth aspect's attachment (a depth or combined depth/stencil view).
    pub depth: Option<Ref<ImageView>>,
    /// The stencil aspect's attachment (an `S8_UINT` or combined view; usually the depth view).
    pub stencil: Option<Ref<ImageView>>,
    pub area: vk::Rect2D,
    /// Per colour attachment, the single-sample view its samples are averaged into when the
    /// instance ends (`pResolveAttachments`, or dynamic rendering's `resolveImageView` with
    /// `VK_RESOLVE_MODE_AVERAGE_BIT`).
    pub resolve: Vec<Option<Ref<ImageView>>>,
    /// The depth and stencil resolves when the instance ends: the single-sample view and how
    /// (`VK_RESOLVE_MODE_*`, one bit).
    pub depth_resolve: Option<(Ref<ImageView>, vk::ResolveModeFlags)>,
    pub stencil_resolve: Option<(Ref<ImageView>, vk::ResolveModeFlags)>,
    /// The view these targets render (`ViewIndex`): with multiview, each view of the view
    /// mask has targets of its own, whose views show that layer only; 0 otherwise.
    pub view_index: u32,
    /// The layers of the render pass instance (the framebuffer's `layers`, dynamic rendering's
    /// `layerCount`; 1 for each view's targets with multiview): load clears and resolves
    /// cover these layers of every attachment (each clipped to its view's layers).
    pub layers: u32,
}

impl RenderTargets {
    /// The targets of each view of `view_mask` (multiview), in view order: every attachment
    /// view replaced by a view of its layer `view` (relative to the view's first layer), so
    /// clears, loads, draws and resolves of the view reach that layer. A zero mask gives the
    /// targets as they are. A view beyond an attachment's layers is an error.
    pub fn per_view(self, view_mask: u32) -> Result<Vec<Arc<RenderTargets>>, vk::Result> {
        if view_mask == 0 {
            return Ok(vec![Arc::new(self)]);
        }
        let layer = |v: &Ref<ImageView>, view: u32| -> Result<Ref<ImageView>, vk::Result> {
            if view >= v.range.layer_count {
                return Err(vk::Result::ERROR_UNKNOWN);
            }
            Ok(Ref::new(ImageView {
                image: v.image.clone(),
                view_type: vk::ImageViewType::TYPE_2D,
                format: v.format,
                components: v.components,
                range: vk::ImageSubresourceRange {
                    base_array_layer: v.range.base_array_layer + view,
                    layer_count: 1,
                    ..v.range
                },
            }))
        };
        let views = |list: &[Option<Ref<ImageView>>], view: u32| {
            list.iter()
                .map(|o| o.as_ref().map(|v| layer(v, view)).transpose())
                .collect::<Result<Vec<_>, _>>()
        };
        let mut out = Vec::new();
        for view in (0..32).filter(|b| view_mask >> b & 1 != 0) {
            out.push(Arc::new(RenderTargets {
                color: views(&self.color, view)?,
                depth: self.depth.as_ref().map(|v| layer(v, view)).transpose()?,
                stencil: self.stencil.as_ref().map(|v| layer(v, view)).transpose()?,
                area: self.area,
                resolve: views(&self.resolve, view)?,
                depth_resolve: self
                    .depth_resolve
                    .as_ref()
                    .map(|(v, m)| layer(v, view).map(|l| (l, *m)))
                    .transpose()?,
                stencil_resolve: self
                    .stencil_resolve
                    .as_ref()
                    .map(|(v, m)| layer(v, view).map(|l| (l, *m)))
                    .transpose()?,
                view_index: view,
                layers: 1,
            }));
        }
        Ok(out)
    }
}

/// A clear done when a render pass instance begins (a `CLEAR` load op).
#[derive(Clone, Copy, Debug)]
pub enum LoadClear {
    /// The raw `VkClearColorValue` words (read by the attachment format's class).
    Color {
        attachment: usize,
        value: [u32; 4],
    },
    Depth {
        value: f32,
    },
    /// The stencil aspect (`stencilLoadOp`); only the low 8 bits are stored.
    Stencil {
        value: u32,
    },
}

/// `vkCmdSetStencilOp`'s values for one face: fail, pass, depth-fail ops and the compare op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StencilOps {
    pub fail: vk::StencilOp,
    pub pass: vk::StencilOp,
    pub depth_fail: vk::StencilOp,
    pub compare: vk::CompareOp,
}

/// Dynamic state set by `vkCmdSet*`; `None` means "the pipeline's value".
///
/// The stencil, depth bias and depth bounds values are used only when the bound pipeline lists
/// the state as dynamic (otherwise the pipeline's static value applies, as the specification
/// says of state that is not dynamic); per-face values are `[front, back]`.
#[derive(Clone, Copy, Debug, Default)]
pub struct DynamicValues {
    pub viewport: Option<vk::Viewport>,
    pub scissor: Option<vk::Rect2D>,
    pub blend_constants: Option<[f32; 4]>,
    pub cull_mode: Option<vk::CullModeFlags>,
    pub front_face: Option<vk::FrontFace>,
    pub topology: Option<vk::PrimitiveTopology>,
    pub depth_test: Option<bool>,
    pub depth_write: Option<bool>,
    pub depth_compare: Option<vk::CompareOp>,
    pub primitive_restart: Option<bool>,
    pub rasterizer_discard: Option<bool>,
    pub stencil_compare_mask: [Option<u32>; 2],
    pub stencil_write_mask: [Option<u32>; 2],
    pub stencil_reference: [Option<u32>; 2],
    pub stencil_test: Option<bool>,
    pub stencil_op: [Option<StencilOps>; 2],
    /// `[constant, clamp, slope]`, in `vkCmdSetDepthBias`'s argument order.
    pub depth_bias: Option<[f32; 3]>,
    pub depth_bias_enable: Option<bool>,
    pub depth_bounds: Option<(f32, f32)>,
    pub depth_bounds_test: Option<bool>,
}

/// The graphics part of a recording's state.
#[derive(Debug, Default)]
pub struct GraphicsRecordState {
    /// The targets of the render pass instance (subpass) being recorded, one per view with
    /// multiview (each draw, clear and resolve is recorded once per view); empty outside one.
    pub targets: Vec<Arc<RenderTargets>>,
    /// The render pass instance being recorded (not for dynamic rendering).
    pub render_pass: Option<crate::render_pass::RenderPassInstance>,
    pub vertex_buffers: Vec<Option<(Ref<Buffer>, u64)>>,
    pub index_buffer: Option<(Ref<Buffer>, u64, vk::IndexType)>,
    pub dynamic: DynamicValues,
    /// A secondary command buffer that continues a render pass instance: draws and clears
    /// outside one of its own render to the targets of the primary that executes it.
    pub continues_render_pass: bool,
    /// The number of views of the render pass instance a secondary continues (multiview).
    pub inherited_views: u32,
}

impl GraphicsRecordState {
    /// The number of views of the render pass instance being recorded (or continued): how
    /// many queries a query command inside it uses. 1 outside one.
    pub fn view_count(&self) -> u32 {
        (self.targets.len() as u32).max(self.inherited_views).max(1)
    }
}

/// How many vertices a draw takes, and from where.
#[derive(Clone, Copy, Debug)]
pub enum DrawKind {
    Vertices {
        vertex_count: u32,
        first_vertex: u32,
    },
    Indexed {
        index_count: u32,
        first_index: u32,
        vertex_offset: i32,
    },
}

/// The parameters of one draw (`vkCmdDraw`/`vkCmdDrawIndexed`, or one record of an indirect
/// buffer).
#[derive(Clone, Copy, Debug)]
pub struct DrawParams {
    pub kind: DrawKind,
    pub instance_count: u32,
    pub first_instance: u32,
    /// The draw's index in its command (`DrawIndex`, `gl_DrawID`): 0 for a direct draw, the
    /// record's index for an indirect one.
    pub draw_index: u32,
}

/// Where a draw's parameters come from.
#[derive(Clone, Debug)]
pub enum DrawSource {
    Direct(DrawParams),
    /// `vkCmdDraw[Indexed]Indirect[Count]`: `VkDraw[Indexed]IndirectCommand` records read from
    /// `buffer` when the command executes.
    Indirect {
        buffer: Ref<Buffer>,
        offset: u64,
        /// `drawCount`, or `maxDrawCount` with a count buffer.
        draw_count: u32,
        stride: u32,
        indexed: bool,
        /// The count buffer and its offset (`vkCmdDraw*IndirectCount`).
        count: Option<(Ref<Buffer>, u64)>,
    },
}

/// One draw, with everything it needs.
#[derive(Clone, Debug)]
pub struct DrawCommand {
    pub pipeline: Ref<Pipeline>,
    pub sets: Vec<Option<BoundSet>>,
    pub push_constants: Vec<u8>,
    pub vertex_buffers: Vec<Option<(Ref<Buffer>, u64)>>,
    pub index_buffer: Option<(Ref<Buffer>, u64, vk::IndexType)>,
    pub dynamic: DynamicValues,
    pub targets: Arc<RenderTargets>,
    pub source: DrawSource,
}
