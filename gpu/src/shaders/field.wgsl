// BN254 base field Fq in Montgomery form (R = 2^256), as 16 little-endian 16-bit limbs held in
// u32s. WGSL has no 64-bit integers; with 16-bit limbs every product plus two carries fits in
// 32 bits ((2^16-1)^2 + 2(2^16-1) = 2^32-1), so the schoolbook CIOS loop needs no splitting.
// In storage an element takes 8 words (two limbs a word), so bases cost 64 bytes a point.

alias Fq = array<u32, 16>;

const FQ_P = Fq(0xfd47u, 0xd87cu, 0x8c16u, 0x3c20u, 0xca8du, 0x6871u, 0x6a91u, 0x9781u,
                0x585du, 0x8181u, 0x45b6u, 0xb850u, 0xa029u, 0xe131u, 0x4e72u, 0x3064u);
// -p^-1 mod 2^16
const FQ_INV: u32 = 0x6389u;
// R mod p: one in Montgomery form.
const FQ_ONE = Fq(0x0d9du, 0xc58fu, 0x438du, 0xd35du, 0x0b3du, 0xf5c7u, 0xeb28u, 0x0a78u,
                  0x462cu, 0x7879u, 0xa36fu, 0x666eu, 0xdf2fu, 0x9a07u, 0x77c1u, 0x0e0au);

fn fq_is_zero(a_in: Fq) -> bool {
    var a = a_in;
    var acc = 0u;
    for (var i = 0u; i < 16u; i++) {
        acc |= a[i];
    }
    return acc == 0u;
}

// The 16-limb difference a - b (mod 2^256) and whether it borrowed out of the top limb.
struct Difference {
    value: Fq,
    borrow: u32,
}

fn limbs_sub(a_in: Fq, b_in: Fq) -> Difference {
    var a = a_in;
    var b = b_in;
    var borrow = 0u;
    for (var i = 0u; i < 16u; i++) {
        let x = a[i] + 0x10000u - b[i] - borrow;
        a[i] = x & 0xffffu;
        borrow = 1u - (x >> 16u);
    }
    return Difference(a, borrow);
}

// The 16-limb sum a + b mod 2^256.
fn limbs_add(a_in: Fq, b_in: Fq) -> Fq {
    var a = a_in;
    var b = b_in;
    var carry = 0u;
    for (var i = 0u; i < 16u; i++) {
        let x = a[i] + b[i] + carry;
        a[i] = x & 0xffffu;
        carry = x >> 16u;
    }
    return a;
}

// a - p when a >= p, else a: one borrow chain, no data-dependent loop exit.
fn fq_reduce_once(a: Fq) -> Fq {
    let d = limbs_sub(a, FQ_P);
    if (d.borrow != 0u) {
        return a;
    }
    return d.value;
}

fn fq_add(a: Fq, b: Fq) -> Fq {
    // a + b < 2p < 2^255: no carry out of the top limb.
    return fq_reduce_once(limbs_add(a, b));
}

fn fq_sub(a: Fq, b: Fq) -> Fq {
    let d = limbs_sub(a, b);
    if (d.borrow != 0u) {
        // a - b + 2^256 + p wraps to a - b + p.
        return limbs_add(d.value, FQ_P);
    }
    return d.value;
}

fn fq_neg(a: Fq) -> Fq {
    if (fq_is_zero(a)) {
        return a;
    }
    return fq_sub(FQ_P, a);
}

// Montgomery product a·b·R^-1 (CIOS, one reduction step per limb of a).
fn fq_mul(a_in: Fq, b_in: Fq) -> Fq {
    var a = a_in;
    var b = b_in;
    var p = FQ_P;
    var t: array<u32, 18>;
    for (var i = 0u; i < 16u; i++) {
        let ai = a[i];
        var carry = 0u;
        for (var j = 0u; j < 16u; j++) {
            let x = t[j] + ai * b[j] + carry;
            t[j] = x & 0xffffu;
            carry = x >> 16u;
        }
        var x = t[16] + carry;
        t[16] = x & 0xffffu;
        t[17] = x >> 16u;
        let m = (t[0] * FQ_INV) & 0xffffu;
        x = t[0] + m * p[0];
        carry = x >> 16u;
        for (var j = 1u; j < 16u; j++) {
            x = t[j] + m * p[j] + carry;
            t[j - 1u] = x & 0xffffu;
            carry = x >> 16u;
        }
        x = t[16] + carry;
        t[15] = x & 0xffffu;
        t[16] = t[17] + (x >> 16u);
        t[17] = 0u;
    }
    var r: Fq;
    for (var i = 0u; i < 16u; i++) {
        r[i] = t[i];
    }
    // The CIOS result is below 2p.
    return fq_reduce_once(r);
}

// 3b = 9 for y^2 = x^3 + 3, as additions (cheaper than a multiplication).
fn fq_mul_by_3b(a: Fq) -> Fq {
    let a2 = fq_add(a, a);
    let a4 = fq_add(a2, a2);
    let a8 = fq_add(a4, a4);
    return fq_add(a8, a);
}
