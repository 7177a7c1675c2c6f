//! Packed groups (see [`crate::packing`]): each word is one field linear combination of its
//! value cells, `Σ 2^(i·bits)·v_i + Σ 2^(i·bits)·2^(bits−1)`.
//!
//! Soundness rests on every value being proven within `[−2^(bits−1), 2^(bits−1))`: then each
//! digit is a `bits`-bit integer, a word is below 2^[`WORD_BITS`](crate::packing::WORD_BITS)
//! < r, and one word has one preimage. Calibrated tensors are range-checked where they are
//! produced (or by the ReLU reading them). A bound derived from the inputs' bounds follows from
//! the constraints when every constant is fixed; with private or hashed weights (witness
//! cells without range checks) it does not, so such tensors are range-checked here. So is a
//! graph input with a derived bound: a part of a partitioned model receives such a tensor
//! from the part that computed it, and here its cells are free.

use super::{check_bits, offset, per_word, pow2};
use crate::builder::{Builder, Cell};
use crate::error::Result;
use crate::gadgets::{GateInstructions, RangeInstructions};
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use zkinfer_quantize::QGraph;

/// What the packing chip offers.
pub(crate) trait PackInstructions {
    /// The packed words of the tensors `ids` (laid out as `cells`, in the same order) of the
    /// group named `group` ("inputs" or "outputs").
    ///
    /// # Errors
    /// A group whose values need digits wider than packing supports.
    fn pack_group(
        &mut self,
        q: &QGraph,
        ids: &[usize],
        cells: &[&[Cell]],
        group: &str,
    ) -> Result<Vec<Cell>>;
}

impl PackInstructions for Builder {
    fn pack_group(
        &mut self,
        q: &QGraph,
        ids: &[usize],
        cells: &[&[Cell]],
        group: &str,
    ) -> Result<Vec<Cell>> {
        let bits = check_bits(q, ids, group)?;
        let mut all = Vec::new();
        for (&t, &laid) in ids.iter().zip(cells) {
            let tensor = &q.tensors[t];
            let derived_here = q.visibility.weights.is_fixed() && !q.inputs.contains(&t);
            if !tensor.checked && !derived_here {
                for &c in laid {
                    self.bounded(c, tensor.bound);
                }
            }
            all.extend_from_slice(laid);
        }
        let one = self.constant(1);
        let o = Fr::from_u128(offset(bits).unsigned_abs());
        Ok(all
            .chunks(per_word(bits))
            .map(|chunk| {
                let mut terms = Vec::with_capacity(chunk.len() + 1);
                let mut offsets = Fr::ZERO;
                for (i, &c) in chunk.iter().enumerate() {
                    let p = pow2(bits * u32::try_from(i).unwrap_or(0));
                    offsets += p * o;
                    terms.push((c, p));
                }
                terms.push((one, offsets));
                self.field_lincomb(&terms)
            })
            .collect())
    }
}
