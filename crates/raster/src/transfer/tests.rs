//! Tests of the transfer operations against references computed here, byte by byte.

use super::*;
use pumice_texel::{ImageDesc, ImageDim};

fn noise(n: usize, seed: u32) -> Vec<u8> {
    let mut rng = crate::tests::Xorshift32(seed.wrapping_mul(2_654_435_761).max(1));
    (0..n).map(|_| (rng.next_u32() >> 8) as u8).collect()
}

fn memory_with(bytes: &[u8]) -> DeviceMemory {
    let m = DeviceMemory::new(bytes.len() as u64).unwrap();
    m.write(0, bytes).unwrap();
    m
}

fn contents(m: &DeviceMemory) -> Vec<u8> {
    let mut v = vec![0u8; m.size() as usize];
    m.read(0, &mut v).unwrap();
    v
}

fn buf(memory: &DeviceMemory, offset: u64, size: u64) -> BufferRef<'_> {
    BufferRef {
        memory,
        offset,
        size,
    }
}

/// An image placed at `IMG_OFFSET` in a memory filled with noise.
struct Img {
    mem: DeviceMemory,
    layout: ImageLayout,
}

const IMG_OFFSET: u64 = 48;

impl Img {
    fn new(
        dim: ImageDim,
        format: Format,
        extent: [u32; 3],
        mips: u32,
        layers: u32,
        seed: u32,
    ) -> Img {
        let layout = ImageLayout::new(ImageDesc {
            dim,
            format,
            extent,
            mip_levels: mips,
            array_layers: layers,
            samples: 1,
        })
        .unwrap();
        let mem = memory_with(&noise((IMG_OFFSET + layout.size() + 32) as usize, seed));
        Img { mem, layout }
    }

    fn r(&self) -> ImageRef<'_> {
        ImageRef {
            memory: &self.mem,
            offset: IMG_OFFSET,
            layout: &self.layout,
        }
    }

    /// Absolute offset of texel (or block) `(x, y, z)` of a subresource.
    fn addr(&self, aspect: Aspect, mip: u32, layer: u32, x: u32, y: u32, z: u32) -> usize {
        let s = self.layout.subresource(aspect, mip, layer).unwrap();
        let bb = s.format.info().block_bytes as u64;
        (IMG_OFFSET + s.offset + z as u64 * s.depth_pitch + y as u64 * s.row_pitch + x as u64 * bb)
            as usize
    }
}

fn layers(aspect: Aspect, mip: u32, base: u32, count: u32) -> SubresourceLayers {
    SubresourceLayers {
        aspect,
        mip_level: mip,
        base_array_layer: base,
        layer_count: count,
    }
}

fn color(mip: u32, base: u32, count: u32) -> SubresourceLayers {
    layers(Aspect::Color, mip, base, count)
}

// ---------------------------------------------------------------------------------------------
// Buffers.

#[test]
fn copy_buffer_odd_offsets_and_overlaps() {
    let a = memory_with(&noise(200, 1));
    let b = memory_with(&noise(120, 2));
    let src = buf(&a, 3, 150);
    let dst = buf(&b, 5, 101);
    let regions = [
        BufferCopy {
            src_offset: 1,
            dst_offset: 7,
            size: 13,
        },
        // Overlapping source ranges, and a destination range overlapping the first.
        BufferCopy {
            src_offset: 9,
            dst_offset: 17,
            size: 31,
        },
        BufferCopy {
            src_offset: 149,
            dst_offset: 100,
            size: 1,
        },
    ];
    let mut expected = contents(&b);
    let a0 = contents(&a);
    for r in &regions {
        let s = (3 + r.src_offset) as usize;
        let d = (5 + r.dst_offset) as usize;
        expected[d..d + r.size as usize].copy_from_slice(&a0[s..s + r.size as usize]);
    }
    copy_buffer(src, dst, &regions).unwrap();
    assert_eq!(contents(&b), expected);
    assert_eq!(contents(&a), a0);

    // Within one memory, source and destination overlapping: memmove.
    let m = memory_with(&noise(64, 3));
    let mut expected = contents(&m);
    expected.copy_within(10..40, 13);
    copy_buffer(
        buf(&m, 8, 40),
        buf(&m, 11, 50),
        &[BufferCopy {
            src_offset: 2,
            dst_offset: 2,
            size: 30,
        }],
    )
    .unwrap();
    assert_eq!(contents(&m), expected);
}

#[test]
fn copy_buffer_out_of_range_writes_nothing() {
    let a = memory_with(&noise(64, 4));
    let b = memory_with(&noise(64, 5));
    let before = contents(&b);
    let ok = BufferCopy {
        src_offset: 0,
        dst_offset: 0,
        size: 8,
    };
    for bad in [
        BufferCopy {
            src_offset: 30,
            dst_offset: 0,
            size: 3,
        },
        BufferCopy {
            src_offset: 0,
            dst_offset: 31,
            size: 2,
        },
        BufferCopy {
            src_offset: u64::MAX,
            dst_offset: 0,
            size: 2,
        },
        BufferCopy {
            src_offset: 0,
            dst_offset: 0,
            size: u64::MAX,
        },
    ] {
        assert_eq!(
            copy_buffer(buf(&a, 0, 32), buf(&b, 0, 32), &[ok, bad]),
            Err(TransferError)
        );
        assert_eq!(contents(&b), before);
    }
    // A buffer reaching past its memory.
    assert_eq!(
        copy_buffer(buf(&a, 60, 8), buf(&b, 0, 8), &[ok]),
        Err(TransferError)
    );
    assert_eq!(
        copy_buffer(buf(&a, 0, 8), buf(&b, u64::MAX, 8), &[ok]),
        Err(TransferError)
    );
    assert_eq!(contents(&b), before);
}

#[test]
fn fill_and_update_buffer() {
    let m = memory_with(&noise(40, 6));
    let mut expected = contents(&m);
    // Whole size from offset 4 of a 23-byte buffer at 3: 19 bytes, rounded down to 16.
    fill_buffer(buf(&m, 3, 23), 4, WHOLE_SIZE, 0xAABB_CCDD).unwrap();
    for i in 0..16 {
        expected[7 + i] = [0xDD, 0xCC, 0xBB, 0xAA][i % 4];
    }
    assert_eq!(contents(&m), expected);
    fill_buffer(buf(&m, 3, 23), 0, 8, 0x0101_0101).unwrap();
    expected[3..11].fill(1);
    assert_eq!(contents(&m), expected);
    // A long fill crossing the chunk size.
    let big = DeviceMemory::new(200_003).unwrap();
    fill_buffer(buf(&big, 1, 200_002), 0, WHOLE_SIZE, 0x0403_0201).unwrap();
    let got = contents(&big);
    assert_eq!(got[0], 0);
    assert!(got[1..200_001].chunks(4).all(|c| c == [1, 2, 3, 4]));
    assert_eq!(&got[200_001..], &[0, 0]);

    update_buffer(buf(&m, 3, 23), 19, &[9, 8, 7, 6]).unwrap();
    expected[22..26].copy_from_slice(&[9, 8, 7, 6]);
    assert_eq!(contents(&m), expected);

    assert_eq!(fill_buffer(buf(&m, 3, 23), 20, 4, 0), Err(TransferError));
    assert_eq!(
        fill_buffer(buf(&m, 3, 23), 24, WHOLE_SIZE, 0),
        Err(TransferError)
    );
    assert_eq!(
        update_buffer(buf(&m, 3, 23), 20, &[0; 4]),
        Err(TransferError)
    );
    assert_eq!(
        update_buffer(buf(&m, 3, 23), u64::MAX, &[0]),
        Err(TransferError)
    );
    assert_eq!(contents(&m), expected);
}

// ---------------------------------------------------------------------------------------------
// Buffer <-> image.

#[test]
fn buffer_image_round_trip_with_padding_layers_and_mips() {
    let img = Img::new(ImageDim::D2, Format::R16G16_UINT, [7, 5, 1], 3, 4, 7);
    let bb = 4usize;
    let src_mem = memory_with(&noise(1000, 8));
    let src = buf(&src_mem, 5, 900);
    let region = BufferImageCopy {
        buffer_offset: 13,
        buffer_row_length: 9,
        buffer_image_height: 6,
        image: color(0, 1, 3),
        image_offset: [2, 1, 0],
        image_extent: [4, 3, 1],
    };
    // Level 1 (3x2), whole, tightly packed.
    let region_mip = BufferImageCopy {
        buffer_offset: 800,
        buffer_row_length: 0,
        buffer_image_height: 0,
        image: color(1, 2, 1),
        image_offset: [0, 0, 0],
        image_extent: [3, 2, 1],
    };
    let before = contents(&img.mem);
    copy_buffer_to_image(src, img.r(), &[region, region_mip]).unwrap();

    let s = contents(&src_mem);
    let mut expected = before.clone();
    for l in 0..3u32 {
        for y in 0..3u32 {
            for x in 0..4u32 {
                let b = 5 + 13 + ((l * 6 + y) * 9 + x) as usize * bb;
                let i = img.addr(Aspect::Color, 0, 1 + l, 2 + x, 1 + y, 0);
                expected[i..i + bb].copy_from_slice(&s[b..b + bb]);
            }
        }
    }
    for y in 0..2u32 {
        for x in 0..3u32 {
            let b = 5 + 800 + (y * 3 + x) as usize * bb;
            let i = img.addr(Aspect::Color, 1, 2, x, y, 0);
            expected[i..i + bb].copy_from_slice(&s[b..b + bb]);
        }
    }
    assert_eq!(contents(&img.mem), expected);

    // Back to another buffer with a different padding: the texels come back where the buffer
    // addressing says, and the padding is untouched.
    let out_mem = memory_with(&noise(600, 9));
    let out_before = contents(&out_mem);
    let back = BufferImageCopy {
        buffer_offset: 2,
        buffer_row_length: 5,
        buffer_image_height: 4,
        ..region
    };
    copy_image_to_buffer(img.r(), buf(&out_mem, 1, 590), &[back]).unwrap();
    let out = contents(&out_mem);
    let mut expected_out = out_before;
    for l in 0..3u32 {
        for y in 0..3u32 {
            for x in 0..4u32 {
                let o = 1 + 2 + ((l * 4 + y) * 5 + x) as usize * bb;
                let b = 5 + 13 + ((l * 6 + y) * 9 + x) as usize * bb;
                expected_out[o..o + bb].copy_from_slice(&s[b..b + bb]);
            }
        }
    }
    assert_eq!(out, expected_out);
}

#[test]
fn buffer_image_3d_and_1d() {
    let img = Img::new(ImageDim::D3, Format::R8_UNORM, [5, 4, 6], 2, 1, 10);
    let src_mem = memory_with(&noise(200, 11));
    let region = BufferImageCopy {
        buffer_offset: 1,
        buffer_row_length: 4,
        buffer_image_height: 3,
        image: color(0, 0, 1),
        image_offset: [1, 1, 2],
        image_extent: [3, 2, 3],
    };
    let mut expected = contents(&img.mem);
    copy_buffer_to_image(buf(&src_mem, 0, 200), img.r(), &[region]).unwrap();
    let s = contents(&src_mem);
    for z in 0..3u32 {
        for y in 0..2u32 {
            for x in 0..3u32 {
                expected[img.addr(Aspect::Color, 0, 0, 1 + x, 1 + y, 2 + z)] =
                    s[1 + ((z * 3 + y) * 4 + x) as usize];
            }
        }
    }
    assert_eq!(contents(&img.mem), expected);
    // Past the depth, or a layer on a 3-D image.
    let bad = BufferImageCopy {
        image_offset: [1, 1, 4],
        ..region
    };
    assert_eq!(
        copy_buffer_to_image(buf(&src_mem, 0, 200), img.r(), &[bad]),
        Err(TransferError)
    );
    let bad = BufferImageCopy {
        image: color(0, 0, 2),
        ..region
    };
    assert_eq!(
        copy_buffer_to_image(buf(&src_mem, 0, 200), img.r(), &[bad]),
        Err(TransferError)
    );
    assert_eq!(contents(&img.mem), expected);

    let img1 = Img::new(ImageDim::D1, Format::R32_SFLOAT, [8, 1, 1], 1, 2, 12);
    let region = BufferImageCopy {
        buffer_offset: 4,
        buffer_row_length: 0,
        buffer_image_height: 0,
        image: color(0, 0, 2),
        image_offset: [3, 0, 0],
        image_extent: [5, 1, 1],
    };
    let mut expected = contents(&img1.mem);
    copy_buffer_to_image(buf(&src_mem, 0, 200), img1.r(), &[region]).unwrap();
    for l in 0..2u32 {
        for x in 0..5u32 {
            let i = img1.addr(Aspect::Color, 0, l, 3 + x, 0, 0);
            let b = 4 + (l * 5 + x) as usize * 4;
            expected[i..i + 4].copy_from_slice(&s[b..b + 4]);
        }
    }
    assert_eq!(contents(&img1.mem), expected);
}

#[test]
fn buffer_image_compressed_blocks() {
    // BC1: 8-byte 4x4 blocks; a 10x6 level is 3x2 blocks with partial edge blocks.
    let img = Img::new(
        ImageDim::D2,
        Format::BC1_RGBA_UNORM_BLOCK,
        [10, 6, 1],
        2,
        1,
        13,
    );
    let src_mem = memory_with(&noise(300, 14));
    let s = contents(&src_mem);
    let mut expected = contents(&img.mem);
    // Blocks (1..3, 0..2) of level 0: texels x 4..10 (to the edge), y 0..6 (to the edge). Buffer
    // rows of 12 texels = 3 blocks.
    let region = BufferImageCopy {
        buffer_offset: 8,
        buffer_row_length: 12,
        buffer_image_height: 0,
        image: color(0, 0, 1),
        image_offset: [4, 0, 0],
        image_extent: [6, 6, 1],
    };
    copy_buffer_to_image(buf(&src_mem, 0, 300), img.r(), &[region]).unwrap();
    for by in 0..2u32 {
        for bx in 0..2u32 {
            let i = img.addr(Aspect::Color, 0, 0, 1 + bx, by, 0);
            let b = 8 + (by * 3 + bx) as usize * 8;
            expected[i..i + 8].copy_from_slice(&s[b..b + 8]);
        }
    }
    assert_eq!(contents(&img.mem), expected);
    // Offsets off the block grid, and extents of partial blocks not at the edge, are refused.
    let bad = BufferImageCopy {
        image_offset: [2, 0, 0],
        image_extent: [4, 4, 1],
        ..region
    };
    assert_eq!(
        copy_buffer_to_image(buf(&src_mem, 0, 300), img.r(), &[bad]),
        Err(TransferError)
    );
    let bad = BufferImageCopy {
        image_offset: [0, 0, 0],
        image_extent: [6, 4, 1],
        ..region
    };
    assert_eq!(
        copy_buffer_to_image(buf(&src_mem, 0, 300), img.r(), &[bad]),
        Err(TransferError)
    );
    assert_eq!(contents(&img.mem), expected);
}

#[test]
fn depth_stencil_aspects_copy_as_planes() {
    let img = Img::new(ImageDim::D2, Format::D24_UNORM_S8_UINT, [4, 3, 1], 1, 2, 15);
    let src_mem = memory_with(&noise(200, 16));
    let s = contents(&src_mem);
    let mut expected = contents(&img.mem);
    let depth = BufferImageCopy {
        buffer_offset: 0,
        buffer_row_length: 0,
        buffer_image_height: 0,
        image: layers(Aspect::Depth, 0, 0, 2),
        image_offset: [0, 0, 0],
        image_extent: [4, 3, 1],
    };
    let stencil = BufferImageCopy {
        buffer_offset: 100,
        image: layers(Aspect::Stencil, 0, 1, 1),
        image_offset: [1, 1, 0],
        image_extent: [2, 2, 1],
        ..depth
    };
    copy_buffer_to_image(buf(&src_mem, 0, 200), img.r(), &[depth, stencil]).unwrap();
    for l in 0..2u32 {
        for y in 0..3u32 {
            for x in 0..4u32 {
                let i = img.addr(Aspect::Depth, 0, l, x, y, 0);
                let b = ((l * 3 + y) * 4 + x) as usize * 4;
                expected[i..i + 4].copy_from_slice(&s[b..b + 4]);
            }
        }
    }
    for y in 0..2u32 {
        for x in 0..2u32 {
            expected[img.addr(Aspect::Stencil, 0, 1, 1 + x, 1 + y, 0)] =
                s[100 + (y * 2 + x) as usize];
        }
    }
    assert_eq!(contents(&img.mem), expected);
    // The stencil plane follows the depth plane: depth is 2 layers of 48 bytes.
    assert_eq!(
        img.addr(Aspect::Stencil, 0, 0, 0, 0, 0),
        IMG_OFFSET as usize + 96
    );

    // Stencil back out as bytes, and an image-to-image copy of the stencil aspect.
    let out_mem = memory_with(&[0u8; 12]);
    copy_image_to_buffer(
        img.r(),
        buf(&out_mem, 0, 12),
        &[BufferImageCopy {
            buffer_offset: 0,
            ..stencil
        }],
    )
    .unwrap();
    assert_eq!(&contents(&out_mem)[..4], &[s[100], s[101], s[102], s[103]]);

    let other = Img::new(ImageDim::D2, Format::D24_UNORM_S8_UINT, [4, 3, 1], 1, 2, 17);
    let mut expected_other = contents(&other.mem);
    let region = ImageCopy {
        src: layers(Aspect::Stencil, 0, 1, 1),
        src_offset: [0, 0, 0],
        dst: layers(Aspect::Stencil, 0, 0, 1),
        dst_offset: [0, 0, 0],
        extent: [4, 3, 1],
    };
    copy_image(img.r(), other.r(), &[region]).unwrap();
    let got = contents(&img.mem);
    for y in 0..3 {
        for x in 0..4 {
            expected_other[other.addr(Aspect::Stencil, 0, 0, x, y, 0)] =
                got[img.addr(Aspect::Stencil, 0, 1, x, y, 0)];
        }
    }
    assert_eq!(contents(&other.mem), expected_other);
    // Depth to stencil, and colour aspects of a depth image, are refused.
    let bad = ImageCopy {
        dst: layers(Aspect::Depth, 0, 0, 1),
        ..region
    };
    assert_eq!(copy_image(img.r(), other.r(), &[bad]), Err(TransferError));
    let bad = BufferImageCopy {
        image: color(0, 0, 1),
        ..depth
    };
    assert_eq!(
        copy_buffer_to_image(buf(&src_mem, 0, 200), img.r(), &[bad]),
        Err(TransferError)
    );
}

#[test]
fn buffer_image_out_of_range_writes_nothing() {
    let img = Img::new(ImageDim::D2, Format::R8G8B8A8_UNORM, [8, 8, 1], 2, 2, 18);
    let src_mem = memory_with(&noise(400, 19));
    let before = contents(&img.mem);
    let ok = BufferImageCopy {
        buffer_offset: 0,
        buffer_row_length: 0,
        buffer_image_height: 0,
        image: color(0, 0, 1),
        image_offset: [0, 0, 0],
        image_extent: [4, 4, 1],
    };
    let bads = [
        BufferImageCopy {
            image_offset: [5, 0, 0],
            ..ok
        },
        BufferImageCopy {
            image_offset: [-1, 0, 0],
            ..ok
        },
        BufferImageCopy {
            image_extent: [4, 9, 1],
            ..ok
        },
        BufferImageCopy {
            image_extent: [4, 4, 2],
            ..ok
        },
        BufferImageCopy {
            image_extent: [0, 4, 1],
            ..ok
        },
        BufferImageCopy {
            image: color(2, 0, 1),
            ..ok
        },
        BufferImageCopy {
            image: color(1, 0, 1),
            image_offset: [1, 0, 0],
            ..ok
        },
        BufferImageCopy {
            image: color(0, 1, 2),
            ..ok
        },
        BufferImageCopy {
            image: color(0, 0, 0),
            ..ok
        },
        BufferImageCopy {
            image: layers(Aspect::Depth, 0, 0, 1),
            ..ok
        },
        BufferImageCopy {
            buffer_row_length: 3,
            ..ok
        },
        BufferImageCopy {
            buffer_offset: 400 - 63,
            ..ok
        },
        BufferImageCopy {
            buffer_offset: u64::MAX - 8,
            ..ok
        },
        BufferImageCopy {
            buffer_row_length: u32::MAX,
            buffer_image_height: u32::MAX,
            ..ok
        },
    ];
    for bad in bads {
        assert_eq!(
            copy_buffer_to_image(buf(&src_mem, 0, 400), img.r(), &[ok, bad]),
            Err(TransferError),
            "{bad:?}"
        );
        assert_eq!(contents(&img.mem), before);
    }
    // The last byte exactly at the end is fine.
    copy_buffer_to_image(
        buf(&src_mem, 0, 400),
        img.r(),
        &[BufferImageCopy {
            buffer_offset: 400 - 64,
            ..ok
        }],
    )
    .unwrap();
    // An image reaching past its memory.
    let short = ImageRef {
        memory: &img.mem,
        offset: IMG_OFFSET + 33,
        layout: &img.layout,
    };
    assert_eq!(
        copy_image_to_buffer(short, buf(&src_mem, 0, 400), &[ok]),
        Err(TransferError)
    );
}

// ---------------------------------------------------------------------------------------------
// Image <-> image.

#[test]
fn copy_image_2d_between_compatible_formats() {
    let a = Img::new(ImageDim::D2, Format::R32_UINT, [9, 7, 1], 2, 3, 20);
    let b = Img::new(ImageDim::D2, Format::R8G8B8A8_UNORM, [6, 6, 1], 3, 2, 21);
    let region = ImageCopy {
        src: color(0, 1, 2),
        src_offset: [3, 2, 0],
        dst: color(1, 0, 2),
        dst_offset: [1, 0, 0],
        extent: [2, 3, 1],
    };
    let full_rows = ImageCopy {
        src: color(1, 0, 1),
        src_offset: [0, 0, 0],
        dst: color(0, 1, 1),
        dst_offset: [0, 2, 0],
        extent: [4, 3, 1],
    };
    let mut expected = contents(&b.mem);
    let s = contents(&a.mem);
    copy_image(a.r(), b.r(), &[region, full_rows]).unwrap();
    for l in 0..2 {
        for y in 0..3 {
            for x in 0..2 {
                let i = b.addr(Aspect::Color, 1, l, 1 + x, y, 0);
                let j = a.addr(Aspect::Color, 0, 1 + l, 3 + x, 2 + y, 0);
                expected[i..i + 4].copy_from_slice(&s[j..j + 4]);
            }
        }
    }
    for y in 0..3 {
        for x in 0..4 {
            let i = b.addr(Aspect::Color, 0, 1, x, 2 + y, 0);
            let j = a.addr(Aspect::Color, 1, 0, x, y, 0);
            expected[i..i + 4].copy_from_slice(&s[j..j + 4]);
        }
    }
    assert_eq!(contents(&b.mem), expected);
    assert_eq!(contents(&a.mem), s);

    // Different block sizes, mismatched layer counts, out of range: refused, nothing written.
    let c = Img::new(ImageDim::D2, Format::R16_UINT, [6, 6, 1], 1, 1, 22);
    assert_eq!(
        copy_image(
            a.r(),
            c.r(),
            &[ImageCopy {
                dst: color(0, 0, 1),
                ..full_rows
            }]
        ),
        Err(TransferError)
    );
    for bad in [
        ImageCopy {
            dst: color(1, 0, 1),
            ..region
        },
        ImageCopy {
            dst_offset: [2, 0, 0],
            ..region
        },
        ImageCopy {
            extent: [2, 3, 2],
            ..region
        },
        ImageCopy {
            src_offset: [0, 0, 1],
            ..region
        },
        ImageCopy {
            src: color(0, 2, 2),
            ..region
        },
        ImageCopy {
            dst: color(3, 0, 2),
            ..region
        },
    ] {
        assert_eq!(
            copy_image(a.r(), b.r(), &[full_rows, bad]),
            Err(TransferError),
            "{bad:?}"
        );
    }
    assert_eq!(contents(&b.mem), expected);

    // The same image, between layers.
    let mut expected = contents(&a.mem);
    let same = ImageCopy {
        src: color(0, 0, 1),
        src_offset: [0, 0, 0],
        dst: color(0, 2, 1),
        dst_offset: [0, 0, 0],
        extent: [9, 7, 1],
    };
    copy_image(a.r(), a.r(), &[same]).unwrap();
    let (l0, l2) = (
        a.addr(Aspect::Color, 0, 0, 0, 0, 0),
        a.addr(Aspect::Color, 0, 2, 0, 0, 0),
    );
    expected.copy_within(l0..l0 + 9 * 7 * 4, l2);
    assert_eq!(contents(&a.mem), expected);
}

#[test]
fn copy_image_3d_to_2d_array_and_back() {
    let vol = Img::new(ImageDim::D3, Format::R16_SFLOAT, [5, 4, 6], 1, 1, 23);
    let arr = Img::new(ImageDim::D2, Format::R16_UINT, [5, 4, 1], 1, 5, 24);
    let region = ImageCopy {
        src: color(0, 0, 1),
        src_offset: [1, 0, 2],
        dst: color(0, 1, 3),
        dst_offset: [0, 1, 0],
        extent: [4, 3, 3],
    };
    let mut expected = contents(&arr.mem);
    let v = contents(&vol.mem);
    copy_image(vol.r(), arr.r(), &[region]).unwrap();
    for z in 0..3 {
        for y in 0..3 {
            for x in 0..4 {
                let i = arr.addr(Aspect::Color, 0, 1 + z, x, 1 + y, 0);
                let j = vol.addr(Aspect::Color, 0, 0, 1 + x, y, 2 + z);
                expected[i..i + 2].copy_from_slice(&v[j..j + 2]);
            }
        }
    }
    assert_eq!(contents(&arr.mem), expected);

    // Back: all of layers 0..4 into depth slices 1..5.
    let back = ImageCopy {
        src: color(0, 0, 4),
        src_offset: [0, 0, 0],
        dst: color(0, 0, 1),
        dst_offset: [0, 0, 1],
        extent: [5, 4, 4],
    };
    let mut expected = contents(&vol.mem);
    let a = contents(&arr.mem);
    copy_image(arr.r(), vol.r(), &[back]).unwrap();
    for z in 0..4 {
        let i = vol.addr(Aspect::Color, 0, 0, 0, 0, 1 + z);
        let j = arr.addr(Aspect::Color, 0, z, 0, 0, 0);
        expected[i..i + 40].copy_from_slice(&a[j..j + 40]);
    }
    assert_eq!(contents(&vol.mem), expected);

    // The 2-D side's layer count must equal the depth; the 3-D side has one layer.
    for bad in [
        ImageCopy {
            extent: [5, 4, 3],
            ..back
        },
        ImageCopy {
            dst: color(0, 0, 2),
            ..back
        },
        ImageCopy {
            dst_offset: [0, 0, 3],
            ..back
        },
    ] {
        assert_eq!(
            copy_image(arr.r(), vol.r(), &[bad]),
            Err(TransferError),
            "{bad:?}"
        );
    }
    assert_eq!(contents(&vol.mem), expected);
}

#[test]
fn copy_image_compressed_to_uncompressed() {
    // BC1 blocks are 8 bytes: they pair with R32G32_UINT texels, the extent in BC1 texels.
    let bc = Img::new(
        ImageDim::D2,
        Format::BC1_RGB_UNORM_BLOCK,
        [10, 8, 1],
        1,
        1,
        25,
    );
    let raw = Img::new(ImageDim::D2, Format::R32G32_UINT, [4, 4, 1], 1, 1, 26);
    let region = ImageCopy {
        src: color(0, 0, 1),
        src_offset: [4, 0, 0],
        dst: color(0, 0, 1),
        dst_offset: [1, 2, 0],
        extent: [6, 8, 1],
    };
    let mut expected = contents(&raw.mem);
    let s = contents(&bc.mem);
    copy_image(bc.r(), raw.r(), &[region]).unwrap();
    for by in 0..2 {
        for bx in 0..2 {
            let i = raw.addr(Aspect::Color, 0, 0, 1 + bx, 2 + by, 0);
            let j = bc.addr(Aspect::Color, 0, 0, 1 + bx, by, 0);
            expected[i..i + 8].copy_from_slice(&s[j..j + 8]);
        }
    }
    assert_eq!(contents(&raw.mem), expected);
    // Two blocks wide at x = 3 would reach past the 4-texel destination.
    let bad = ImageCopy {
        dst_offset: [3, 0, 0],
        ..region
    };
    assert_eq!(copy_image(bc.r(), raw.r(), &[bad]), Err(TransferError));
}

// ---------------------------------------------------------------------------------------------
// Clears.

#[test]
fn clear_color_partial_ranges() {
    let img = Img::new(ImageDim::D2, Format::R8G8B8A8_UNORM, [5, 3, 1], 3, 4, 27);
    let mut expected = contents(&img.mem);
    let value = ClearColor([1.0f32, 0.25, 0.0, 1.0].map(f32::to_bits));
    let ranges = [
        SubresourceRange {
            aspect: Aspect::Color,
            base_mip_level: 1,
            level_count: REMAINING,
            base_array_layer: 1,
            layer_count: 2,
        },
        SubresourceRange {
            aspect: Aspect::Color,
            base_mip_level: 0,
            level_count: 1,
            base_array_layer: 3,
            layer_count: REMAINING,
        },
    ];
    clear_color_image(img.r(), value, &ranges).unwrap();
    let texel = [255u8, 64, 0, 255];
    let mut set = |mip: u32, layer: u32| {
        let [w, h, _] = img.layout.desc.mip_extent(mip);
        for y in 0..h {
            for x in 0..w {
                let i = img.addr(Aspect::Color, mip, layer, x, y, 0);
                expected[i..i + 4].copy_from_slice(&texel);
            }
        }
    };
    for mip in 1..3 {
        for layer in 1..3 {
            set(mip, layer);
        }
    }
    set(0, 3);
    assert_eq!(contents(&img.mem), expected);

    // Out of range: nothing written.
    let bad = [
        ranges[0],
        SubresourceRange {
            aspect: Aspect::Color,
            base_mip_level: 2,
            level_count: 2,
            base_array_layer: 0,
            layer_count: 1,
        },
    ];
    assert_eq!(
        clear_color_image(img.r(), ClearColor([0; 4]), &bad),
        Err(TransferError)
    );
    let bad = [SubresourceRange {
        aspect: Aspect::Depth,
        ..ranges[0]
    }];
    assert_eq!(
        clear_color_image(img.r(), ClearColor([0; 4]), &bad),
        Err(TransferError)
    );
    let bad = [SubresourceRange {
        base_array_layer: 4,
        ..ranges[1]
    }];
    assert_eq!(
        clear_color_image(img.r(), ClearColor([0; 4]), &bad),
        Err(TransferError)
    );
    assert_eq!(contents(&img.mem), expected);
}

#[test]
fn clear_integer_and_3d() {
    let img = Img::new(ImageDim::D3, Format::R32G32_SINT, [3, 2, 4], 2, 1, 28);
    let mut expected = contents(&img.mem);
    let value = ClearColor([(-5i32) as u32, 7, 0, 0]);
    let range = SubresourceRange {
        aspect: Aspect::Color,
        base_mip_level: 0,
        level_count: 1,
        base_array_layer: 0,
        layer_count: 1,
    };
    clear_color_image(img.r(), value, &[range]).unwrap();
    let mut texel = (-5i32).to_le_bytes().to_vec();
    texel.extend(7i32.to_le_bytes());
    for z in 0..4 {
        for y in 0..2 {
            for x in 0..3 {
                let i = img.addr(Aspect::Color, 0, 0, x, y, z);
                expected[i..i + 8].copy_from_slice(&texel);
            }
        }
    }
    assert_eq!(contents(&img.mem), expected);

    let img = Img::new(ImageDim::D2, Format::R16_UINT, [300, 200, 1], 1, 1, 29);
    clear_color_image(img.r(), ClearColor([0x1234, 0, 0, 0]), &[range]).unwrap();
    let got = contents(&img.mem);
    let start = IMG_OFFSET as usize;
    assert!(got[start..start + 120_000]
        .chunks(2)
        .all(|c| c == [0x34, 0x12]));
    assert_eq!(&got[..start], &noise(got.len(), 29)[..start]);
    assert_eq!(
        &got[start + 120_000..],
        &noise(got.len(), 29)[start + 120_000..]
    );
}

#[test]
fn clear_depth_stencil_aspects() {
    let img = Img::new(ImageDim::D2, Format::D24_UNORM_S8_UINT, [3, 2, 1], 2, 2, 30);
    let mut expected = contents(&img.mem);
    let range = |aspect, mip, layer| SubresourceRange {
        aspect,
        base_mip_level: mip,
        level_count: 1,
        base_array_layer: layer,
        layer_count: 1,
    };
    clear_depth_stencil_image(
        img.r(),
        1.0,
        0x1234,
        &[range(Aspect::Depth, 0, 1), range(Aspect::Stencil, 1, 0)],
    )
    .unwrap();
    for y in 0..2 {
        for x in 0..3 {
            let i = img.addr(Aspect::Depth, 0, 1, x, y, 0);
            expected[i..i + 3].copy_from_slice(&[0xff, 0xff, 0xff]);
            // The X8 bits: whatever the encoder writes for padding (zero).
            expected[i + 3] = 0;
        }
    }
    expected[img.addr(Aspect::Stencil, 1, 0, 0, 0, 0)] = 0x34;
    assert_eq!(contents(&img.mem), expected);

    let d16 = Img::new(ImageDim::D2, Format::D16_UNORM, [2, 2, 1], 1, 1, 31);
    let mut expected = contents(&d16.mem);
    clear_depth_stencil_image(d16.r(), 0.5, 0, &[range(Aspect::Depth, 0, 0)]).unwrap();
    let i = d16.addr(Aspect::Depth, 0, 0, 0, 0, 0);
    for t in 0..4 {
        // 0.5 * 65535 = 32767.5, rounded to even or up: 0x8000.
        expected[i + 2 * t..i + 2 * t + 2].copy_from_slice(&0x8000u16.to_le_bytes());
    }
    assert_eq!(contents(&d16.mem), expected);
    assert_eq!(
        clear_depth_stencil_image(d16.r(), 0.5, 0, &[range(Aspect::Stencil, 0, 0)]),
        Err(TransferError)
    );
    assert_eq!(
        clear_depth_stencil_image(d16.r(), 0.5, 0, &[range(Aspect::Color, 0, 0)]),
        Err(TransferError)
    );
    assert_eq!(
        clear_depth_stencil_image(
            img.r(),
            0.0,
            0,
            &[range(Aspect::Depth, 0, 0), range(Aspect::Depth, 2, 0)]
        ),
        Err(TransferError)
    );
    assert_eq!(contents(&d16.mem), expected);
    // Colour clears of a depth image are refused.
    assert_eq!(
        clear_color_image(d16.r(), ClearColor([0; 4]), &[range(Aspect::Color, 0, 0)]),
        Err(TransferError)
    );
}

// ---------------------------------------------------------------------------------------------
// Blits.

/// Writes RGBA8 texels (row-major, `w` wide) into layer `layer` of level 0.
fn put_rgba(img: &Img, layer: u32, w: u32, texels: &[[u8; 4]]) {
    for (n, t) in texels.iter().enumerate() {
        let (x, y) = (n as u32 % w, n as u32 / w);
        img.mem
            .write(img.addr(Aspect::Color, 0, layer, x, y, 0) as u64, t)
            .unwrap();
    }
}

fn get_rgba(img: &Img, mip: u32, layer: u32) -> Vec<[u8; 4]> {
    let [w, h, _] = img.layout.desc.mip_extent(mip);
    let mut out = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let mut t = [0u8; 4];
            img.mem
                .read(img.addr(Aspect::Color, mip, layer, x, y, 0) as u64, &mut t)
                .unwrap();
            out.push(t);
        }
    }
    out
}

fn blit_region(src: [[i32; 3]; 2], dst: [[i32; 3]; 2]) -> ImageBlit {
    ImageBlit {
        src: color(0, 0, 1),
        src_offsets: src,
        dst: color(0, 0, 1),
        dst_offsets: dst,
    }
}

fn rgba_pattern(w: u32, h: u32) -> Vec<[u8; 4]> {
    (0..w * h)
        .map(|i| {
            [
                (i * 7 % 256) as u8,
                (i * 13 % 251) as u8,
                (255 - i * 3 % 256) as u8,
                (i * 29 % 256) as u8,
            ]
        })
        .collect()
}

#[test]
fn blit_linear_downscale_averages() {
    let src = Img::new(ImageDim::D2, Format::R8G8B8A8_UNORM, [4, 4, 1], 1, 1, 32);
    let dst = Img::new(ImageDim::D2, Format::R8G8B8A8_UNORM, [2, 2, 1], 1, 1, 33);
    // A pattern whose 2x2 sums never fall on a rounding tie (sum = 2 mod 4).
    let mut pat = rgba_pattern(4, 4);
    for (y, x, c) in (0..2).flat_map(|y| (0..2).flat_map(move |x| (0..4).map(move |c| (y, x, c)))) {
        let quad = [
            2 * y * 4 + 2 * x,
            2 * y * 4 + 2 * x + 1,
            (2 * y + 1) * 4 + 2 * x,
            (2 * y + 1) * 4 + 2 * x + 1,
        ];
        let sum: u32 = quad.iter().map(|&i| pat[i][c] as u32).sum();
        if sum % 4 == 2 {
            pat[quad[0]][c] ^= 1;
        }
    }
    put_rgba(&src, 0, 4, &pat);
    let region = blit_region([[0, 0, 0], [4, 4, 1]], [[0, 0, 0], [2, 2, 1]]);
    blit_image(src.r(), dst.r(), &[region], Filter::Linear).unwrap();
    let mut expected = Vec::new();
    for y in 0..2usize {
        for x in 0..2usize {
            let q = [
                pat[2 * y * 4 + 2 * x],
                pat[2 * y * 4 + 2 * x + 1],
                pat[(2 * y + 1) * 4 + 2 * x],
                pat[(2 * y + 1) * 4 + 2 * x + 1],
            ];
            expected.push([0, 1, 2, 3].map(|c| {
                let sum: u32 = q.iter().map(|t| t[c] as u32).sum();
                // Round to nearest; the sums here never fall on a tie.
                ((sum as f32 / 4.0).round()) as u8
            }));
        }
    }
    assert_eq!(get_rgba(&dst, 0, 0), expected);
}

#[test]
fn blit_nearest_upscale_and_flips() {
    let src = Img::new(ImageDim::D2, Format::R8G8B8A8_UNORM, [2, 3, 1], 1, 1, 34);
    let pat = rgba_pattern(2, 3);
    put_rgba(&src, 0, 2, &pat);
    let dst = Img::new(ImageDim::D2, Format::R8G8B8A8_UNORM, [5, 6, 1], 1, 1, 35);
    let before = get_rgba(&dst, 0, 0);
    // 2x upscale into (1, 0)..(5, 6).
    blit_image(
        src.r(),
        dst.r(),
        &[blit_region([[0, 0, 0], [2, 3, 1]], [[1, 0, 0], [5, 6, 1]])],
        Filter::Nearest,
    )
    .unwrap();
    let got = get_rgba(&dst, 0, 0);
    for y in 0..6 {
        for x in 0..5 {
            let want = if x == 0 {
                before[y * 5]
            } else {
                pat[(y / 2) * 2 + (x - 1) / 2]
            };
            assert_eq!(got[y * 5 + x], want, "({x}, {y})");
        }
    }

    // X flip by the destination offsets, Y flip by the source offsets.
    let same = Img::new(ImageDim::D2, Format::R8G8B8A8_UNORM, [2, 3, 1], 1, 1, 36);
    blit_image(
        src.r(),
        same.r(),
        &[blit_region([[0, 0, 0], [2, 3, 1]], [[2, 0, 0], [0, 3, 1]])],
        Filter::Nearest,
    )
    .unwrap();
    let got = get_rgba(&same, 0, 0);
    for y in 0..3 {
        for x in 0..2 {
            assert_eq!(got[y * 2 + x], pat[y * 2 + (1 - x)]);
        }
    }
    blit_image(
        src.r(),
        same.r(),
        &[blit_region([[0, 3, 0], [2, 0, 1]], [[0, 0, 0], [2, 3, 1]])],
        Filter::Linear,
    )
    .unwrap();
    let got = get_rgba(&same, 0, 0);
    for y in 0..3 {
        for x in 0..2 {
            assert_eq!(got[y * 2 + x], pat[(2 - y) * 2 + x]);
        }
    }
}

#[test]
fn blit_converts_formats() {
    let src = Img::new(ImageDim::D2, Format::R8G8B8A8_UNORM, [3, 2, 1], 1, 2, 37);
    let pat = rgba_pattern(3, 2);
    put_rgba(&src, 1, 3, &pat);
    let dst = Img::new(
        ImageDim::D2,
        Format::R32G32B32A32_SFLOAT,
        [3, 2, 1],
        1,
        1,
        38,
    );
    let region = ImageBlit {
        src: color(0, 1, 1),
        src_offsets: [[0, 0, 0], [3, 2, 1]],
        dst: color(0, 0, 1),
        dst_offsets: [[0, 0, 0], [3, 2, 1]],
    };
    blit_image(src.r(), dst.r(), &[region], Filter::Linear).unwrap();
    for y in 0..2u32 {
        for x in 0..3u32 {
            let mut bytes = [0u8; 16];
            dst.mem
                .read(dst.addr(Aspect::Color, 0, 0, x, y, 0) as u64, &mut bytes)
                .unwrap();
            let got: Vec<f32> = bytes
                .chunks(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                .collect();
            let want = pat[(y * 3 + x) as usize].map(|v| v as f32 / 255.0);
            for c in 0..4 {
                assert!(
                    (got[c] - want[c]).abs() < 1e-6,
                    "({x}, {y}) {got:?} {want:?}"
                );
            }
        }
    }

    // B8G8R8A8 -> R8G8B8A8 swaps red and blue.
    let bgra = Img::new(ImageDim::D2, Format::B8G8R8A8_UNORM, [3, 2, 1], 1, 1, 39);
    blit_image(
        src.r(),
        bgra.r(),
        &[ImageBlit {
            dst: color(0, 0, 1),
            ..region
        }],
        Filter::Nearest,
    )
    .unwrap();
    let got = get_rgba(&bgra, 0, 0);
    for (g, p) in got.iter().zip(&pat) {
        assert_eq!(*g, [p[2], p[1], p[0], p[3]]);
    }

    // Integer to float, and signed to unsigned, are refused.
    let ui = Img::new(ImageDim::D2, Format::R8G8B8A8_UINT, [3, 2, 1], 1, 1, 40);
    let si = Img::new(ImageDim::D2, Format::R8G8B8A8_SINT, [3, 2, 1], 1, 1, 41);
    let region0 = ImageBlit {
        src: color(0, 0, 1),
        ..region
    };
    assert_eq!(
        blit_image(ui.r(), dst.r(), &[region0], Filter::Nearest),
        Err(TransferError)
    );
    assert_eq!(
        blit_image(si.r(), ui.r(), &[region0], Filter::Nearest),
        Err(TransferError)
    );
    // Integer to integer keeps the values: R8G8B8A8_UINT -> R32G32B32A32_UINT.
    put_rgba(&ui, 0, 3, &pat);
    let u32img = Img::new(ImageDim::D2, Format::R32G32B32A32_UINT, [3, 2, 1], 1, 1, 42);
    blit_image(ui.r(), u32img.r(), &[region0], Filter::Linear).unwrap();
    let mut bytes = [0u8; 16];
    u32img
        .mem
        .read(u32img.addr(Aspect::Color, 0, 0, 2, 1, 0) as u64, &mut bytes)
        .unwrap();
    let want: Vec<u8> = pat[5]
        .iter()
        .flat_map(|&v| (v as u32).to_le_bytes())
        .collect();
    assert_eq!(bytes.to_vec(), want);
}

#[test]
fn blit_srgb_filters_in_linear_space() {
    let src = Img::new(ImageDim::D2, Format::R8G8B8A8_SRGB, [2, 1, 1], 1, 1, 43);
    put_rgba(&src, 0, 2, &[[0, 0, 0, 0], [255, 255, 255, 255]]);
    let dst = Img::new(ImageDim::D2, Format::R8G8B8A8_SRGB, [1, 1, 1], 1, 1, 44);
    blit_image(
        src.r(),
        dst.r(),
        &[blit_region([[0, 0, 0], [2, 1, 1]], [[0, 0, 0], [1, 1, 1]])],
        Filter::Linear,
    )
    .unwrap();
    // Linear 0.5 is sRGB 0.7354 = 187.5: 187 or 188; alpha is linear: 0.5 -> 128.
    let got = get_rgba(&dst, 0, 0)[0];
    assert!(got[0] == 187 || got[0] == 188, "{got:?}");
    assert_eq!(got[0], got[1]);
    assert_eq!(got[3], 128);
}

#[test]
fn blit_3d_and_depth() {
    // A 2x2x2 R32_SFLOAT volume averaged into one texel.
    let vol = Img::new(ImageDim::D3, Format::R32_SFLOAT, [2, 2, 2], 1, 1, 45);
    let values = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 9.0];
    for (i, v) in values.iter().enumerate() {
        let (x, y, z) = (i as u32 % 2, i as u32 / 2 % 2, i as u32 / 4);
        vol.mem
            .write(
                vol.addr(Aspect::Color, 0, 0, x, y, z) as u64,
                &v.to_le_bytes(),
            )
            .unwrap();
    }
    let one = Img::new(ImageDim::D3, Format::R32_SFLOAT, [1, 1, 1], 1, 1, 46);
    blit_image(
        vol.r(),
        one.r(),
        &[blit_region([[0, 0, 0], [2, 2, 2]], [[0, 0, 0], [1, 1, 1]])],
        Filter::Linear,
    )
    .unwrap();
    let mut b = [0u8; 4];
    one.mem
        .read(one.addr(Aspect::Color, 0, 0, 0, 0, 0) as u64, &mut b)
        .unwrap();
    assert_eq!(f32::from_le_bytes(b), 37.0 / 8.0);
    // Nearest with a z flip.
    let vol2 = Img::new(ImageDim::D3, Format::R32_SFLOAT, [2, 2, 2], 1, 1, 47);
    blit_image(
        vol.r(),
        vol2.r(),
        &[blit_region([[0, 0, 2], [2, 2, 0]], [[0, 0, 0], [2, 2, 2]])],
        Filter::Nearest,
    )
    .unwrap();
    for z in 0..2u32 {
        let (i, j) = (
            vol2.addr(Aspect::Color, 0, 0, 0, 0, z),
            vol.addr(Aspect::Color, 0, 0, 0, 0, 1 - z),
        );
        assert_eq!(
            contents(&vol2.mem)[i..i + 16],
            contents(&vol.mem)[j..j + 16]
        );
    }

    // Depth/stencil: same format, nearest; stencil of D24S8 upscaled.
    let ds = Img::new(ImageDim::D2, Format::D24_UNORM_S8_UINT, [2, 1, 1], 1, 1, 48);
    let ds2 = Img::new(ImageDim::D2, Format::D24_UNORM_S8_UINT, [4, 1, 1], 1, 1, 49);
    let region = ImageBlit {
        src: layers(Aspect::Stencil, 0, 0, 1),
        src_offsets: [[0, 0, 0], [2, 1, 1]],
        dst: layers(Aspect::Stencil, 0, 0, 1),
        dst_offsets: [[0, 0, 0], [4, 1, 1]],
    };
    let mut expected = contents(&ds2.mem);
    blit_image(ds.r(), ds2.r(), &[region], Filter::Nearest).unwrap();
    let s = contents(&ds.mem);
    for x in 0..4 {
        expected[ds2.addr(Aspect::Stencil, 0, 0, x, 0, 0)] =
            s[ds.addr(Aspect::Stencil, 0, 0, x / 2, 0, 0)];
    }
    assert_eq!(contents(&ds2.mem), expected);
    assert_eq!(
        blit_image(ds.r(), ds2.r(), &[region], Filter::Linear),
        Err(TransferError)
    );
    let d32 = Img::new(
        ImageDim::D2,
        Format::D32_SFLOAT_S8_UINT,
        [4, 1, 1],
        1,
        1,
        50,
    );
    assert_eq!(
        blit_image(ds.r(), d32.r(), &[region], Filter::Nearest),
        Err(TransferError)
    );
    assert_eq!(contents(&ds2.mem), expected);
}

#[test]
fn blit_out_of_range_writes_nothing() {
    let src = Img::new(ImageDim::D2, Format::R8G8B8A8_UNORM, [4, 4, 1], 2, 2, 51);
    let dst = Img::new(ImageDim::D2, Format::R8G8B8A8_UNORM, [4, 4, 1], 2, 2, 52);
    let before = contents(&dst.mem);
    let ok = blit_region([[0, 0, 0], [4, 4, 1]], [[0, 0, 0], [4, 4, 1]]);
    for bad in [
        blit_region([[0, 0, 0], [5, 4, 1]], [[0, 0, 0], [4, 4, 1]]),
        blit_region([[0, 0, 0], [4, 4, 1]], [[-1, 0, 0], [4, 4, 1]]),
        blit_region([[0, 0, 0], [4, 4, 2]], [[0, 0, 0], [4, 4, 1]]),
        ImageBlit {
            dst: color(1, 0, 1),
            ..ok
        },
        ImageBlit {
            src: color(2, 0, 1),
            ..ok
        },
        ImageBlit {
            src: color(0, 1, 2),
            dst: color(0, 1, 2),
            ..ok
        },
        ImageBlit {
            src: color(0, 0, 2),
            dst: color(0, 0, 1),
            ..ok
        },
        ImageBlit {
            src: layers(Aspect::Depth, 0, 0, 1),
            ..ok
        },
    ] {
        assert_eq!(
            blit_image(src.r(), dst.r(), &[ok, bad], Filter::Linear),
            Err(TransferError),
            "{bad:?}"
        );
        assert_eq!(contents(&dst.mem), before);
    }
    // Multisampled images and compressed formats are refused.
    let bc = Img::new(
        ImageDim::D2,
        Format::BC1_RGB_UNORM_BLOCK,
        [4, 4, 1],
        1,
        1,
        53,
    );
    assert_eq!(
        blit_image(bc.r(), dst.r(), &[ok], Filter::Nearest),
        Err(TransferError)
    );
    assert_eq!(contents(&dst.mem), before);
}
