// Bucket accumulation and per-window reduction (appended to field.wgsl and curve.wgsl).
//
// sum_buckets adds every bucket's points with work spread evenly, however the digits fall:
// real scalars are often small or repeated (one bucket may hold half of all points), and a
// 254-bit scalar's top window has only a few bits. It runs in levels. At level 0 each thread
// takes `run` consecutive sorted entries; later levels take `run` consecutive slots the level
// before wrote. A thread adds each key's items within its slice. A key whose items all lie in
// the slice is finished and stored as its bucket; a key cut by the slice's start or end is
// handed on in one of the thread's two slots (its first key, its last key) to the next level,
// where the pieces of one key sit side by side again. Each level shrinks the items `run` / 2
// times; the host runs levels until one thread took everything, so every key with points is
// stored exactly once. Keys without points are never stored; reduce_buckets reads them as the
// identity from the offsets.
// reduce_buckets: each window's buckets 1..=h are split into `segments` runs; a thread folds
// its run [lo, hi) with the running-sum trick (run += S_b; acc += run, from the top bucket
// down), which yields sum (b - lo + 1)·S_b, then adds (lo - 1)·(sum S_b) by double-and-add, so
// the segment partials of a window add up to sum b·S_b. The host adds the partials and
// combines the windows.

// Affine bases, 16 words a point: x then y, Montgomery form; (0, 0) is the identity.
@group(0) @binding(1) var<storage, read> bases: array<u32>;
// Where each key's entries start; offsets[keys] is the number of entries.
@group(0) @binding(2) var<storage, read> offsets: array<u32>;
@group(0) @binding(3) var<storage, read> entries: array<u32>;
// Projective points, 24 words each.
@group(0) @binding(4) var<storage, read_write> buckets: array<u32>;
@group(0) @binding(5) var<storage, read_write> partials: array<u32>;
// Slots between levels, 25 words each: the key (top bit set: nothing to add), then x, y, z.
@group(0) @binding(6) var<storage, read> slots_in: array<u32>;
@group(0) @binding(7) var<storage, read_write> slots_out: array<u32>;

const SLOT_WORDS: u32 = 25u;
const EMPTY: u32 = 0x80000000u;
// Sorts after every real key; the slots of threads past the last entry carry it.
const NO_KEY: u32 = 0x7fffffffu;

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

fn load_slot_coord(at: u32) -> Fq {
    var r: Fq;
    for (var k = 0u; k < 8u; k++) {
        let w = slots_in[at + k];
        r[2u * k] = w & 0xffffu;
        r[2u * k + 1u] = w >> 16u;
    }
    return r;
}

// Bucket `key`'s sum, or the identity when no entry has that key (it was never stored).
fn load_bucket(key: u32) -> Point {
    if (offsets[key + 1u] == offsets[key]) {
        return point_identity();
    }
    let at = key * 24u;
    return Point(load_bucket_coord(at), load_bucket_coord(at + 8u), load_bucket_coord(at + 16u));
}

fn store_bucket_coord(at: u32, a_in: Fq) {
    var a = a_in;
    for (var k = 0u; k < 8u; k++) {
        buckets[at + k] = a[2u * k] | (a[2u * k + 1u] << 16u);
    }
}

fn store_slot_coord(at: u32, a_in: Fq) {
    var a = a_in;
    for (var k = 0u; k < 8u; k++) {
        slots_out[at + k] = a[2u * k] | (a[2u * k + 1u] << 16u);
    }
}

fn store_partial_coord(at: u32, a_in: Fq) {
    var a = a_in;
    for (var k = 0u; k < 8u; k++) {
        partials[at + k] = a[2u * k] | (a[2u * k + 1u] << 16u);
    }
}

// The key of level-0 entry j: the last key whose entries start at or before j.
fn entry_key(j: u32) -> u32 {
    var lo = 0u;
    var hi = params.windows * params.stride;
    while (hi - lo > 1u) {
        let mid = (lo + hi) / 2u;
        if (offsets[mid] <= j) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo;
}

// Item j's key (without the empty bit) at this level.
fn item_key(j: u32) -> u32 {
    if (params.level == 0u) {
        return entry_key(j);
    }
    return slots_in[j * SLOT_WORDS] & NO_KEY;
}

fn item_count() -> u32 {
    if (params.level == 0u) {
        return offsets[params.windows * params.stride];
    }
    return params.items;
}

struct Item {
    point: Point,
    // Whether the item counts towards its key (an empty slot does not; every entry does).
    some: bool,
}

fn load_item(j: u32) -> Item {
    if (params.level == 0u) {
        let e = entries[j];
        let i = e & 0x7fffffffu;
        var y = load_base(i, 1u);
        // No point of the prime-order group has y = 0, so (0, 0) can only be the identity.
        if (fq_is_zero(y)) {
            return Item(point_identity(), true);
        }
        if ((e >> 31u) != 0u) {
            y = fq_neg(y);
        }
        return Item(Point(load_base(i, 0u), y, FQ_ONE), true);
    }
    let at = j * SLOT_WORDS;
    if ((slots_in[at] & EMPTY) != 0u) {
        return Item(point_identity(), false);
    }
    return Item(
        Point(load_slot_coord(at + 1u), load_slot_coord(at + 9u), load_slot_coord(at + 17u)),
        true,
    );
}

fn store_slot(slot: u32, key: u32, p: Point) {
    let at = slot * SLOT_WORDS;
    slots_out[at] = key;
    store_slot_coord(at + 1u, p.x);
    store_slot_coord(at + 9u, p.y);
    store_slot_coord(at + 17u, p.z);
}

// A key's sum over one slice: its bucket when the slice held all its items, else the slice's
// first or last slot.
fn finish(key: u32, sum: Point, some: bool, cut_before: bool, cut_after: bool, slot: u32) {
    if (!some) {
        return;
    }
    if (cut_before) {
        store_slot(slot, key, sum);
    } else if (cut_after) {
        store_slot(slot + 1u, key, sum);
    } else {
        let at = key * 24u;
        store_bucket_coord(at, sum.x);
        store_bucket_coord(at + 8u, sum.y);
        store_bucket_coord(at + 16u, sum.z);
    }
}

// One point_add call site: drivers inline every call, and a software driver (lavapipe) needs
// minutes per inlined copy of the addition formula.
@compute @workgroup_size(64)
fn sum_buckets(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let t = thread_index(wg, nwg, lid);
    if (t >= params.threads) {
        return;
    }
    let total = item_count();
    let s = min(t * params.run, total);
    let e = min(s + params.run, total);
    let slot = 2u * t;
    if (s >= e) {
        slots_out[slot * SLOT_WORDS] = EMPTY | NO_KEY;
        slots_out[(slot + 1u) * SLOT_WORDS] = EMPTY | NO_KEY;
        return;
    }
    let first = item_key(s);
    let last = item_key(e - 1u);
    // Whether the first key has items before the slice and the last one items after it.
    var first_cut = false;
    var last_cut = false;
    if (params.level == 0u) {
        first_cut = offsets[first] < s;
        last_cut = offsets[last + 1u] > e;
    } else {
        first_cut = s > 0u && item_key(s - 1u) == first;
        last_cut = e < total && item_key(e) == last;
    }
    slots_out[slot * SLOT_WORDS] = EMPTY | first;
    slots_out[(slot + 1u) * SLOT_WORDS] = EMPTY | last;
    var key = first;
    var sum = point_identity();
    var some = false;
    for (var j = s; j < e; j++) {
        var k = key;
        if (params.level == 0u) {
            if (offsets[key + 1u] <= j) {
                k = entry_key(j);
            }
        } else {
            k = item_key(j);
        }
        if (k != key) {
            finish(key, sum, some, key == first && first_cut, false, slot);
            key = k;
            sum = point_identity();
            some = false;
        }
        let item = load_item(j);
        if (item.some) {
            sum = point_add(sum, item.point);
            some = true;
        }
    }
    finish(key, sum, some, key == first && first_cut, last_cut, slot);
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
    let k = lo - 1u;
    // k's bit length (firstLeadingBit(0) is all ones, so 0 bits for k = 0): at most c - 1.
    let bits = firstLeadingBit(k) + 1u;
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
