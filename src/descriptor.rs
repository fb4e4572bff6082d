//! Descriptor set layouts, descriptor pools, descriptor sets and descriptor update templates.
//!
//! A descriptor set is plain data: per binding and array element, what the application wrote
//! (a buffer range, an image view and layout, a sampler, a buffer view), each holding a counted
//! reference to its object. Commands that dispatch take references to the bound sets and read
//! the descriptors when they execute on the queue thread, so the contents sit behind one
//! `Mutex` per set: the host may update other sets (or this one, once its commands have
//! finished, as Vulkan requires) while a queue reads.
//!
//! Rejected: resolving descriptors to raw pointers at update time (what a GPU driver writes into
//! descriptor memory). That would make the set a bag of addresses with no lifetime guarantee;
//! resolving at dispatch costs one lock and a few `Arc` clones per set, which is nothing next to
//! the shader work of a dispatch.
//!
//! Pools count what they hand out: `maxSets` and each type's `descriptorCount` are enforced
//! exactly, so an allocation beyond them is `VK_ERROR_OUT_OF_POOL_MEMORY` (allowed since
//! `VK_KHR_maintenance1`, core in 1.1). There is no fragmentation: a freed set gives its counts
//! back at once.

use std::sync::Mutex;

use ash::vk;

use crate::buffer::{Buffer, BufferView};
use crate::handle::{self, HandleObject, Ref};
use crate::image::ImageView;

/// A sampler's state, as descriptors keep it.
pub type SamplerState = pumice_texel::sample::Sampler;
use crate::sync::lock;

/// `VkPhysicalDeviceVulkan11Properties::maxPerSetDescriptors`.
pub const MAX_PER_SET_DESCRIPTORS: u32 = 1024;

/// How a descriptor type is written: which array of `VkWriteDescriptorSet` it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DescriptorClass {
    /// `pImageInfo`: samplers, images, combined image-samplers, input attachments.
    Image,
    /// `pBufferInfo`: uniform and storage buffers, dynamic or not.
    Buffer,
    /// `pTexelBufferView`.
    TexelBuffer,
    /// Bytes (`VkWriteDescriptorSetInlineUniformBlock`); the count is a byte count.
    InlineUniformBlock,
}

/// The class of a core descriptor type; `None` for extension types Pumice cannot write.
pub fn class(ty: vk::DescriptorType) -> Option<DescriptorClass> {
    use vk::DescriptorType as T;
    Some(match ty {
        T::SAMPLER
        | T::COMBINED_IMAGE_SAMPLER
        | T::SAMPLED_IMAGE
        | T::STORAGE_IMAGE
        | T::INPUT_ATTACHMENT => DescriptorClass::Image,
        T::UNIFORM_BUFFER
        | T::STORAGE_BUFFER
        | T::UNIFORM_BUFFER_DYNAMIC
        | T::STORAGE_BUFFER_DYNAMIC => DescriptorClass::Buffer,
        T::UNIFORM_TEXEL_BUFFER | T::STORAGE_TEXEL_BUFFER => DescriptorClass::TexelBuffer,
        T::INLINE_UNIFORM_BLOCK => DescriptorClass::InlineUniformBlock,
        // An open enum: acceleration structures, mutable descriptors and other extension types.
        _ => return None,
    })
}

pub fn is_dynamic(ty: vk::DescriptorType) -> bool {
    ty == vk::DescriptorType::UNIFORM_BUFFER_DYNAMIC
        || ty == vk::DescriptorType::STORAGE_BUFFER_DYNAMIC
}

/// One binding of a layout.
#[derive(Clone, Debug)]
pub struct LayoutBinding {
    pub binding: u32,
    pub ty: vk::DescriptorType,
    /// Array elements (bytes for an inline uniform block). For a binding with
    /// `VARIABLE_DESCRIPTOR_COUNT`, the upper bound.
    pub count: u32,
    pub stages: vk::ShaderStageFlags,
    pub flags: vk::DescriptorBindingFlags,
    /// The immutable samplers' states, one per element, when the application gave them.
    pub immutable_samplers: Vec<SamplerState>,
    /// For dynamic buffers: the index of this binding's first element among the set's dynamic
    /// offsets (bindings in increasing order, elements in order).
    pub dynamic_base: u32,
}

#[derive(Debug)]
pub struct DescriptorSetLayout {
    pub flags: vk::DescriptorSetLayoutCreateFlags,
    /// Sorted by binding number.
    pub bindings: Vec<LayoutBinding>,
    /// How many dynamic offsets a set of this layout takes in `vkCmdBindDescriptorSets`.
    pub dynamic_count: u32,
}

impl HandleObject for DescriptorSetLayout {
    const TAG: u64 = u64::from_le_bytes(*b"pmDSLAYO");
}

impl DescriptorSetLayout {
    pub fn new(
        flags: vk::DescriptorSetLayoutCreateFlags,
        mut bindings: Vec<LayoutBinding>,
    ) -> Result<DescriptorSetLayout, vk::Result> {
        // Push descriptors (VK_KHR_push_descriptor) are not advertised.
        if flags.contains(vk::DescriptorSetLayoutCreateFlags::PUSH_DESCRIPTOR_KHR) {
            return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
        }
        bindings.sort_by_key(|b| b.binding);
        // VUID-VkDescriptorSetLayoutCreateInfo-binding-00279: "The VkDescriptorSetLayoutBinding
        // ::binding members of the elements of the pBindings array must each have different
        // values".
        if bindings.windows(2).any(|w| w[0].binding == w[1].binding) {
            return Err(vk::Result::ERROR_INITIALIZATION_FAILED);
        }
        let mut dynamic_count = 0u32;
        for b in &mut bindings {
            if is_dynamic(b.ty) {
                b.dynamic_base = dynamic_count;
                dynamic_count = dynamic_count
                    .checked_add(b.count)
                    .ok_or(vk::Result::ERROR_INITIALIZATION_FAILED)?;
            }
        }
        Ok(DescriptorSetLayout {
            flags,
            bindings,
            dynamic_count,
        })
    }

    /// The binding with this number, and its index in [`DescriptorSetLayout::bindings`].
    pub fn binding(&self, binding: u32) -> Option<(usize, &LayoutBinding)> {
        let i = self
            .bindings
            .binary_search_by_key(&binding, |b| b.binding)
            .ok()?;
        Some((i, &self.bindings[i]))
    }

    /// The element count of each binding of a set, given the variable count (for the binding
    /// with `VARIABLE_DESCRIPTOR_COUNT`, which must be the last one).
    pub fn counts(&self, variable: Option<u32>) -> Result<Vec<u32>, vk::Result> {
        self.bindings
            .iter()
            .map(|b| {
                if b.flags
                    .contains(vk::DescriptorBindingFlags::VARIABLE_DESCRIPTOR_COUNT)
                {
                    match variable {
                        Some(v) if v > b.count => Err(vk::Result::ERROR_OUT_OF_POOL_MEMORY),
                        Some(v) => Ok(v),
                        None => Ok(0),
                    }
                } else {
                    Ok(b.count)
                }
            })
            .collect()
    }

    /// `vkGetDescriptorSetLayoutSupport`: whether the layout fits the per-set limit, and how
    /// many elements a variable-count binding may have.
    pub fn support(&self) -> (bool, u32) {
        let mut fixed = 0u64;
        let mut variable = false;
        for b in &self.bindings {
            if b.ty == vk::DescriptorType::INLINE_UNIFORM_BLOCK {
                continue;
            }
            if b.flags
                .contains(vk::DescriptorBindingFlags::VARIABLE_DESCRIPTOR_COUNT)
            {
                variable = true;
            } else {
                fixed += b.count as u64;
            }
        }
        let limit = MAX_PER_SET_DESCRIPTORS as u64;
        let supported = fixed <= limit && class_all_known(&self.bindings);
        let variable_max = if variable {
            (limit.saturating_sub(fixed)) as u32
        } else {
            0
        };
        (supported, variable_max)
    }
}

fn class_all_known(bindings: &[LayoutBinding]) -> bool {
    bindings.iter().all(|b| class(b.ty).is_some())
}

/// What one descriptor holds.
#[derive(Clone, Debug, Default)]
pub enum Descriptor {
    /// Never written (or written with a null descriptor).
    #[default]
    Empty,
    Buffer {
        buffer: Ref<Buffer>,
        offset: u64,
        /// `VK_WHOLE_SIZE` is kept as is and resolved at use.
        range: u64,
    },
    Image {
        view: Option<Ref<ImageView>>,
        layout: vk::ImageLayout,
        /// The sampler of a combined image-sampler (`None` otherwise).
        sampler: Option<SamplerState>,
    },
    Sampler(SamplerState),
    TexelBuffer(Ref<BufferView>),
}

impl Descriptor {
    /// The buffer range of a buffer descriptor, with `dynamic` added to the offset: (buffer,
    /// offset in the buffer, size clamped to the buffer).
    pub fn buffer_range(&self, dynamic: u64) -> Option<(&Ref<Buffer>, u64, u64)> {
        let Descriptor::Buffer {
            buffer,
            offset,
            range,
        } = self
        else {
            return None;
        };
        let offset = offset.checked_add(dynamic)?;
        let left = buffer.size.saturating_sub(offset);
        let size = if *range == vk::WHOLE_SIZE {
            left
        } else {
            (*range).min(left)
        };
        Some((buffer, offset, size))
    }
}

/// What an update writes to consecutive elements.
#[derive(Clone, Debug)]
pub enum WriteData {
    Descriptors(Vec<Descriptor>),
    /// Inline uniform block bytes; the element is a byte offset.
    Bytes(Vec<u8>),
}

#[derive(Debug, Default)]
struct Slots {
    descriptors: Vec<Descriptor>,
    bytes: Vec<u8>,
}

#[derive(Debug)]
pub struct DescriptorSet {
    pub layout: Ref<DescriptorSetLayout>,
    /// Elements of each binding (parallel to the layout's bindings).
    counts: Vec<u32>,
    slots: Mutex<Vec<Slots>>,
}

impl HandleObject for DescriptorSet {
    const TAG: u64 = u64::from_le_bytes(*b"pmDSSET_");
}

impl DescriptorSet {
    fn new(layout: Ref<DescriptorSetLayout>, counts: Vec<u32>) -> DescriptorSet {
        let slots = layout
            .bindings
            .iter()
            .zip(&counts)
            .map(|(b, &n)| {
                if b.ty == vk::DescriptorType::INLINE_UNIFORM_BLOCK {
                    Slots {
                        descriptors: Vec::new(),
                        bytes: vec![0; n as usize],
                    }
                } else {
                    Slots {
                        descriptors: vec![Descriptor::Empty; n as usize],
                        bytes: Vec::new(),
                    }
                }
            })
            .collect();
        DescriptorSet {
            layout,
            counts,
            slots: Mutex::new(slots),
        }
    }

    /// The (binding index, element) of `count` consecutive descriptors from `binding`,
    /// `element`.
    ///
    /// Spec (VkWriteDescriptorSet): "If the dstBinding has fewer than descriptorCount array
    /// elements remaining starting from dstArrayElement, then the remainder will be used to
    /// update the subsequent binding - dstBinding+1 starting at array element zero. If a binding
    /// has a descriptorCount of zero, it is skipped. This behavior applies recursively".
    fn walk(
        &self,
        binding: u32,
        element: u32,
        count: u32,
    ) -> Result<Vec<(usize, u32)>, vk::Result> {
        let (mut index, first) = self
            .layout
            .binding(binding)
            .ok_or(vk::Result::ERROR_UNKNOWN)?;
        let ty = first.ty;
        let mut element = element;
        let mut out = Vec::with_capacity(count as usize);
        while out.len() < count as usize {
            let b = self
                .layout
                .bindings
                .get(index)
                .ok_or(vk::Result::ERROR_UNKNOWN)?;
            // VUID-VkWriteDescriptorSet-descriptorCount-00317: consecutive bindings updated
            // together have one type.
            if b.ty != ty {
                return Err(vk::Result::ERROR_UNKNOWN);
            }
            if element < self.counts[index] {
                out.push((index, element));
                element += 1;
            } else {
                // Elements count on linearly across consecutive bindings
                // (VUID-VkWriteDescriptorSet-dstArrayElement-00321).
                element -= self.counts[index];
                index += 1;
            }
        }
        Ok(out)
    }

    /// Writes `data` (of descriptor type `ty`) from `binding`, `element` on.
    pub fn write(
        &self,
        binding: u32,
        element: u32,
        ty: vk::DescriptorType,
        data: WriteData,
    ) -> Result<(), vk::Result> {
        let (index, b) = self
            .layout
            .binding(binding)
            .ok_or(vk::Result::ERROR_UNKNOWN)?;
        if b.ty != ty {
            return Err(vk::Result::ERROR_UNKNOWN);
        }
        match data {
            WriteData::Bytes(bytes) => {
                // Spec: for inline uniform blocks "dstArrayElement specifies the starting byte
                // offset within the binding" and descriptorCount the byte count.
                let mut slots = lock(&self.slots);
                let dst = &mut slots[index].bytes;
                let start = element as usize;
                let end = start
                    .checked_add(bytes.len())
                    .filter(|&e| e <= dst.len())
                    .ok_or(vk::Result::ERROR_UNKNOWN)?;
                dst[start..end].copy_from_slice(&bytes);
                Ok(())
            }
            WriteData::Descriptors(descriptors) => {
                let positions = self.walk(binding, element, descriptors.len() as u32)?;
                let mut slots = lock(&self.slots);
                for ((i, e), mut d) in positions.into_iter().zip(descriptors) {
                    // Spec: with immutable samplers, the sampler of a combined image-sampler
                    // write "is ignored"; the layout's is used.
                    if let (Some(&s), Descriptor::Image { sampler, .. }) = (
                        self.layout.bindings[i].immutable_samplers.get(e as usize),
                        &mut d,
                    ) {
                        *sampler = Some(s);
                    }
                    slots[i].descriptors[e as usize] = d;
                }
                Ok(())
            }
        }
    }

    /// Reads `count` consecutive descriptors (bytes for an inline uniform block), for
    /// `VkCopyDescriptorSet`.
    pub fn read(
        &self,
        binding: u32,
        element: u32,
        count: u32,
    ) -> Result<(vk::DescriptorType, WriteData), vk::Result> {
        let (index, b) = self
            .layout
            .binding(binding)
            .ok_or(vk::Result::ERROR_UNKNOWN)?;
        if b.ty == vk::DescriptorType::INLINE_UNIFORM_BLOCK {
            let slots = lock(&self.slots);
            let src = &slots[index].bytes;
            let start = element as usize;
            let end = start
                .checked_add(count as usize)
                .filter(|&e| e <= src.len())
                .ok_or(vk::Result::ERROR_UNKNOWN)?;
            return Ok((b.ty, WriteData::Bytes(src[start..end].to_vec())));
        }
        let positions = self.walk(binding, element, count)?;
        let slots = lock(&self.slots);
        let descriptors = positions
            .into_iter()
            .map(|(i, e)| slots[i].descriptors[e as usize].clone())
            .collect();
        Ok((b.ty, WriteData::Descriptors(descriptors)))
    }

    /// A copy of the bytes of an inline uniform block binding; [`None`] for other bindings.
    pub fn inline_block(&self, binding: u32) -> Option<Vec<u8>> {
        let (index, b) = self.layout.binding(binding)?;
        if b.ty != vk::DescriptorType::INLINE_UNIFORM_BLOCK {
            return None;
        }
        Some(lock(&self.slots).get(index)?.bytes.clone())
    }

    /// A copy of one descriptor, by binding number, with its dynamic-offset index when it is a
    /// dynamic buffer.
    pub fn descriptor(&self, binding: u32, element: u32) -> Option<(Descriptor, Option<u32>)> {
        let (index, b) = self.layout.binding(binding)?;
        if element >= *self.counts.get(index)? {
            return None;
        }
        let d = lock(&self.slots)
            .get(index)?
            .descriptors
            .get(element as usize)?
            .clone();
        let dynamic = is_dynamic(b.ty).then(|| b.dynamic_base + element);
        Some((d, dynamic))
    }
}

/// Descriptor counts by type.
type Counts = Vec<(vk::DescriptorType, u32)>;

fn add_count(counts: &mut Counts, ty: vk::DescriptorType, n: u32) {
    match counts.iter_mut().find(|(t, _)| *t == ty) {
        Some((_, c)) => *c = c.saturating_add(n),
        None => counts.push((ty, n)),
    }
}

#[derive(Debug, Default)]
struct PoolState {
    /// Raw handles of the live sets, with what each took from the pool.
    sets: Vec<(u64, Counts)>,
    used: Counts,
}

#[derive(Debug)]
pub struct DescriptorPool {
    pub flags: vk::DescriptorPoolCreateFlags,
    pub max_sets: u32,
    sizes: Counts,
    state: Mutex<PoolState>,
}

impl HandleObject for DescriptorPool {
    const TAG: u64 = u64::from_le_bytes(*b"pmDSPOOL");
}

impl DescriptorPool {
    pub fn new(
        flags: vk::DescriptorPoolCreateFlags,
        max_sets: u32,
        sizes: &[vk::DescriptorPoolSize],
    ) -> Result<DescriptorPool, vk::Result> {
        // VUID-VkDescriptorPoolCreateInfo-maxSets-00301 (maxSets > 0, unless an inline uniform
        // block pool says otherwise, which is not advertised).
        if max_sets == 0 {
            return Err(vk::Result::ERROR_INITIALIZATION_FAILED);
        }
        let mut counts = Counts::new();
        for s in sizes {
            add_count(&mut counts, s.ty, s.descriptor_count);
        }
        Ok(DescriptorPool {
            flags,
            max_sets,
            sizes: counts,
            state: Mutex::default(),
        })
    }

    /// Allocates one set: `VK_ERROR_OUT_OF_POOL_MEMORY` when the pool has no room left for a
    /// set, or for its descriptors of some type.
    pub fn allocate(
        &self,
        layout: Ref<DescriptorSetLayout>,
        variable: Option<u32>,
    ) -> Result<vk::DescriptorSet, vk::Result> {
        let counts = layout.counts(variable)?;
        let mut need = Counts::new();
        for (b, &n) in layout.bindings.iter().zip(&counts) {
            add_count(&mut need, b.ty, n);
        }
        let mut state = lock(&self.state);
        if state.sets.len() >= self.max_sets as usize {
            return Err(vk::Result::ERROR_OUT_OF_POOL_MEMORY);
        }
        for &(ty, n) in &need {
            if n == 0 {
                continue;
            }
            let used = state.used.iter().find(|(t, _)| *t == ty).map_or(0, |c| c.1);
            let size = self.sizes.iter().find(|(t, _)| *t == ty).map_or(0, |c| c.1);
            if used as u64 + n as u64 > size as u64 {
                return Err(vk::Result::ERROR_OUT_OF_POOL_MEMORY);
            }
        }
        for &(ty, n) in &need {
            add_count(&mut state.used, ty, n);
        }
        let set: vk::DescriptorSet = handle::new_handle(DescriptorSet::new(layout, counts));
        use ash::vk::Handle;
        state.sets.push((set.as_raw(), need));
        Ok(set)
    }

    /// Gives a set's counts back. `false` when the handle is not a live set of this pool (the
    /// caller must then leave the handle alone).
    pub fn release(&self, raw: u64) -> bool {
        let mut state = lock(&self.state);
        let Some(i) = state.sets.iter().position(|(h, _)| *h == raw) else {
            return false;
        };
        let (_, counts) = state.sets.swap_remove(i);
        for (ty, n) in counts {
            if let Some((_, used)) = state.used.iter_mut().find(|(t, _)| *t == ty) {
                *used -= n.min(*used);
            }
        }
        true
    }

    /// Forgets every set (`vkResetDescriptorPool`, `vkDestroyDescriptorPool`), returning their
    /// raw handles for the caller to destroy.
    pub fn take_all(&self) -> Vec<u64> {
        let mut state = lock(&self.state);
        state.used.clear();
        state.sets.drain(..).map(|(h, _)| h).collect()
    }

    /// Sets allocated and not freed.
    pub fn live_sets(&self) -> usize {
        lock(&self.state).sets.len()
    }
}

/// `VkDescriptorUpdateTemplate`: where each update's data sits in the application's memory.
#[derive(Debug)]
pub struct DescriptorUpdateTemplate {
    pub entries: Vec<vk::DescriptorUpdateTemplateEntry>,
}

impl HandleObject for DescriptorUpdateTemplate {
    const TAG: u64 = u64::from_le_bytes(*b"pmDSTMPL");
}

impl DescriptorUpdateTemplate {
    pub fn new(
        ty: vk::DescriptorUpdateTemplateType,
        entries: &[vk::DescriptorUpdateTemplateEntry],
    ) -> Result<DescriptorUpdateTemplate, vk::Result> {
        // Push-descriptor templates need VK_KHR_push_descriptor, which is not advertised.
        if ty != vk::DescriptorUpdateTemplateType::DESCRIPTOR_SET {
            return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
        }
        if entries.iter().any(|e| class(e.descriptor_type).is_none()) {
            return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
        }
        Ok(DescriptorUpdateTemplate {
            entries: entries.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(binding: u32, ty: vk::DescriptorType, count: u32) -> LayoutBinding {
        LayoutBinding {
            binding,
            ty,
            count,
            stages: vk::ShaderStageFlags::COMPUTE,
            flags: vk::DescriptorBindingFlags::empty(),
            immutable_samplers: Vec::new(),
            dynamic_base: 0,
        }
    }

    /// Samplers told apart by their LOD bias.
    fn samplers(first: u64, n: u64) -> WriteData {
        WriteData::Descriptors(
            (first..first + n)
                .map(|i| {
                    Descriptor::Sampler(SamplerState {
                        mip_lod_bias: i as f32,
                        ..SamplerState::default()
                    })
                })
                .collect(),
        )
    }

    fn sampler_at(set: &DescriptorSet, binding: u32, element: u32) -> Option<u64> {
        match set.descriptor(binding, element)?.0 {
            Descriptor::Sampler(s) => Some(s.mip_lod_bias as u64),
            _ => None,
        }
    }

    #[test]
    fn writes_run_on_into_the_next_bindings_and_copies_follow() {
        let s = vk::DescriptorType::SAMPLER;
        let layout = DescriptorSetLayout::new(
            vk::DescriptorSetLayoutCreateFlags::empty(),
            // Out of order on purpose; binding 2 is empty and skipped.
            vec![
                binding(3, s, 2),
                binding(0, s, 2),
                binding(2, s, 0),
                binding(1, s, 1),
            ],
        )
        .unwrap();
        let layout = Ref::new(layout);
        let set = DescriptorSet::new(layout.clone(), layout.counts(None).unwrap());
        // Element 1 of binding 0, then binding 1, then (skipping 2) binding 3.
        set.write(0, 1, s, samplers(10, 4)).unwrap();
        let got: Vec<_> = [(0, 0), (0, 1), (1, 0), (3, 0), (3, 1)]
            .iter()
            .map(|&(b, e)| sampler_at(&set, b, e))
            .collect();
        assert_eq!(got, [None, Some(10), Some(11), Some(12), Some(13)]);
        // Starting past a binding's end counts on into the next ones.
        set.write(0, 2, s, samplers(20, 1)).unwrap();
        assert_eq!(sampler_at(&set, 1, 0), Some(20));
        // Past the last binding: refused, nothing written.
        assert!(set.write(3, 1, s, samplers(30, 2)).is_err());
        assert_eq!(sampler_at(&set, 3, 1), Some(13));
        // A wrong type is refused.
        assert!(set
            .write(0, 0, vk::DescriptorType::SAMPLED_IMAGE, samplers(40, 1))
            .is_err());
        // Copies read across bindings the same way.
        let (ty, data) = set.read(0, 1, 3).unwrap();
        assert_eq!(ty, s);
        let other = DescriptorSet::new(layout.clone(), layout.counts(None).unwrap());
        other.write(1, 0, ty, data).unwrap();
        assert_eq!(sampler_at(&other, 1, 0), Some(10));
        assert_eq!(sampler_at(&other, 3, 0), Some(20));
        assert_eq!(sampler_at(&other, 3, 1), Some(12));
    }

    #[test]
    fn dynamic_offsets_are_numbered_in_binding_order() {
        use vk::DescriptorType as T;
        let layout = DescriptorSetLayout::new(
            vk::DescriptorSetLayoutCreateFlags::empty(),
            vec![
                binding(5, T::STORAGE_BUFFER_DYNAMIC, 1),
                binding(1, T::UNIFORM_BUFFER_DYNAMIC, 2),
                binding(2, T::STORAGE_BUFFER, 1),
            ],
        )
        .unwrap();
        assert_eq!(layout.dynamic_count, 3);
        let layout = Ref::new(layout);
        let set = DescriptorSet::new(layout.clone(), layout.counts(None).unwrap());
        assert_eq!(set.descriptor(1, 1).unwrap().1, Some(1));
        assert_eq!(set.descriptor(5, 0).unwrap().1, Some(2));
        assert_eq!(set.descriptor(2, 0).unwrap().1, None);
        assert!(set.descriptor(1, 2).is_none());
    }

    #[test]
    fn inline_uniform_blocks_are_bytes() {
        let t = vk::DescriptorType::INLINE_UNIFORM_BLOCK;
        let layout = Ref::new(
            DescriptorSetLayout::new(
                vk::DescriptorSetLayoutCreateFlags::empty(),
                vec![binding(0, t, 16)],
            )
            .unwrap(),
        );
        let set = DescriptorSet::new(layout.clone(), layout.counts(None).unwrap());
        set.write(0, 4, t, WriteData::Bytes(vec![1, 2, 3, 4]))
            .unwrap();
        assert!(set.write(0, 14, t, WriteData::Bytes(vec![0; 4])).is_err());
        let (_, data) = set.read(0, 2, 4).unwrap();
        assert!(matches!(data, WriteData::Bytes(b) if b == [0, 0, 1, 2]));
    }
}
