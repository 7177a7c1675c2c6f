//! The wgpu MSM: pipelines, resident bases, the per-size workspace, and the host side of
//! Pippenger (adding segment partials and combining windows).

use crate::context::{GpuContext, GpuOptions};
use crate::convert::{bases_to_words, checked, scalars_to_words, words_to_points};
use crate::{BasesId, Msm, MsmError, Result};
use halo2_proofs::halo2curves::bn256::{Fr, G1Affine, G1};
use halo2_proofs::halo2curves::group::Group;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

const DIGITS_WGSL: &str =
    concat!(include_str!("shaders/common.wgsl"), include_str!("shaders/digits.wgsl"));
const BUCKETS_WGSL: &str = concat!(
    include_str!("shaders/common.wgsl"),
    include_str!("shaders/field.wgsl"),
    include_str!("shaders/curve.wgsl"),
    include_str!("shaders/buckets.wgsl")
);
/// Threads per workgroup of the per-point and per-bucket kernels (the WGSL says the same).
const WORKGROUP: u32 = 64;
/// Bytes of one affine base, one scalar, one projective point on the GPU.
const BASE_BYTES: u64 = 64;
const SCALAR_BYTES: u64 = 32;
const POINT_BYTES: u64 = 96;
/// Scalars are below 2^254.
const SCALAR_BITS: u32 = 254;
/// Items (entries, or slots of the level before) a bucket-sum thread adds.
const RUN: u32 = 64;
/// Bytes of one slot handed between bucket-sum levels: a key and a projective point.
const SLOT_BYTES: u64 = 4 + POINT_BYTES;
/// Bytes of the parameters uniform (twelve words; the WGSL `Params`).
const PARAMS_BYTES: u64 = 48;
/// Resident base sets kept (an SRS's monomial and Lagrange bases, and a spare).
const RESIDENT_SETS: usize = 3;

/// Window width for `n` points: about log2(n) - 3 bits, between 4 and 16.
fn window_bits(n: usize) -> u32 {
    let log = usize::BITS - n.leading_zeros();
    log.saturating_sub(3).clamp(4, 16)
}

/// Windows for `c`-bit signed digits of a 254-bit scalar: one more than the plain count for
/// the final carry.
fn windows(c: u32) -> u32 {
    SCALAR_BITS.div_ceil(c) + 1
}

/// The shape of one MSM run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shape {
    c: u32,
    windows: u32,
    /// Keys per window: 2^(c-1) + 1.
    stride: u32,
    /// Bucket-reduction threads per window.
    segments: u32,
}

impl Shape {
    fn for_points(n: usize) -> Self {
        let c = window_bits(n);
        let half = 1u32 << (c - 1);
        Self { c, windows: windows(c), stride: half + 1, segments: half.min(256) }
    }
    fn keys(self) -> u64 {
        u64::from(self.windows) * u64::from(self.stride)
    }
    /// At most one entry per point and window (zero digits are skipped).
    fn entries(self, n: u64) -> u64 {
        n * u64::from(self.windows)
    }
}

/// One level of the bucket sum: `items` in, one thread per `RUN` of them, two slots out each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Level {
    items: u64,
    threads: u64,
}

/// The bucket-sum levels for at most `entries` sorted entries: each level takes the slots the
/// one before wrote, until a single thread takes them all (then every key is finished).
fn levels(entries: u64) -> Vec<Level> {
    let mut out = Vec::new();
    let mut items = entries.max(1);
    loop {
        let threads = items.div_ceil(u64::from(RUN));
        out.push(Level { items, threads });
        if threads == 1 {
            return out;
        }
        items = 2 * threads;
    }
}

struct Pipelines {
    count: wgpu::ComputePipeline,
    scan: wgpu::ComputePipeline,
    scatter: wgpu::ComputePipeline,
    sum: wgpu::ComputePipeline,
    reduce: wgpu::ComputePipeline,
}

/// Buffers for MSMs of up to `cap` points with one shape.
struct Workspace {
    cap: usize,
    shape: Shape,
    /// One parameters uniform per bucket-sum level (the first serves the other passes too),
    /// so a whole MSM goes to the GPU in one submission.
    params: Vec<wgpu::Buffer>,
    scalars: wgpu::Buffer,
    counts: wgpu::Buffer,
    offsets: wgpu::Buffer,
    cursor: wgpu::Buffer,
    entries: wgpu::Buffer,
    buckets: wgpu::Buffer,
    /// Slots between bucket-sum levels: even levels write the first, odd levels the second.
    slots: [wgpu::Buffer; 2],
    partials: wgpu::Buffer,
    readback: wgpu::Buffer,
}

/// Bases uploaded once, in chunks of at most `WgpuMsm::chunk` points.
struct Resident {
    id: Option<BasesId>,
    len: usize,
    chunks: Vec<wgpu::Buffer>,
}

#[derive(Default)]
struct State {
    resident: Vec<Resident>,
    workspace: Option<Workspace>,
}

/// BN254 G1 MSM on a wgpu device. Pipelines are built once per instance (a software Vulkan
/// driver takes minutes for the bucket kernels); calls are serialised on one device queue.
pub struct WgpuMsm {
    ctx: GpuContext,
    pipelines: Pipelines,
    /// Most points one run may take (buffer binding limits, or less by [`WgpuMsm::limit_chunk`]).
    chunk: AtomicUsize,
    /// What the device's limits allow.
    device_chunk: usize,
    state: Mutex<State>,
}

impl std::fmt::Debug for WgpuMsm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WgpuMsm").field("adapter", &self.ctx.adapter.name).finish_non_exhaustive()
    }
}

fn storage(
    device: &wgpu::Device,
    label: &str,
    bytes: u64,
    extra: wgpu::BufferUsages,
) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: bytes.max(16),
        usage: wgpu::BufferUsages::STORAGE | extra,
        mapped_at_creation: false,
    })
}

fn words_to_bytes(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// A 2D grid of workgroups covering `threads` (one dimension is limited to 65,535 groups).
fn grid(threads: u64) -> (u32, u32) {
    let groups = threads.div_ceil(u64::from(WORKGROUP)).max(1);
    let x = groups.min(65_535);
    let y = groups.div_ceil(x);
    (u32::try_from(x).unwrap_or(65_535), u32::try_from(y).unwrap_or(u32::MAX))
}

impl WgpuMsm {
    /// Opens the preferred adapter and builds the pipelines.
    ///
    /// # Errors
    /// No adapter, a refused device, or a pipeline that fails to build.
    pub fn new(options: &GpuOptions) -> Result<Self> {
        Self::with_context(GpuContext::new(options)?)
    }

    /// Builds the pipelines on an open device.
    ///
    /// # Errors
    /// A pipeline that fails to build.
    pub fn with_context(ctx: GpuContext) -> Result<Self> {
        let module = |label: &str, source: &'static str| {
            ctx.scoped(|| {
                ctx.device.create_shader_module(wgpu::ShaderModuleDescriptor {
                    label: Some(label),
                    source: wgpu::ShaderSource::Wgsl(source.into()),
                })
            })
            .map_err(|reason| MsmError::Pipeline { name: label.to_owned(), reason })
        };
        let digits = module("digits.wgsl", DIGITS_WGSL)?;
        let buckets = module("buckets.wgsl", BUCKETS_WGSL)?;
        let pipeline = |module: &wgpu::ShaderModule, entry: &str| {
            let start = std::time::Instant::now();
            let built = ctx
                .scoped(|| {
                    ctx.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                        label: Some(entry),
                        layout: None,
                        module,
                        entry_point: Some(entry),
                        compilation_options: wgpu::PipelineCompilationOptions::default(),
                        cache: None,
                    })
                })
                .map_err(|reason| MsmError::Pipeline { name: entry.to_owned(), reason });
            log::info!("pipeline {entry} built in {:.1} s", start.elapsed().as_secs_f64());
            built
        };
        let pipelines = Pipelines {
            count: pipeline(&digits, "count_digits")?,
            scan: pipeline(&digits, "scan_counts")?,
            scatter: pipeline(&digits, "scatter_digits")?,
            sum: pipeline(&buckets, "sum_buckets")?,
            reduce: pipeline(&buckets, "reduce_buckets")?,
        };
        let device_chunk = Self::max_chunk(&ctx.limits);
        ctx.check()?;
        Ok(Self {
            ctx,
            pipelines,
            chunk: AtomicUsize::new(device_chunk),
            device_chunk,
            state: Mutex::new(State::default()),
        })
    }

    /// The adapter in use.
    #[must_use]
    pub fn adapter(&self) -> &crate::AdapterReport {
        &self.ctx.adapter
    }

    /// Splits MSMs into runs of at most `points` points (at least 1; never more than the
    /// device allows). A smaller device budget, and the tests of the splitting itself, use it.
    pub fn limit_chunk(&self, points: usize) {
        // Under the lock, so no MSM pairs bases cut at one size with scalars cut at another.
        if let Ok(mut state) = self.state.lock() {
            state.resident.clear();
            self.chunk.store(points.clamp(1, self.device_chunk), Ordering::Relaxed);
        }
    }

    /// The largest power of two of points whose buffers fit the device's binding limits.
    fn max_chunk(limits: &wgpu::Limits) -> usize {
        let limit = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size);
        let mut n: u64 = 1 << 30;
        while n > 1 {
            let shape = Shape::for_points(usize::try_from(n).unwrap_or(usize::MAX));
            let entries = shape.entries(n) * 4;
            let buckets = shape.keys() * POINT_BYTES;
            let slots = levels(shape.entries(n))[0].threads * 2 * SLOT_BYTES;
            // The kernels index words with u32: entries, bases (16 words a point) and slots
            // must stay below 2^32 words whatever the device's binding limit.
            let indexable = shape.entries(n) < 1 << 31 && n * 16 < 1 << 31;
            let fits = n * BASE_BYTES <= limit && entries <= limit && buckets <= limit;
            if fits && slots <= limit && indexable {
                break;
            }
            n /= 2;
        }
        usize::try_from(n).unwrap_or(1)
    }

    fn workspace(&self, cap: usize, shape: Shape) -> Workspace {
        let d = &self.ctx.device;
        let copy = wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC;
        let cap64 = cap as u64;
        let keys = shape.keys();
        let partial_bytes = u64::from(shape.windows) * u64::from(shape.segments) * POINT_BYTES;
        let levels = levels(shape.entries(cap64));
        let slot_bytes = |level: usize| levels.get(level).map_or(0, |l| l.threads * 2 * SLOT_BYTES);
        Workspace {
            cap,
            shape,
            params: levels
                .iter()
                .map(|_| {
                    d.create_buffer(&wgpu::BufferDescriptor {
                        label: Some("params"),
                        size: PARAMS_BYTES,
                        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                        mapped_at_creation: false,
                    })
                })
                .collect(),
            scalars: storage(d, "scalars", cap64 * SCALAR_BYTES, copy),
            counts: storage(d, "counts", keys * 4, copy),
            offsets: storage(d, "offsets", (keys + 1) * 4, copy),
            cursor: storage(d, "cursor", keys * 4, copy),
            entries: storage(d, "entries", cap64 * u64::from(shape.windows) * 4, copy),
            buckets: storage(d, "buckets", keys * POINT_BYTES, copy),
            // Level 0 writes the most slots and level 1 the next most; later levels fit.
            slots: [
                storage(d, "slots", slot_bytes(0), copy),
                storage(d, "slots", slot_bytes(1), copy),
            ],
            partials: storage(d, "partials", partial_bytes, copy),
            readback: d.create_buffer(&wgpu::BufferDescriptor {
                label: Some("readback"),
                size: partial_bytes,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
        }
    }

    fn upload(&self, id: Option<BasesId>, bases: &[G1Affine], chunk: usize) -> Resident {
        let chunks = bases
            .chunks(chunk)
            .map(|part| {
                let buffer = storage(
                    &self.ctx.device,
                    "bases",
                    part.len() as u64 * BASE_BYTES,
                    wgpu::BufferUsages::COPY_DST,
                );
                self.ctx.queue.write_buffer(&buffer, 0, &words_to_bytes(&bases_to_words(part)));
                buffer
            })
            .collect();
        Resident { id, len: bases.len(), chunks }
    }

    fn bind(
        &self,
        pipeline: &wgpu::ComputePipeline,
        buffers: &[(u32, &wgpu::Buffer)],
    ) -> wgpu::BindGroup {
        let entries: Vec<wgpu::BindGroupEntry<'_>> = buffers
            .iter()
            .map(|&(binding, buffer)| wgpu::BindGroupEntry {
                binding,
                resource: buffer.as_entire_binding(),
            })
            .collect();
        self.ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        })
    }

    /// One MSM of at most `chunk` points on the GPU, in one submission: sort the digits by
    /// bucket, sum the buckets level by level, reduce each window, read back the partials.
    /// With `stages`, each stage is submitted and waited for on its own and its wall time
    /// recorded (slower overall; for the benchmark's stage table).
    fn run(
        &self,
        ws: &Workspace,
        bases: &wgpu::Buffer,
        scalars: &[Fr],
        mut stages: Option<&mut Vec<(String, std::time::Duration)>>,
    ) -> Result<G1> {
        let shape = ws.shape;
        let n =
            u32::try_from(scalars.len()).map_err(|_| MsmError::Device("chunk too large".into()))?;
        let levels = levels(shape.entries(u64::from(n)));
        let too_large = || MsmError::Device("chunk too large".into());
        let q = &self.ctx.queue;
        let d = &self.ctx.device;
        for (at, level) in levels.iter().enumerate() {
            let buffer = ws.params.get(at).ok_or_else(too_large)?;
            let items = u32::try_from(level.items).map_err(|_| too_large())?;
            let threads = u32::try_from(level.threads).map_err(|_| too_large())?;
            let level = u32::try_from(at).map_err(|_| too_large())?;
            let words = [
                n,
                shape.windows,
                shape.c,
                shape.stride,
                shape.segments,
                RUN,
                level,
                items,
                threads,
                0,
                0,
                0,
            ];
            q.write_buffer(buffer, 0, &words_to_bytes(&words));
        }
        let p = &self.pipelines;
        let params = ws.params.first().ok_or_else(too_large)?;
        let count = self.bind(&p.count, &[(0, params), (1, &ws.scalars), (2, &ws.counts)]);
        let scan =
            self.bind(&p.scan, &[(0, params), (2, &ws.counts), (3, &ws.offsets), (4, &ws.cursor)]);
        let scatter = self
            .bind(&p.scatter, &[(0, params), (1, &ws.scalars), (4, &ws.cursor), (5, &ws.entries)]);
        let sums: Vec<wgpu::BindGroup> = (0..levels.len())
            .map(|at| {
                let (from, to) = (&ws.slots[(at + 1) % 2], &ws.slots[at % 2]);
                self.bind(
                    &p.sum,
                    &[
                        (0, &ws.params[at]),
                        (1, bases),
                        (2, &ws.offsets),
                        (3, &ws.entries),
                        (4, &ws.buckets),
                        (6, from),
                        (7, to),
                    ],
                )
            })
            .collect();
        let reduce = self
            .bind(&p.reduce, &[(0, params), (2, &ws.offsets), (4, &ws.buckets), (5, &ws.partials)]);
        let partial_bytes = u64::from(shape.windows) * u64::from(shape.segments) * POINT_BYTES;
        let dispatch = |encoder: &mut wgpu::CommandEncoder,
                        pipeline: &wgpu::ComputePipeline,
                        group: &wgpu::BindGroup,
                        (x, y): (u32, u32)| {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: None,
                timestamp_writes: None,
            });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, group, &[]);
            pass.dispatch_workgroups(x, y, 1);
        };
        let new_encoder =
            || d.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("msm") });
        let mut encoder = new_encoder();
        let mut clock = std::time::Instant::now();
        // Ends a stage when timing them: submits what is encoded, waits, records the time.
        let mut stage = |encoder: &mut wgpu::CommandEncoder, name: &str| -> Result<()> {
            if let Some(times) = stages.as_deref_mut() {
                q.submit([std::mem::replace(encoder, new_encoder()).finish()]);
                d.poll(wgpu::PollType::wait_indefinitely())
                    .map_err(|e| MsmError::Device(e.to_string()))?;
                times.push((name.to_owned(), clock.elapsed()));
                clock = std::time::Instant::now();
            }
            Ok(())
        };
        q.write_buffer(&ws.scalars, 0, &words_to_bytes(&scalars_to_words(scalars)));
        stage(&mut encoder, "upload")?;
        encoder.clear_buffer(&ws.counts, 0, None);
        dispatch(&mut encoder, &p.count, &count, grid(u64::from(n)));
        stage(&mut encoder, "count digits")?;
        dispatch(&mut encoder, &p.scan, &scan, (1, 1));
        stage(&mut encoder, "scan counts")?;
        dispatch(&mut encoder, &p.scatter, &scatter, grid(u64::from(n)));
        stage(&mut encoder, "scatter digits")?;
        for (at, (level, group)) in levels.iter().zip(&sums).enumerate() {
            dispatch(&mut encoder, &p.sum, group, grid(level.threads));
            stage(&mut encoder, &format!("sum level {at} ({} threads)", level.threads))?;
        }
        dispatch(
            &mut encoder,
            &p.reduce,
            &reduce,
            grid(u64::from(shape.windows) * u64::from(shape.segments)),
        );
        stage(&mut encoder, "reduce windows")?;
        encoder.copy_buffer_to_buffer(&ws.partials, 0, &ws.readback, 0, partial_bytes);
        q.submit([encoder.finish()]);
        let words = self.read_back(&ws.readback, partial_bytes)?;
        let partials = words_to_points(&words)?;
        let segments = shape.segments as usize;
        let mut total = G1::identity();
        for window in partials.chunks_exact(segments).rev() {
            for _ in 0..shape.c {
                total = total.double();
            }
            total = window.iter().fold(total, |acc, p| acc + p);
        }
        stage(&mut new_encoder(), "read back, combine windows")?;
        Ok(total)
    }

    /// Waits for the queue and reads the first `bytes` of a mappable buffer.
    fn read_back(&self, buffer: &wgpu::Buffer, bytes: u64) -> Result<Vec<u32>> {
        let slice = buffer.slice(..bytes);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        self.ctx
            .device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| MsmError::Device(e.to_string()))?;
        rx.recv()
            .map_err(|e| MsmError::Device(e.to_string()))?
            .map_err(|e| MsmError::Device(e.to_string()))?;
        let words = {
            let data = slice.get_mapped_range().map_err(|e| MsmError::Device(e.to_string()))?;
            data.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
        };
        buffer.unmap();
        self.ctx.check()?;
        Ok(words)
    }

    /// One MSM with each GPU stage waited for and timed on its own: where the time goes at
    /// this size (the benchmark's stage table). The total is slower than [`Msm::msm`]'s.
    ///
    /// # Errors
    /// As [`Msm::msm`].
    pub fn msm_stages(
        &self,
        scalars: &[Fr],
        bases: &[G1Affine],
        id: Option<BasesId>,
    ) -> Result<(G1, Vec<(String, std::time::Duration)>)> {
        let mut stages = Vec::new();
        let point = catch_unwind(AssertUnwindSafe(|| {
            self.msm_inner(scalars, bases, id, Some(&mut stages))
        }))
        .unwrap_or_else(|_| Err(MsmError::Device("the GPU backend panicked".to_owned())))?;
        Ok((point, stages))
    }

    fn msm_inner(
        &self,
        scalars: &[Fr],
        bases: &[G1Affine],
        id: Option<BasesId>,
        mut stages: Option<&mut Vec<(String, std::time::Duration)>>,
    ) -> Result<G1> {
        if bases.len() < scalars.len() {
            return Err(MsmError::Length { scalars: scalars.len(), bases: bases.len() });
        }
        if scalars.is_empty() {
            return Ok(G1::identity());
        }
        self.ctx.check()?;
        let mut state =
            self.state.lock().map_err(|_| MsmError::Device("MSM state poisoned".into()))?;
        let chunk = self.chunk.load(Ordering::Relaxed);
        let at = match id {
            Some(id) => {
                state.resident.iter().position(|r| r.id == Some(id) && r.len >= scalars.len())
            }
            None => None,
        };
        let at = if let Some(at) = at {
            at
        } else {
            let resident =
                self.upload(id, if id.is_some() { bases } else { &bases[..scalars.len()] }, chunk);
            state.resident.retain(|r| r.id.is_some() && r.id != id);
            if state.resident.len() >= RESIDENT_SETS {
                state.resident.remove(0);
            }
            state.resident.push(resident);
            state.resident.len() - 1
        };
        let chunk_len = chunk.min(scalars.len());
        let shape = Shape::for_points(chunk_len);
        let reuse =
            state.workspace.as_ref().is_some_and(|w| w.shape == shape && w.cap >= chunk_len);
        if !reuse {
            state.workspace = Some(self.workspace(chunk_len, shape));
        }
        let State { resident, workspace } = &*state;
        let ws = workspace.as_ref().ok_or_else(|| MsmError::Device("no workspace".into()))?;
        let mut total = G1::identity();
        for (part, buffer) in scalars.chunks(chunk).zip(&resident[at].chunks) {
            total += self.run(ws, buffer, part, stages.as_deref_mut())?;
        }
        checked(total)
    }
}

impl Msm for WgpuMsm {
    fn name(&self) -> String {
        format!("wgpu: {}", self.ctx.adapter.name)
    }

    fn msm(&self, scalars: &[Fr], bases: &[G1Affine], id: Option<BasesId>) -> Result<G1> {
        // wgpu reports misuse by panicking in places; none of that may reach the prover.
        catch_unwind(AssertUnwindSafe(|| self.msm_inner(scalars, bases, id, None)))
            .unwrap_or_else(|_| Err(MsmError::Device("the GPU backend panicked".to_owned())))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_signed_digits_of_254_bit_scalars() {
        for c in 4..=16 {
            // The last window only ever holds the final carry.
            assert!((windows(c) - 1) * c >= SCALAR_BITS, "c = {c}");
            assert!((windows(c) - 2) * c < SCALAR_BITS, "c = {c}");
        }
    }

    #[test]
    fn window_width_grows_with_size_and_is_bounded() {
        assert_eq!(window_bits(1), 4);
        assert_eq!(window_bits(1 << 12), 10);
        assert_eq!(window_bits(1 << 20), 16);
        assert_eq!(window_bits(1 << 26), 16);
    }

    #[test]
    fn bucket_sum_levels_shrink_to_one_thread() {
        for entries in [0u64, 1, 63, 64, 65, 4096, 1 << 20, 17 << 26] {
            let all = levels(entries);
            assert_eq!(all[0].items, entries.max(1));
            assert_eq!(all.last().unwrap().threads, 1, "{entries}");
            for pair in all.windows(2) {
                // Two slots out per thread are the next level's items.
                assert_eq!(pair[1].items, 2 * pair[0].threads);
                assert!(pair[1].items < pair[0].items, "{entries}: {all:?}");
            }
            for l in &all {
                assert!(l.threads * u64::from(RUN) >= l.items);
            }
        }
        // nanoGPT-size MSMs finish in a handful of levels.
        assert!(levels(17 << 20).len() <= 5);
    }

    #[test]
    fn grid_covers_every_thread_within_dimension_limits() {
        for threads in [1u64, 64, 65, 64 * 65_535, 64 * 65_535 + 1, 1 << 30] {
            let (x, y) = grid(threads);
            assert!(x <= 65_535);
            assert!(u64::from(x) * u64::from(y) * 64 >= threads);
        }
    }
}
