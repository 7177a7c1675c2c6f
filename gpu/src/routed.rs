//! `--device auto` on a hardware GPU: each MSM goes where it is faster. A GPU MSM pays a fixed
//! cost per call (dispatches, a readback, the host's window sums) that the CPU's Pippenger does
//! not, so small MSMs run faster on the CPU; measured on an H200 against 16 CPU threads, the GPU
//! wins from 2^20 points (benches/msm_results.md). A column of small integers stays on the CPU
//! at any size: its Pippenger over only the bits used (see [`crate::small`]) does a few
//! windows' work where the GPU, like halo2's, does all of them.

use crate::{BasesId, CpuMsm, Msm, Result};
use halo2_proofs::halo2curves::bn256::{Fr, G1Affine, G1};
use std::sync::Arc;

/// Fewest points an MSM needs for `auto` to send it to the GPU, unless
/// `ZKINFER_GPU_MIN_POINTS` says otherwise.
pub const DEFAULT_MIN_GPU_POINTS: usize = 1 << 20;

/// Sends MSMs of at least `min_points` points to `gpu`, smaller ones and those of small
/// integers to the CPU.
#[derive(Debug)]
pub struct Routed {
    gpu: Arc<dyn Msm>,
    min_points: usize,
}

impl Routed {
    /// Routes MSMs of `min_points` or more points to `gpu`.
    #[must_use]
    pub fn new(gpu: Arc<dyn Msm>, min_points: usize) -> Self {
        Self { gpu, min_points }
    }
}

impl Msm for Routed {
    fn name(&self) -> String {
        format!(
            "{} from {} points, cpu below and for small integers",
            self.gpu.name(),
            self.min_points
        )
    }

    fn msm(&self, scalars: &[Fr], bases: &[G1Affine], id: Option<BasesId>) -> Result<G1> {
        if scalars.len() < self.min_points {
            return CpuMsm.msm(scalars, bases, id);
        }
        match crate::small::msm_if_small(scalars, crate::cpu::bases_for(scalars, bases)?) {
            Some(p) => Ok(p),
            None => self.gpu.msm(scalars, bases, id),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::MsmError;
    use halo2_proofs::halo2curves::ff::PrimeField;

    /// Answers every call with an error, so a test sees which side a call took.
    #[derive(Debug)]
    struct Refuses;

    impl Msm for Refuses {
        fn name(&self) -> String {
            "refuses".to_owned()
        }
        fn msm(&self, _: &[Fr], _: &[G1Affine], _: Option<BasesId>) -> Result<G1> {
            Err(MsmError::Device("refused".to_owned()))
        }
    }

    #[test]
    fn small_msms_and_small_integers_run_on_the_cpu_and_the_rest_on_the_gpu() {
        let routed = Routed::new(Arc::new(Refuses), 4);
        let bases = vec![G1Affine::from(G1::generator()); 4];
        let ones = vec![Fr::one(); 4];
        assert_eq!(routed.msm(&ones[..3], &bases, None).unwrap(), G1::generator() * Fr::from(3));
        assert_eq!(routed.msm(&ones, &bases, None).unwrap(), G1::generator() * Fr::from(4));
        let wide = vec![-Fr::from_u128(1 << 100); 4];
        assert!(routed.msm(&wide, &bases, None).is_err());
        assert_eq!(routed.name(), "refuses from 4 points, cpu below and for small integers");
    }
}
