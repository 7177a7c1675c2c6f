// Shared by the digit and bucket kernels: the run's parameters (one uniform) and the flat
// thread index of a 2D grid of 64-thread workgroups (one grid dimension holds 65,535 groups).

struct Params {
    n: u32,
    windows: u32,
    c: u32,
    // Keys per window: 2^(c-1) + 1 (key 0 of each window is never used).
    stride: u32,
    // Bucket-reduction threads per window.
    segments: u32,
    // Items a sum_buckets thread adds.
    run: u32,
    // sum_buckets' level (0: sorted entries; later: the slots the level before wrote), its
    // item count after level 0, and its threads.
    level: u32,
    items: u32,
    threads: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;

fn thread_index(wg: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
    return (wg.y * nwg.x + wg.x) * 64u + lid;
}
