//! MSMs whose scalars are all small signed integers, as most of a quantized circuit's columns
//! are: selectors and tags, weights, table entries, activations and their range limbs. A
//! field element `s` is small when `s < 2^64` or `r − s < 2^64` (a negative integer).
//!
//! halo2's Pippenger walks all 254 bits of every scalar: for values of a few bits the windows
//! above them hold only zero digits, yet each still pays its bucket running sums. Here the
//! windows cover only the widest magnitude present, so an MSM of 17-bit values does two or
//! three windows' work instead of about twenty. Each thread sums its own slice of the points.

use halo2_proofs::arithmetic::best_multiexp;
use halo2_proofs::halo2curves::bn256::{Fr, G1Affine, G1};
use halo2_proofs::halo2curves::ff::PrimeField;
use halo2_proofs::halo2curves::group::Group;
use rayon::prelude::*;

/// At most this share of the scalars (1/`WIDE_SHARE`) may be wide for the small-scalar path:
/// an advice column of small values ends in halo2's random blinding rows, and those few wide
/// scalars go to a full-width MSM of their own.
const WIDE_SHARE: usize = 16;

/// `Σ sᵢ·Pᵢ` when all but a few scalars (see [`WIDE_SHARE`]) are small signed integers, else
/// `None` (the caller runs a full-width MSM). `bases` must be at least as long as `scalars`.
pub(crate) fn msm_if_small(scalars: &[Fr], bases: &[G1Affine]) -> Option<G1> {
    let (signed, wide) = small_signed(scalars)?;
    let bits = signed.iter().map(|&(m, _)| 64 - m.leading_zeros()).max().unwrap_or(0);
    let threads = rayon::current_num_threads().max(1);
    let chunk = signed.len().div_ceil(threads).max(1);
    let small = if bits == 0 {
        G1::identity()
    } else {
        signed
            .par_chunks(chunk)
            .zip(bases.par_chunks(chunk))
            .map(|(s, b)| pippenger(s, b, bits))
            .reduce(G1::identity, |a, b| a + b)
    };
    if wide.is_empty() {
        return Some(small);
    }
    let wide_scalars: Vec<Fr> = wide.iter().map(|&i| scalars[i]).collect();
    let wide_bases: Vec<G1Affine> = wide.iter().map(|&i| bases[i]).collect();
    Some(small + best_multiexp(&wide_scalars, &wide_bases))
}

/// Each scalar as (magnitude, negative), with the indices of the wide ones (given as zero in
/// the first list); `None` once more than 1/[`WIDE_SHARE`] of them are wide.
#[allow(clippy::type_complexity)]
fn small_signed(scalars: &[Fr]) -> Option<(Vec<(u64, bool)>, Vec<usize>)> {
    let most_wide = scalars.len() / WIDE_SHARE;
    let mut wide = Vec::new();
    let mut signed = Vec::with_capacity(scalars.len());
    for (i, s) in scalars.iter().enumerate() {
        if let Some(m) = low_u64(s) {
            signed.push((m, false));
        } else if let Some(m) = low_u64(&-*s) {
            signed.push((m, true));
        } else {
            if wide.len() == most_wide {
                return None;
            }
            wide.push(i);
            signed.push((0, false));
        }
    }
    Some((signed, wide))
}

/// The value of `s` when it is below 2^64.
fn low_u64(s: &Fr) -> Option<u64> {
    let repr = s.to_repr();
    let bytes: &[u8] = repr.as_ref();
    if bytes[8..].iter().any(|&b| b != 0) {
        return None;
    }
    let mut low = [0u8; 8];
    low.copy_from_slice(&bytes[..8]);
    Some(u64::from_le_bytes(low))
}

/// The window width that minimises `windows · (points + 2·buckets)` for `bits`-bit scalars.
fn window(points: usize, bits: u32) -> u32 {
    (1..=16u32)
        .min_by_key(|&c| {
            let windows = bits.div_ceil(c) as usize;
            windows.saturating_mul(points + (2usize << c))
        })
        .unwrap_or(8)
}

/// Pippenger over `bits`-bit magnitudes: each point (negated for a negative scalar) goes into
/// the bucket of its digit in each window; buckets are summed by running sums and the windows
/// combined from the top by doublings.
fn pippenger(scalars: &[(u64, bool)], bases: &[G1Affine], bits: u32) -> G1 {
    let c = window(scalars.len(), bits);
    let mask = (1u64 << c) - 1;
    let mut buckets = vec![G1::identity(); 1 << c];
    let mut acc = G1::identity();
    for w in (0..bits.div_ceil(c)).rev() {
        for _ in 0..c {
            acc = acc.double();
        }
        buckets.iter_mut().for_each(|b| *b = G1::identity());
        for (&(m, negative), base) in scalars.iter().zip(bases) {
            let digit = (m >> (w * c)) & mask;
            if digit != 0 {
                let bucket = &mut buckets[usize::try_from(digit).unwrap_or(0)];
                if negative {
                    *bucket -= base;
                } else {
                    *bucket += base;
                }
            }
        }
        let mut running = G1::identity();
        let mut sum = G1::identity();
        for b in buckets.iter().skip(1).rev() {
            running += b;
            sum += running;
        }
        acc += sum;
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_proofs::halo2curves::ff::Field;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn bases(n: usize, rng: &mut StdRng) -> Vec<G1Affine> {
        let g = G1::random(&mut *rng);
        let step = G1::random(&mut *rng);
        let mut p = g;
        (0..n)
            .map(|_| {
                p += step;
                p.into()
            })
            .collect()
    }

    fn signed(v: i128) -> Fr {
        let m = Fr::from_u128(v.unsigned_abs());
        if v < 0 {
            -m
        } else {
            m
        }
    }

    #[test]
    fn small_scalars_give_halo2s_point() {
        let mut rng = StdRng::seed_from_u64(7);
        for (n, bits) in [(1usize, 1u32), (5, 3), (300, 8), (1000, 17), (2048, 40), (777, 64)] {
            let b = bases(n, &mut rng);
            let s: Vec<Fr> = (0..n)
                .map(|i| {
                    let m =
                        if bits == 64 { rng.gen::<u64>() } else { rng.gen::<u64>() >> (64 - bits) };
                    // Zeros, positives and negatives, and the extremes of the width.
                    let m = match i % 7 {
                        0 => 0,
                        1 => u64::MAX >> (64 - bits),
                        _ => m,
                    };
                    signed(if i % 3 == 0 { -i128::from(m) } else { i128::from(m) })
                })
                .collect();
            let got = msm_if_small(&s, &b).expect("small scalars");
            assert_eq!(got, best_multiexp(&s, &b), "n {n}, {bits} bits");
        }
    }

    #[test]
    fn a_few_wide_scalars_are_added_apart_and_many_send_the_msm_to_the_full_width_path() {
        let mut rng = StdRng::seed_from_u64(8);
        let b = bases(64, &mut rng);
        let mut s: Vec<Fr> = (0..64).map(|i| signed(i - 32)).collect();
        assert_eq!(msm_if_small(&s, &b), Some(best_multiexp(&s, &b)));
        // Four wide scalars of 64 (1/16) at the end, as blinding rows are: still small.
        for (i, wide) in [(60, Fr::from_u128(1u128 << 64)), (61, -Fr::from_u128(1u128 << 64))]
            .into_iter()
            .chain([(62, Fr::random(&mut rng)), (63, Fr::random(&mut rng))])
        {
            s[i] = wide;
        }
        assert_eq!(msm_if_small(&s, &b), Some(best_multiexp(&s, &b)));
        // A fifth is too many.
        s[3] = Fr::random(&mut rng);
        assert!(msm_if_small(&s, &b).is_none());
        assert_eq!(msm_if_small(&[Fr::zero(); 64], &b), Some(G1::identity()));
    }
}
