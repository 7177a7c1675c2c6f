// Signed-digit bucket sort. Each scalar is cut into c-bit windows recoded to digits in
// [-2^(c-1), 2^(c-1)], so a window needs 2^(c-1) buckets (magnitudes 1..=2^(c-1)) instead of
// 2^c - 1; a negative digit adds the negated point. Zero digits are skipped.
//
// Three passes sort (point, sign) pairs by bucket key = window * stride + magnitude, counting
// sort style: count_digits counts each key, scan_counts turns counts into offsets, and
// scatter_digits places each pair at its key's next free slot. The sum kernel then reads the
// entries in key order, every bucket's points as one contiguous run.

@group(0) @binding(1) var<storage, read> scalars: array<u32>;
@group(0) @binding(2) var<storage, read_write> counts: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> offsets: array<u32>;
@group(0) @binding(4) var<storage, read_write> cursor: array<atomic<u32>>;
@group(0) @binding(5) var<storage, read_write> entries: array<u32>;

// Bits [w*c, w*c + c) of scalar i (canonical, little-endian words).
fn window_bits(i: u32, w: u32) -> u32 {
    let off = w * params.c;
    let word = off / 32u;
    let shift = off % 32u;
    if (word >= 8u) {
        return 0u;
    }
    var v = scalars[i * 8u + word] >> shift;
    if (shift + params.c > 32u && word + 1u < 8u) {
        v |= scalars[i * 8u + word + 1u] << (32u - shift);
    }
    return v & ((1u << params.c) - 1u);
}

// Window w's signed digit of scalar i as magnitude | sign << 31, given the carry out of window
// w - 1 in *carry, which it replaces with this window's carry.
fn signed_digit(i: u32, w: u32, carry: ptr<function, u32>) -> u32 {
    let half = 1u << (params.c - 1u);
    let v = window_bits(i, w) + *carry;
    if (v > half) {
        *carry = 1u;
        // v = 2^c is digit 0 with a carry: magnitude 0, never stored.
        return ((1u << params.c) - v) | (1u << 31u);
    }
    *carry = 0u;
    return v;
}

@compute @workgroup_size(64)
fn count_digits(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let i = thread_index(wg, nwg, lid);
    if (i >= params.n) {
        return;
    }
    var carry = 0u;
    for (var w = 0u; w < params.windows; w++) {
        let mag = signed_digit(i, w, &carry) & 0x7fffffffu;
        if (mag != 0u) {
            atomicAdd(&counts[w * params.stride + mag], 1u);
        }
    }
}

var<workgroup> block_sums: array<u32, 256>;

// Exclusive prefix sum of the counts by one workgroup: each thread sums a contiguous block,
// the block sums are scanned, then each thread writes its block's offsets. offsets has one
// extra entry holding the total, so a bucket's run is offsets[k]..offsets[k + 1].
@compute @workgroup_size(256)
fn scan_counts(@builtin(local_invocation_index) t: u32) {
    let total = params.windows * params.stride;
    let per = (total + 255u) / 256u;
    let lo = min(t * per, total);
    let hi = min(lo + per, total);
    var s = 0u;
    for (var k = lo; k < hi; k++) {
        s += atomicLoad(&counts[k]);
    }
    block_sums[t] = s;
    workgroupBarrier();
    if (t == 0u) {
        var acc = 0u;
        for (var k = 0u; k < 256u; k++) {
            let v = block_sums[k];
            block_sums[k] = acc;
            acc += v;
        }
        offsets[total] = acc;
    }
    workgroupBarrier();
    var acc = block_sums[t];
    for (var k = lo; k < hi; k++) {
        offsets[k] = acc;
        atomicStore(&cursor[k], acc);
        acc += atomicLoad(&counts[k]);
    }
}

// Entry: point index in the low 31 bits, the digit's sign in the top bit.
@compute @workgroup_size(64)
fn scatter_digits(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let i = thread_index(wg, nwg, lid);
    if (i >= params.n) {
        return;
    }
    var carry = 0u;
    for (var w = 0u; w < params.windows; w++) {
        let digit = signed_digit(i, w, &carry);
        let mag = digit & 0x7fffffffu;
        if (mag != 0u) {
            let slot = atomicAdd(&cursor[w * params.stride + mag], 1u);
            entries[slot] = i | (digit & (1u << 31u));
        }
    }
}
