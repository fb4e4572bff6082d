//! End-to-end tests of the rasterizer: real pixels in device memory, checked against references
//! computed here.
//!
//! - `coverage`: the fill rule (fans without seams, exact pixel sets), culling, clipping.
//! - `ops`: depth test, blending, write masks, interpolation, flat shading, determinism.
//! - `stencil`: stencil ops and masks on both faces, depth bounds, depth bias, depth clamp.

mod coverage;
mod msaa;
mod ops;
mod prims;
mod stencil;

use crate::transfer::ImageRef;
use crate::{Attachment, RasterState, RenderTargets};
use pumice_memory::DeviceMemory;
use pumice_texel::{pack, Aspect, Format, ImageDesc, ImageDim, ImageLayout, Texel};

/// Marsaglia's 32-bit xorshift (shifts 13, 17, 5): the crate's tests' deterministic random
/// numbers. The state must not be 0.
#[derive(Clone, Copy)]
pub(crate) struct Xorshift32(pub u32);

impl Xorshift32 {
    pub fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
}

/// An image in its own memory.
pub(super) struct Image {
    pub mem: DeviceMemory,
    pub layout: ImageLayout,
    pub w: u32,
    pub h: u32,
}

impl Image {
    pub fn new(w: u32, h: u32, format: Format) -> Image {
        Image::with_samples(w, h, format, 1)
    }

    pub fn with_samples(w: u32, h: u32, format: Format, samples: u32) -> Image {
        let layout = ImageLayout::new(ImageDesc {
            dim: ImageDim::D2,
            format,
            extent: [w, h, 1],
            mip_levels: 1,
            array_layers: 1,
            samples,
        })
        .unwrap();
        let mem = DeviceMemory::new(layout.size()).unwrap();
        Image { mem, layout, w, h }
    }

    pub fn attachment(&self) -> Attachment<'_> {
        Attachment {
            image: ImageRef {
                memory: &self.mem,
                offset: 0,
                layout: &self.layout,
            },
            mip_level: 0,
            array_layer: 0,
        }
    }

    fn aspect(&self) -> Aspect {
        let a = self.layout.desc.format.aspects();
        if a.color {
            Aspect::Color
        } else if a.depth {
            Aspect::Depth
        } else {
            Aspect::Stencil
        }
    }

    fn texel_offset(&self, x: u32, y: u32) -> (u64, Format, usize) {
        self.plane_offset(self.aspect(), x, y)
    }

    fn plane_offset(&self, aspect: Aspect, x: u32, y: u32) -> (u64, Format, usize) {
        let sub = self.layout.subresource(aspect, 0, 0).unwrap();
        let bpp = sub.format.info().block_bytes as usize;
        (
            sub.offset + u64::from(y) * sub.row_pitch + u64::from(x) * bpp as u64,
            sub.format,
            bpp,
        )
    }

    /// Sample `s` of texel (x, y) of the image's first aspect.
    pub fn get_sample(&self, x: u32, y: u32, s: u32) -> Texel {
        let sub = self.layout.subresource(self.aspect(), 0, 0).unwrap();
        let bpp = sub.format.info().block_bytes as usize;
        let n = u64::from(self.layout.desc.samples);
        let off = sub.offset
            + u64::from(y) * sub.row_pitch
            + (u64::from(x) * n + u64::from(s)) * bpp as u64;
        let mut b = vec![0u8; bpp];
        self.mem.read(off, &mut b).unwrap();
        pack::decode(sub.format, &b).unwrap()
    }

    pub fn get(&self, x: u32, y: u32) -> Texel {
        let (off, format, bpp) = self.texel_offset(x, y);
        let mut b = vec![0u8; bpp];
        self.mem.read(off, &mut b).unwrap();
        pack::decode(format, &b).unwrap()
    }

    pub fn get_f(&self, x: u32, y: u32) -> [f32; 4] {
        match self.get(x, y) {
            Texel::Float(v) => v,
            t => panic!("not a float texel: {t:?}"),
        }
    }

    pub fn raw(&self, x: u32, y: u32) -> Vec<u8> {
        let (off, _, bpp) = self.texel_offset(x, y);
        let mut b = vec![0u8; bpp];
        self.mem.read(off, &mut b).unwrap();
        b
    }

    pub fn fill(&self, value: Texel) {
        for y in 0..self.h {
            for x in 0..self.w {
                let (off, format, bpp) = self.texel_offset(x, y);
                let mut b = vec![0u8; bpp];
                assert!(pack::encode(format, value, &mut b));
                self.mem.write(off, &b).unwrap();
            }
        }
    }

    /// The stencil value at (x, y) (of an `S8_UINT` or combined image).
    pub fn stencil(&self, x: u32, y: u32) -> u8 {
        let (off, _, _) = self.plane_offset(Aspect::Stencil, x, y);
        let mut b = [0u8];
        self.mem.read(off, &mut b).unwrap();
        b[0]
    }

    pub fn fill_stencil(&self, value: u8) {
        for y in 0..self.h {
            for x in 0..self.w {
                let (off, _, _) = self.plane_offset(Aspect::Stencil, x, y);
                self.mem.write(off, &[value]).unwrap();
            }
        }
    }

    /// Writes the depth `z` at (x, y).
    pub fn set_depth(&self, x: u32, y: u32, z: f32) {
        let (off, format, bpp) = self.plane_offset(Aspect::Depth, x, y);
        let mut b = vec![0u8; bpp];
        assert!(pack::encode(
            format,
            Texel::Float([z, 0.0, 0.0, 1.0]),
            &mut b
        ));
        self.mem.write(off, &b).unwrap();
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut b = vec![0u8; self.layout.size() as usize];
        self.mem.read(0, &mut b).unwrap();
        b
    }
}

/// Targets with the given colour attachments and optional depth, over the first image's extent.
pub(super) fn targets<'a>(colors: &[&'a Image], depth: Option<&'a Image>) -> RenderTargets<'a> {
    let (w, h) = colors
        .first()
        .or(depth.as_ref())
        .map_or((0, 0), |i| (i.w, i.h));
    RenderTargets {
        colors: colors.iter().map(|i| Some(i.attachment())).collect(),
        depth: depth.map(|d| d.attachment()),
        stencil: None,
        render_area: crate::Rect::new(0, 0, w, h),
    }
}

/// A clip-space vertex at framebuffer position (`sx`, `sy`) of a `w`×`h` full viewport, with
/// clip w `cw` and framebuffer depth `z` in [0, 1], followed by `vary`.
pub(super) fn vtx(
    state: &RasterState,
    sx: f32,
    sy: f32,
    z: f32,
    cw: f32,
    vary: &[f32],
) -> Vec<f32> {
    let v = &state.viewport;
    let nx = (sx - v.x) / v.width * 2.0 - 1.0;
    let ny = (sy - v.y) / v.height * 2.0 - 1.0;
    let mut out = vec![nx * cw, ny * cw, z * cw, cw];
    out.extend_from_slice(vary);
    out
}

/// A triangle list of `vtx` vertices with four varying components (8 floats each), the
/// input most tests draw.
pub(super) fn triangle_list(vertices: &[f32]) -> crate::VertexInput<'_> {
    crate::VertexInput {
        vertices,
        stride: 8,
        indices: None,
        primitive_restart: false,
        topology: crate::Topology::TriangleList,
        point_size: None,
    }
}

/// A tiny deterministic generator for test scenes.
pub(super) struct Lcg(pub u64);

impl Lcg {
    pub fn next_f(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32) / (1u64 << 24) as f32
    }

    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.next_f()
    }
}
