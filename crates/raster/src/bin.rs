//! Binning: which set-up triangles touch which screen tile.
//!
//! **Tile size 64×64.** A tile's colour and depth (64·64·4 B = 16 KiB each for RGBA8/D32) fit in
//! L2 beside the shader's register file, so all draws of a pass run over a tile without going
//! back to memory; 1080p has 510 tiles, plenty to keep every core busy with dynamic
//! scheduling. 32×32 quadruples the per-tile overhead (bins, loads and stores) and duplicates
//! more triangles into several bins; 128×128 leaves too few tiles for small targets and no longer
//! fits the cache. Tiles are aligned to multiples of 64 in framebuffer space, so 8×8 blocks and
//! 2×2 quads are aligned too.
//!
//! Each tile's bin lists triangle indices in submission order (draw order, then primitive order,
//! then the fan order of a clipped primitive), so a tile worker that walks its bin keeps Vulkan's
//! primitive order per pixel without locks.

use crate::clip::Clipper;
use crate::setup::Triangle;
use crate::state::PixelRect;

/// Width and height of a tile in pixels.
pub const TILE_SIZE: i32 = 64;

/// The tiles covering a render area.
#[derive(Clone, Debug)]
pub(crate) struct TileGrid {
    pub area: PixelRect,
    tx0: i32,
    ty0: i32,
    cols: usize,
    rows: usize,
}

impl TileGrid {
    pub fn new(area: PixelRect) -> TileGrid {
        if area.is_empty() {
            return TileGrid {
                area,
                tx0: 0,
                ty0: 0,
                cols: 0,
                rows: 0,
            };
        }
        let tx0 = area.x0.div_euclid(TILE_SIZE);
        let ty0 = area.y0.div_euclid(TILE_SIZE);
        let tx1 = (area.x1 - 1).div_euclid(TILE_SIZE);
        let ty1 = (area.y1 - 1).div_euclid(TILE_SIZE);
        TileGrid {
            area,
            tx0,
            ty0,
            cols: (tx1 - tx0 + 1) as usize,
            rows: (ty1 - ty0 + 1) as usize,
        }
    }

    pub fn len(&self) -> usize {
        self.cols * self.rows
    }

    /// The pixels of tile `i`, clipped to the render area.
    pub fn tile_rect(&self, i: usize) -> PixelRect {
        let tx = self.tx0 + (i % self.cols.max(1)) as i32;
        let ty = self.ty0 + (i / self.cols.max(1)) as i32;
        PixelRect {
            x0: tx * TILE_SIZE,
            y0: ty * TILE_SIZE,
            x1: tx * TILE_SIZE + TILE_SIZE,
            y1: ty * TILE_SIZE + TILE_SIZE,
        }
        .intersect(self.area)
    }

    /// Appends triangle `index` to the bin of every tile it may cover. Tiles entirely outside
    /// one of its edges are skipped (this matters for long thin triangles whose bounding box
    /// spans many tiles).
    #[inline(always)]
    pub fn bin(&self, tri: &Triangle, index: u32, bins: &mut [Vec<u32>]) {
        let b = tri.bbox.intersect(self.area);
        if b.is_empty() {
            return;
        }
        let cx0 = (b.x0.div_euclid(TILE_SIZE) - self.tx0) as usize;
        let cy0 = (b.y0.div_euclid(TILE_SIZE) - self.ty0) as usize;
        let cx1 = ((b.x1 - 1).div_euclid(TILE_SIZE) - self.tx0) as usize;
        let cy1 = ((b.y1 - 1).div_euclid(TILE_SIZE) - self.ty0) as usize;
        // The box is inside the grid's area, so these bounds only guard the indexing.
        let (cx1, cy1) = (
            cx1.min(self.cols.saturating_sub(1)),
            cy1.min(self.rows.saturating_sub(1)),
        );
        if cx0 == cx1 && cy0 == cy1 {
            // One tile (most small triangles): no edge test, no loop.
            if let Some(bin) = bins.get_mut(cy0 * self.cols + cx0) {
                bin.push(index);
            }
            return;
        }
        // Exclusive ranges: an inclusive range's loop carries an extra exhaustion flag.
        for cy in cy0..cy1 + 1 {
            for cx in cx0..cx1 + 1 {
                let i = cy * self.cols + cx;
                let r = self.tile_rect(i).intersect(b);
                if r.is_empty() {
                    continue;
                }
                let (w, h) = (r.x1 - r.x0, r.y1 - r.y0);
                let samples = if tri.multisample { 4 } else { 1 };
                if tri.edges.iter().any(|e| {
                    let reach = e.sample_offsets(samples).into_iter().max().unwrap_or(0);
                    e.max_over(r.x0, r.y0, w, h) + reach < 0
                }) {
                    continue;
                }
                if let Some(bin) = bins.get_mut(i) {
                    bin.push(index);
                }
            }
        }
    }
}

/// A run of a pass's set-up triangles with their attribute records and their own bins: the
/// pass is the concatenation of its segments, each tile's triangles the concatenation of its
/// bins in each segment, in segment order.
///
/// A large draw is clipped, set up and binned in parallel chunks (`pass::SETUP_CHUNK`
/// primitives each), each into a segment of its own, so nothing is copied or binned serially
/// afterwards. With one shared list, gathering the chunks' triangles (~35 MB for 200k) and
/// binning them on one thread took 6 of the triangle bench's 55 ms per frame on two cores.
/// Primitives set up one at a time (small draws, lines, points) go to the last segment.
#[derive(Default)]
pub(crate) struct Segment {
    pub tris: Vec<Triangle>,
    /// The triangles' attribute records (`Triangle::attrs` indexes this).
    pub attrs: Vec<f32>,
    /// Per tile of the pass's grid, indices into `tris`, ascending.
    pub bins: Vec<Vec<u32>>,
    /// The pass-wide index of `tris[0]`: the triangles of the segments before.
    pub first: u32,
    /// How many of `tris` are in `bins` already.
    pub binned: usize,
    /// The binned triangles large enough to be considered for a uniform fill
    /// (`tile::MIN_FILL_AREA`), ascending: noted while binning, so that finding the fills
    /// does not walk every triangle of the pass on one thread (1.5–2.4 ms a frame for the
    /// small-triangle bench's 28 MB of triangles, measured).
    pub large: Vec<u32>,
    /// Scratch memory of the set-up that fills the segment.
    pub clipper: Clipper,
    pub scratch: Vec<f32>,
}

impl Segment {
    /// Bins the triangles set up since the last call, and notes the large ones.
    #[inline(always)]
    pub fn bin_pending(&mut self, grid: &TileGrid) {
        for (i, tri) in self.tris.iter().enumerate().skip(self.binned) {
            grid.bin(tri, i as u32, &mut self.bins);
            if crate::tile::may_fill(tri) {
                self.large.push(i as u32);
            }
        }
        self.binned = self.tris.len();
    }

    /// Whether tile `i` has triangles in this segment.
    pub fn has(&self, tile: usize) -> bool {
        self.bins.get(tile).is_some_and(|b| !b.is_empty())
    }
}

/// An empty segment with a bin for each of `tiles` tiles, from `spare` when there is one (its
/// memory reused).
pub(crate) fn take_segment(spare: &mut Vec<Segment>, tiles: usize) -> Segment {
    let mut seg = spare.pop().unwrap_or_default();
    seg.tris.clear();
    seg.attrs.clear();
    seg.bins.iter_mut().for_each(Vec::clear);
    seg.bins.resize_with(tiles, Vec::new);
    seg.first = 0;
    seg.binned = 0;
    seg.large.clear();
    seg
}

/// The segment primitives set up one at a time are appended to: the last one, or a new one.
pub(crate) fn open_segment<'s>(
    segments: &'s mut Vec<Segment>,
    spare: &mut Vec<Segment>,
    tiles: usize,
) -> &'s mut Segment {
    if segments.is_empty() {
        segments.push(take_segment(spare, tiles));
    }
    let last = segments.len() - 1;
    &mut segments[last]
}

/// Sets `first` of each of `segments` after the first from the one before it.
pub(crate) fn number_segments(segments: &mut [Segment]) {
    for i in 1..segments.len() {
        segments[i].first = segments[i - 1].first + segments[i - 1].tris.len() as u32;
    }
}
