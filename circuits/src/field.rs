//! Integers as field elements: the one conversion every layer (builder, gates, hashes) uses,
//! kept apart so the virtual circuit does not depend on the halo2 circuit.

use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::PrimeField;

/// Field element of an integer.
#[must_use]
pub fn fe(v: i128) -> Fr {
    let m = Fr::from_u128(v.unsigned_abs());
    if v < 0 {
        -m
    } else {
        m
    }
}
