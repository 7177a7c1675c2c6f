//! The CPU MSM: halo2's parallel Pippenger. It is the oracle every other implementation is
//! tested against.

use crate::{BasesId, Msm, MsmError, Result};
use halo2_proofs::arithmetic::best_multiexp;
use halo2_proofs::halo2curves::bn256::{Fr, G1Affine, G1};

/// halo2's `best_multiexp` on all cores.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuMsm;

impl Msm for CpuMsm {
    fn name(&self) -> String {
        "cpu".to_owned()
    }

    fn msm(&self, scalars: &[Fr], bases: &[G1Affine], _id: Option<BasesId>) -> Result<G1> {
        let bases = bases
            .get(..scalars.len())
            .ok_or(MsmError::Length { scalars: scalars.len(), bases: bases.len() })?;
        Ok(best_multiexp(scalars, bases))
    }
}
