//! Packed visibility: several public values to one instance.
//!
//! An EVM verifier pays for every public instance (gas and, unrolled, code size), so a model
//! with thousands of public outputs cannot be verified on chain one value per instance. A
//! packed group keeps its values public but writes them `per_word(bits)` to an instance: value
//! `v` becomes the non-negative digit `v + 2^(bits−1)` of `bits` bits, and digit `i` of a word
//! sits at bit `i·bits`, little-endian. Words stay below 2^[`WORD_BITS`] < r, so the packing is
//! injective and a consumer contract reads value `i` as `((w >> (i·bits)) & (2^bits − 1)) −
//! 2^(bits−1)`. The circuit proves each digit in range from the value's proven bound (see
//! [`group_bits`]), and the word as one linear combination of the value cells.

pub(crate) mod chip;

use crate::error::CircuitError;
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use zkinfer_quantize::qgraph::bits_for;
use zkinfer_quantize::QGraph;

/// Words are below 2^248: 31 bytes, comfortably under the field order (≈ 2^253.6).
pub const WORD_BITS: u32 = 248;

/// Narrowest and widest digits. Two bits at least, so the readers need no special case for
/// all-zero groups; 64 at most, so a digit is a `u64` and `v + 2^(bits−1)` never wraps.
pub const DIGIT_BITS: std::ops::RangeInclusive<u32> = 2..=64;

/// Bits per digit for a group of tensors: enough for `bound + 2^(bits−1)` and
/// `−bound + 2^(bits−1)` to be a digit of `bits` bits for the largest bound in the group
/// (possibly more than [`DIGIT_BITS`] allows, which [`check_bits`] refuses).
#[must_use]
pub fn group_bits(q: &QGraph, ids: &[usize]) -> u32 {
    let bound = ids.iter().map(|&t| q.tensors[t].bound).max().unwrap_or(0);
    (bits_for(u128::from(bound)) + 1).max(*DIGIT_BITS.start())
}

/// `bits` when packing supports it; otherwise the error naming the group's widest tensor.
///
/// # Errors
/// [`CircuitError::PackTooWide`].
pub fn check_bits(q: &QGraph, ids: &[usize], group: &str) -> crate::Result<u32> {
    let bits = group_bits(q, ids);
    if DIGIT_BITS.contains(&bits) {
        return Ok(bits);
    }
    let widest = ids.iter().max_by_key(|&&t| q.tensors[t].bound);
    Err(CircuitError::PackTooWide {
        tensor: widest.map(|&t| q.tensors[t].name.clone()).unwrap_or_default(),
        bits: bits - 1,
        max: *DIGIT_BITS.end(),
        group: group.into(),
    })
}

/// Values per word for digits of `bits` bits (at least one).
#[must_use]
pub fn per_word(bits: u32) -> usize {
    usize::try_from(WORD_BITS / bits.max(1)).unwrap_or(1).max(1)
}

/// Number of words `n` values of `bits` bits take.
#[must_use]
pub fn words(n: usize, bits: u32) -> usize {
    n.div_ceil(per_word(bits))
}

/// The offset added to every value: `2^(bits−1)` (for `bits` in [`DIGIT_BITS`]).
#[must_use]
pub fn offset(bits: u32) -> i128 {
    1i128 << (bits.clamp(*DIGIT_BITS.start(), *DIGIT_BITS.end()) - 1)
}

/// `2^e` in the field.
#[must_use]
pub fn pow2(e: u32) -> Fr {
    Fr::from(2u64).pow_vartime([u64::from(e)])
}

/// The words of `values` packed with digits of `bits` bits, or the first value whose digit
/// would not fit (which the circuit cannot prove either).
///
/// # Errors
/// The index of a value outside `[−2^(bits−1), 2^(bits−1))`; index 0 for `bits` outside
/// [`DIGIT_BITS`].
pub fn pack(values: &[i128], bits: u32) -> Result<Vec<Fr>, usize> {
    if !DIGIT_BITS.contains(&bits) {
        return Err(0);
    }
    let o = offset(bits);
    let mut out = Vec::with_capacity(words(values.len(), bits));
    for (w, chunk) in values.chunks(per_word(bits)).enumerate() {
        let mut word = Fr::ZERO;
        for (i, &v) in chunk.iter().enumerate() {
            let digit = v.checked_add(o).unwrap_or(-1);
            if digit < 0 || digit >= 2 * o {
                return Err(w * per_word(bits) + i);
            }
            word +=
                Fr::from_u128(digit.unsigned_abs()) * pow2(bits * u32::try_from(i).unwrap_or(0));
        }
        out.push(word);
    }
    Ok(out)
}

/// The `n` values packed in `words` with digits of `bits` bits; `None` when the words hold a
/// different number of values, a word is not a packing, or `bits` is outside [`DIGIT_BITS`].
#[must_use]
pub fn unpack(words: &[Fr], bits: u32, n: usize) -> Option<Vec<i128>> {
    if !DIGIT_BITS.contains(&bits) || words.len() != self::words(n, bits) {
        return None;
    }
    let o = offset(bits);
    let per = per_word(bits);
    let width = usize::try_from(bits).ok()?;
    let mut out = Vec::with_capacity(n);
    for (w, word) in words.iter().enumerate() {
        let repr = word.to_repr();
        let bytes = repr.as_ref();
        let bit = |j: usize| u128::from((bytes[j / 8] >> (j % 8)) & 1);
        let count = per.min(n - w * per);
        // Nothing above the last digit: a word is the packing of exactly its values.
        if (count * width..256).any(|j| bit(j) == 1) {
            return None;
        }
        for i in 0..count {
            let digit = (0..width).fold(0u128, |x, t| x | (bit(i * width + t) << t));
            out.push(i128::try_from(digit).ok()? - o);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips_at_every_width_and_fills_words() {
        for bits in [2u32, 5, 8, 17, 31, 63] {
            let o = offset(bits);
            let values: Vec<i128> =
                (0..40).map(|i| [-o, o - 1, 0, -1, 1][i % 5] + i128::from(i as i32 % 3)).collect();
            let values: Vec<i128> = values.iter().map(|&v| v.clamp(-o, o - 1)).collect();
            let w = pack(&values, bits).unwrap();
            assert_eq!(w.len(), words(values.len(), bits));
            assert_eq!(unpack(&w, bits, values.len()), Some(values.clone()), "bits {bits}");
            assert!(per_word(bits) * usize::try_from(bits).unwrap() <= WORD_BITS as usize);
            let b = usize::try_from(bits).unwrap();
            assert!(per_word(bits) * b + b > WORD_BITS as usize, "a word has room for no more");
        }
    }

    #[test]
    fn out_of_range_values_and_foreign_words_are_refused() {
        assert_eq!(pack(&[0, 8], 4), Err(1));
        assert_eq!(pack(&[-9], 4), Err(0));
        assert!(pack(&[-8, 7], 4).is_ok());
        assert_eq!(pack(&[0], 1), Err(0), "digits below two bits");
        assert_eq!(pack(&[0], 65), Err(0), "digits beyond 64 bits");
        assert_eq!(pack(&[i128::MAX], 64), Err(0));
        assert_eq!(unpack(&[Fr::ZERO], 0, 1), None);
        assert_eq!(unpack(&[Fr::ZERO], 300, 1), None);
        let w = pack(&[1, 2, 3], 4).unwrap();
        assert_eq!(unpack(&w, 4, 2), None, "a digit beyond the count");
        // The count comes from the circuit's shapes: 3 values and 4 with a last −8 pack alike.
        assert_eq!(unpack(&w, 4, 4), Some(vec![1, 2, 3, -8]));
        assert_eq!(unpack(&[-Fr::ONE], 4, 3), None, "r − 1 is no packing");
        assert_eq!(unpack(&w, 4, 3), Some(vec![1, 2, 3]));
    }
}
