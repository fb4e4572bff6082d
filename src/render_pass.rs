//! Render passes and framebuffers (and the attachment description dynamic rendering uses).
//!
//! Attachments live in ordinary image memory, so load and store operations are plain: a
//! `CLEAR` load is a clear of the render area when the pass (or dynamic rendering) begins;
//! `LOAD` and `DONT_CARE` keep what is there; every store op stores (the memory is the image).

use ash::vk;

use crate::handle::{HandleObject, Ref};
use crate::image::ImageView;

#[derive(Clone, Copy, Debug)]
pub struct AttachmentDesc {
    pub format: vk::Format,
    pub samples: vk::SampleCountFlags,
    pub load_op: vk::AttachmentLoadOp,
    pub stencil_load_op: vk::AttachmentLoadOp,
}

#[derive(Clone, Debug, Default)]
pub struct SubpassDesc {
    /// Attachment indices (`None` for `VK_ATTACHMENT_UNUSED`).
    pub color: Vec<Option<u32>>,
    pub resolve: Vec<Option<u32>>,
    pub depth_stencil: Option<u32>,
    pub input: Vec<Option<u32>>,
    /// `VkSubpassDescriptionDepthStencilResolve`: the attachment the depth/stencil attachment
    /// resolves into, and the depth and stencil modes (`NONE`: that aspect is not resolved).
    pub depth_stencil_resolve: Option<(u32, vk::ResolveModeFlags, vk::ResolveModeFlags)>,
    /// Multiview: the views the subpass renders, one per bit (0: multiview is off).
    pub view_mask: u32,
}

#[derive(Debug)]
pub struct RenderPass {
    pub attachments: Vec<AttachmentDesc>,
    pub subpasses: Vec<SubpassDesc>,
}

impl HandleObject for RenderPass {
    const TAG: u64 = u64::from_le_bytes(*b"pmRNDPAS");
}

fn index(a: u32) -> Option<u32> {
    (a != vk::ATTACHMENT_UNUSED).then_some(a)
}

impl RenderPass {
    pub fn new(
        attachments: Vec<AttachmentDesc>,
        subpasses: Vec<SubpassDesc>,
    ) -> Result<RenderPass, vk::Result> {
        let n = attachments.len() as u32;
        for s in &subpasses {
            let resolve_target = s.depth_stencil_resolve.map(|r| r.0);
            let all = s
                .color
                .iter()
                .chain(&s.resolve)
                .chain(&s.input)
                .chain(std::iter::once(&s.depth_stencil))
                .chain(std::iter::once(&resolve_target));
            if all.flatten().any(|&a| a >= n) {
                return Err(vk::Result::ERROR_INITIALIZATION_FAILED);
            }
        }
        // 1 and 4 samples (`framebufferColorSampleCounts`).
        if attachments.iter().any(|a| {
            a.samples != vk::SampleCountFlags::TYPE_1 && a.samples != vk::SampleCountFlags::TYPE_4
        }) {
            return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
        }
        if subpasses.is_empty() {
            return Err(vk::Result::ERROR_INITIALIZATION_FAILED);
        }
        // VUID-VkRenderPassCreateInfo2-viewMask-03058: all subpasses multiview, or none.
        let multiview = subpasses.iter().filter(|s| s.view_mask != 0).count();
        if multiview != 0 && multiview != subpasses.len() {
            return Err(vk::Result::ERROR_INITIALIZATION_FAILED);
        }
        // Input attachments of a multiview subpass are read at the view's layer; the fetch
        // that reads them (pumice-shader `legalize::input_attachments_as_fetches`) knows no
        // view: refused rather than read from the wrong layer.
        if subpasses
            .iter()
            .any(|s| s.view_mask != 0 && s.input.iter().any(Option::is_some))
        {
            return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
        }
        Ok(RenderPass {
            attachments,
            subpasses,
        })
    }

    pub fn subpass_from_refs(
        color: &[vk::AttachmentReference],
        resolve: &[vk::AttachmentReference],
        depth: Option<&vk::AttachmentReference>,
        input: &[vk::AttachmentReference],
    ) -> SubpassDesc {
        SubpassDesc {
            color: color.iter().map(|r| index(r.attachment)).collect(),
            resolve: resolve.iter().map(|r| index(r.attachment)).collect(),
            depth_stencil: depth.and_then(|r| index(r.attachment)),
            input: input.iter().map(|r| index(r.attachment)).collect(),
            depth_stencil_resolve: None,
            view_mask: 0,
        }
    }

    pub fn subpass_from_refs2(
        color: &[vk::AttachmentReference2],
        resolve: &[vk::AttachmentReference2],
        depth: Option<&vk::AttachmentReference2>,
        input: &[vk::AttachmentReference2],
    ) -> SubpassDesc {
        SubpassDesc {
            color: color.iter().map(|r| index(r.attachment)).collect(),
            resolve: resolve.iter().map(|r| index(r.attachment)).collect(),
            depth_stencil: depth.and_then(|r| index(r.attachment)),
            input: input.iter().map(|r| index(r.attachment)).collect(),
            depth_stencil_resolve: None,
            view_mask: 0,
        }
    }
}

/// A render pass instance being recorded: what `vkCmdNextSubpass` needs to find the next
/// subpass's attachments.
#[derive(Debug)]
pub struct RenderPassInstance {
    pub render_pass: Ref<RenderPass>,
    pub views: Vec<Ref<ImageView>>,
    /// Per attachment, the raw words of its `VkClearValue` (colour words, or depth bits then
    /// stencil).
    pub clear_values: Vec<[u32; 4]>,
    pub area: vk::Rect2D,
    pub subpass: usize,
    /// The framebuffer's `layers`.
    pub layers: u32,
}

#[derive(Debug)]
pub struct Framebuffer {
    /// Empty for an imageless framebuffer (views come with `vkCmdBeginRenderPass`).
    pub attachments: Vec<Ref<ImageView>>,
    /// `VK_FRAMEBUFFER_CREATE_IMAGELESS_BIT`.
    pub imageless: bool,
    pub width: u32,
    pub height: u32,
    pub layers: u32,
}

impl HandleObject for Framebuffer {
    const TAG: u64 = u64::from_le_bytes(*b"pmFRMBUF");
}
