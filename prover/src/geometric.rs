//! Columns of values `c·ωⁱ` with a few exceptions, committed as `c·[X]` plus the exceptions.
//!
//! halo2's permutation polynomials (the sigma columns of the verifying key) hold `δʲ·ωⁱ` at
//! every row whose cell is not copied: the identity permutation. In Lagrange form over the
//! domain of size n, `Σ c·ωⁱ·Lᵢ(X) = c·X` (the polynomial of degree < n through those
//! points), so their commitment is `c·[X]₁`, the SRS's second monomial point, plus an MSM over
//! only the rows a copy moved (about half of them in `lenet_5`'s columns). Every other column
//! fails the check on its last rows.

use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::{Field, PrimeField};

/// A column split as `c·ωⁱ` plus the rows that differ, each with its difference.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Split {
    /// The common factor.
    pub c: Fr,
    /// (row, value − c·ωⁱ) for the rows that differ.
    pub rest: Vec<(usize, Fr)>,
}

/// The generator of the multiplicative subgroup of size 2^k, as halo2's evaluation domain
/// has it.
pub(crate) fn omega(k: u32) -> Fr {
    let mut w = Fr::ROOT_OF_UNITY;
    for _ in k..Fr::S {
        w = w.square();
    }
    w
}

/// Splits `values` (a whole domain of 2^k rows) when at most 7/8 of its rows differ from
/// `c·ωⁱ` for a nonzero `c`, read off the last three rows (two of which must agree).
pub(crate) fn split(values: &[Fr], k: u32) -> Option<Split> {
    if k < 2 || values.len() != 1usize << k {
        return None;
    }
    let w = omega(k);
    // The last rows are halo2's blinding rows, which no copy reaches: c·ω^(n−j) there, and
    // ω^n = 1.
    let n = values.len();
    let guesses = [values[n - 1] * w, values[n - 2] * w.square(), values[n - 3] * w.square() * w];
    let c = if guesses[0] == guesses[1] || guesses[0] == guesses[2] {
        guesses[0]
    } else if guesses[1] == guesses[2] {
        guesses[1]
    } else {
        return None;
    };
    if c.is_zero_vartime() {
        return None;
    }
    // Past 7/8 of the rows, gathering the moved rows' points costs more than it saves.
    let most = values.len() / 8 * 7;
    let mut rest = Vec::new();
    let mut expected = c;
    for (i, v) in values.iter().enumerate() {
        if *v != expected {
            if rest.len() == most {
                return None;
            }
            rest.push((i, *v - expected));
        }
        expected *= w;
    }
    Some(Split { c, rest })
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_proofs::poly::EvaluationDomain;

    #[test]
    fn omega_is_halo2s() {
        for k in [2, 5, 10, 16] {
            assert_eq!(omega(k), EvaluationDomain::<Fr>::new(1, k).get_omega(), "k {k}");
        }
    }

    #[test]
    fn a_geometric_column_splits_into_its_factor_and_the_moved_rows() {
        let k = 6;
        let (w, c) = (omega(k), Fr::from(7u64));
        let mut v: Vec<Fr> = (0..64u64).map(|i| c * w.pow_vartime([i])).collect();
        assert_eq!(split(&v, k), Some(Split { c, rest: vec![] }));
        // Rows a copy moved, one of the last three included: the factor is read off the
        // agreeing two.
        v[0] = Fr::from(5u64);
        v[9] = Fr::from(11u64);
        v[62] = Fr::from(13u64);
        let s = split(&v, k).expect("splits");
        assert_eq!(s.c, c);
        let moved: Vec<usize> = s.rest.iter().map(|r| r.0).collect();
        assert_eq!(moved, vec![0, 9, 62]);
        assert_eq!(s.rest[1].1, Fr::from(11u64) - c * w.pow_vartime([9u64]));
    }

    #[test]
    fn other_columns_do_not_split() {
        let k = 6;
        let small: Vec<Fr> = (0..64u64).map(Fr::from).collect();
        assert_eq!(split(&small, k), None);
        assert_eq!(split(&vec![Fr::ZERO; 64], k), None);
        // More than 7/8 of the rows moved (57 of 64; the last three stay).
        let (w, c) = (omega(k), Fr::from(3u64));
        let mut v: Vec<Fr> = (0..64u64).map(|i| c * w.pow_vartime([i])).collect();
        for x in v.iter_mut().take(57) {
            *x = Fr::ONE;
        }
        assert_eq!(split(&v, k), None);
        // Not a whole domain.
        assert_eq!(split(&v[..32], k), None);
    }
}
