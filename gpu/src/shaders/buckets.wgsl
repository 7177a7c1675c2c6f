// Bucket accumulation and per-window reduction (appended to field.wgsl and curve.wgsl).
//
// sum_buckets: one thread per bucket key adds the key's points (negated for negative digits),
// at most `run` of them per dispatch: the host dispatches it once per slice of the largest
// bucket, each pass adding to the previous one's sums. Bounded loops keep threads balanced,
// and long ones (a few hundred additions) give wrong sums on lavapipe.
// reduce_buckets: each window's buckets 1..=h are split into `segments` runs; a thread folds
// its run [lo, hi) with the running-sum trick (run += S_b; acc += run, from the top bucket
// down), which yields sum (b - lo + 1)·S_b, then adds (lo - 1)·(sum S_b) by double-and-add, so
// the segment partials of a window add up to sum b·S_b. The host adds the partials and
// combines the windows.

// Affine bases, 16 words a point: x then y, Montgomery form; (0, 0) is the identity.
@group(0) @binding(1) var<storage, read> bases: array<u32>;
@group(0) @binding(2) var<storage, read> offsets: array<u32>;
@group(0) @binding(3) var<storage, read> entries: array<u32>;
// Projective points, 24 words each.
@group(0) @binding(4) var<storage, read_write> buckets: array<u32>;
@group(0) @binding(5) var<storage, read_write> partials: array<u32>;

fn load_base(i: u32, coord: u32) -> Fq {
    var r: Fq;
    let at = i * 16u + coord * 8u;
    for (var k = 0u; k < 8u; k++) {
        let w = bases[at + k];
        r[2u * k] = w & 0xffffu;
        r[2u * k + 1u] = w >> 16u;
    }
    return r;
}

fn load_bucket_coord(at: u32) -> Fq {
    var r: Fq;
    for (var k = 0u; k < 8u; k++) {
        let w = buckets[at + k];
        r[2u * k] = w & 0xffffu;
        r[2u * k + 1u] = w >> 16u;
    }
    return r;
}

fn load_bucket(key: u32) -> Point {
    let at = key * 24u;
    return Point(load_bucket_coord(at), load_bucket_coord(at + 8u), load_bucket_coord(at + 16u));
}

fn store_bucket_coord(at: u32, a_in: Fq) {
    var a = a_in;
    for (var k = 0u; k < 8u; k++) {
        buckets[at + k] = a[2u * k] | (a[2u * k + 1u] << 16u);
    }
}

fn store_partial_coord(at: u32, a_in: Fq) {
    var a = a_in;
    for (var k = 0u; k < 8u; k++) {
        partials[at + k] = a[2u * k] | (a[2u * k + 1u] << 16u);
    }
}

@compute @workgroup_size(64)
fn sum_buckets(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let key = thread_index(wg, nwg, lid);
    if (key >= params.windows * params.stride) {
        return;
    }
    let first = offsets[key] + params.pass_index * params.run;
    let end = min(offsets[key + 1u], first + params.run);
    if (params.pass_index > 0u && first >= end) {
        return;
    }
    var acc = point_identity();
    if (params.pass_index > 0u) {
        acc = load_bucket(key);
    }
    for (var j = first; j < end; j++) {
        let e = entries[j];
        let i = e & 0x7fffffffu;
        let x = load_base(i, 0u);
        var y = load_base(i, 1u);
        // No point of the prime-order group has y = 0, so (0, 0) can only be the identity.
        if (!fq_is_zero(y)) {
            if ((e >> 31u) != 0u) {
                y = fq_neg(y);
            }
            acc = point_add_affine(acc, x, y);
        }
    }
    let at = key * 24u;
    store_bucket_coord(at, acc.x);
    store_bucket_coord(at + 8u, acc.y);
    store_bucket_coord(at + 16u, acc.z);
}

// One point_add call site, driven by a step counter: drivers inline every call, and a software
// driver (lavapipe) needs minutes per inlined copy of the addition formula.
@compute @workgroup_size(64)
fn reduce_buckets(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let t = thread_index(wg, nwg, lid);
    if (t >= params.windows * params.segments) {
        return;
    }
    let w = t / params.segments;
    let s = t % params.segments;
    let half = params.stride - 1u;
    let len = (half + params.segments - 1u) / params.segments;
    let lo = 1u + s * len;
    let hi = max(min(lo + len, half + 1u), lo);
    // Steps: 2 per bucket (run += S_b, then acc += run, top bucket first); 2 per bit of lo - 1
    // (shifted doubles, then adds run or the identity); one last acc += shifted.
    let fold = 2u * (hi - lo);
    let bits = 17u;
    let k = lo - 1u;
    let identity = point_identity();
    var run = identity;
    var acc = identity;
    var shifted = identity;
    for (var step = 0u; step < fold + 2u * bits + 1u; step++) {
        var a = acc;
        var b = shifted;
        var dest = 1u;
        if (step < fold) {
            if ((step & 1u) == 0u) {
                a = run;
                b = load_bucket(w * params.stride + hi - 1u - step / 2u);
                dest = 0u;
            } else {
                b = run;
            }
        } else if (step < fold + 2u * bits) {
            let j = step - fold;
            let bit = bits - 1u - j / 2u;
            a = shifted;
            if ((j & 1u) == 0u) {
                b = shifted;
            } else if (((k >> bit) & 1u) != 0u) {
                b = run;
            } else {
                b = identity;
            }
            dest = 2u;
        }
        let r = point_add(a, b);
        if (dest == 0u) {
            run = r;
        } else if (dest == 1u) {
            acc = r;
        } else {
            shifted = r;
        }
    }
    let at = t * 24u;
    store_partial_coord(at, acc.x);
    store_partial_coord(at + 8u, acc.y);
    store_partial_coord(at + 16u, acc.z);
}
