//! BN254 G1 multi-scalar multiplication (MSM) behind one trait, [`Msm`], so the prover's
//! commitments can run on the CPU or on a GPU and give the same points.
//!
//! - [`CpuMsm`]: halo2's own parallel Pippenger (`best_multiexp`), the oracle, or a Pippenger
//!   over only the bits used when every scalar is a small signed integer.
//! - [`WgpuMsm`]: our WGSL implementation on wgpu (Vulkan, Metal, DX12): Montgomery arithmetic
//!   on 16-bit limbs, signed-digit windows, a counting sort of (point, sign) pairs by bucket,
//!   bucket sums and segmented bucket reduction on the GPU, window combination on the host.
//!
//! [`select`] picks one for `--device cpu|gpu|auto` and says why `auto` fell back to the CPU
//! (on a hardware GPU, `auto` still runs MSMs below [`DEFAULT_MIN_GPU_POINTS`] on the CPU);
//! [`doctor`] describes the adapters this machine offers.

mod context;
mod convert;
mod cpu;
mod error;
mod routed;
mod select;
mod small;
mod timed;
mod wgpu_msm;

pub use context::{AdapterReport, GpuContext, GpuOptions};
pub use cpu::CpuMsm;
pub use error::{MsmError, Result};
pub use routed::{Routed, DEFAULT_MIN_GPU_POINTS};
pub use select::{doctor, select, Device, DoctorReport, Selected, UnknownDevice};
pub use timed::{MsmTotals, Timed};
pub use wgpu_msm::WgpuMsm;

use halo2_proofs::halo2curves::bn256::{Fr, G1Affine, G1};
use std::sync::atomic::{AtomicU64, Ordering};

/// Names a set of bases that stays the same for as long as the id is used, so an
/// implementation may keep it resident (a GPU uploads an SRS once, not once per commitment).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BasesId(u64);

impl BasesId {
    /// A new id, distinct from every other in this process.
    #[must_use]
    pub fn fresh() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// Multi-scalar multiplication over BN254 G1: `sum scalars[i] * bases[i]`.
pub trait Msm: Send + Sync + std::fmt::Debug {
    /// Short description for logs and reports ("cpu", "wgpu: <adapter>").
    fn name(&self) -> String;

    /// Computes the MSM of `scalars` with the first `scalars.len()` of `bases`. With `id`, the
    /// caller promises that every call with this id passes the same bases.
    ///
    /// # Errors
    /// Fewer bases than scalars, or a device failure (the caller may fall back to the CPU).
    fn msm(&self, scalars: &[Fr], bases: &[G1Affine], id: Option<BasesId>) -> Result<G1>;
}
