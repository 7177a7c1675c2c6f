//! Typed MSM and GPU errors. A GPU failure never panics across this crate's boundary: it is one
//! of these, and callers may fall back to the CPU.

/// Result of MSM and GPU operations.
pub type Result<T, E = MsmError> = std::result::Result<T, E>;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum MsmError {
    /// The caller passed fewer bases than scalars.
    #[error("MSM of {scalars} scalars needs at least as many bases, got {bases}")]
    Length {
        /// Scalars passed.
        scalars: usize,
        /// Bases passed.
        bases: usize,
    },
    /// No usable GPU adapter.
    #[error("no GPU adapter: {0}. Install a Vulkan, Metal or DX12 driver (on Linux without a GPU, Mesa's lavapipe: `apt-get install mesa-vulkan-drivers`), or use --device cpu")]
    NoAdapter(String),
    /// The adapter refused a device.
    #[error("GPU adapter {adapter} refused a device: {reason}")]
    DeviceRequest {
        /// Adapter name.
        adapter: String,
        /// wgpu's reason.
        reason: String,
    },
    /// A shader or pipeline failed to build (a driver or naga bug, or an adapter too limited).
    #[error("GPU pipeline {name} failed to build: {reason}")]
    Pipeline {
        /// Entry point.
        name: String,
        /// wgpu's reason.
        reason: String,
    },
    /// Validation, out-of-memory or device loss while running an MSM.
    #[error("GPU MSM failed: {0}")]
    Device(String),
    /// The GPU returned something that is not a curve point (a miscompiled kernel or faulty
    /// device); the result must not be used.
    #[error("GPU MSM returned an invalid result: {0}")]
    BadResult(String),
}
