//! The CPU MSM: halo2's parallel Pippenger, or ours over the few bits used when every scalar is
//! a small signed integer (see [`crate::small`]). halo2's is the oracle every other
//! implementation, the small-scalar one included, is tested against.

use crate::{BasesId, Msm, MsmError, Result};
use halo2_proofs::arithmetic::best_multiexp;
use halo2_proofs::halo2curves::bn256::{Fr, G1Affine, G1};

/// halo2's `best_multiexp` on all cores, or the small-scalar Pippenger when it applies.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuMsm;

impl Msm for CpuMsm {
    fn name(&self) -> String {
        "cpu".to_owned()
    }

    fn msm(&self, scalars: &[Fr], bases: &[G1Affine], _id: Option<BasesId>) -> Result<G1> {
        let bases = bases_for(scalars, bases)?;
        Ok(crate::small::msm_if_small(scalars, bases)
            .unwrap_or_else(|| best_multiexp(scalars, bases)))
    }
}

/// The bases an MSM of `scalars` uses (the first as many), or [`MsmError::Length`] when there
/// are fewer.
pub(crate) fn bases_for<'b>(scalars: &[Fr], bases: &'b [G1Affine]) -> Result<&'b [G1Affine]> {
    bases
        .get(..scalars.len())
        .ok_or(MsmError::Length { scalars: scalars.len(), bases: bases.len() })
}
