//! `--device cpu|gpu|auto`: which MSM to use, and a report of what this machine offers.

use crate::context::{instance, preferred_adapter, AdapterReport, GpuOptions};
use crate::routed::{Routed, DEFAULT_MIN_GPU_POINTS};
use crate::{CpuMsm, Msm, Result, WgpuMsm};
use std::sync::Arc;

/// Where MSMs run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Device {
    /// Always the CPU.
    #[default]
    Cpu,
    /// The GPU, or an error saying why not.
    Gpu,
    /// A hardware GPU when there is one, for MSMs large enough to gain ([`crate::Routed`]);
    /// otherwise the CPU, with the reason.
    Auto,
}

/// A device name other than `cpu`, `gpu` or `auto`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown device {0:?}: expected cpu, gpu or auto")]
pub struct UnknownDevice(pub String);

impl std::str::FromStr for Device {
    type Err = UnknownDevice;
    fn from_str(s: &str) -> std::result::Result<Self, UnknownDevice> {
        match s {
            "cpu" => Ok(Self::Cpu),
            "gpu" => Ok(Self::Gpu),
            "auto" => Ok(Self::Auto),
            other => Err(UnknownDevice(other.to_string())),
        }
    }
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Cpu => "cpu",
            Self::Gpu => "gpu",
            Self::Auto => "auto",
        })
    }
}

/// The MSM chosen for a device request.
#[derive(Clone, Debug)]
pub struct Selected {
    /// The implementation.
    pub msm: Arc<dyn Msm>,
    /// Why `auto` chose the CPU, when it did.
    pub fallback: Option<String>,
}

/// Opens the MSM for `device`. `Gpu` accepts any adapter, a software one too (that is how CI
/// tests the kernels), and sends it every MSM; `Auto` takes only hardware, since a software
/// rasterizer is slower than the CPU MSM, and sends it only MSMs large enough to gain
/// ([`Routed`]; `options.min_gpu_points`).
///
/// # Errors
/// `Gpu` without a working adapter.
pub fn select(device: Device, options: &GpuOptions) -> Result<Selected> {
    match device {
        Device::Cpu => Ok(Selected { msm: Arc::new(CpuMsm), fallback: None }),
        Device::Gpu => Ok(Selected { msm: Arc::new(WgpuMsm::new(options)?), fallback: None }),
        Device::Auto => {
            let cpu = |reason: String| {
                log::info!("MSM on the CPU: {reason}");
                Ok(Selected { msm: Arc::new(CpuMsm), fallback: Some(reason) })
            };
            match preferred(options) {
                Err(e) => cpu(e.to_string()),
                Ok(report) if report.software => cpu(format!(
                    "the only adapter is a software implementation ({}), slower than the CPU MSM",
                    report.name
                )),
                Ok(_) => match WgpuMsm::new(options) {
                    Ok(msm) => {
                        let min = options.min_gpu_points.unwrap_or(DEFAULT_MIN_GPU_POINTS);
                        Ok(Selected {
                            msm: Arc::new(Routed::new(Arc::new(msm), min)),
                            fallback: None,
                        })
                    }
                    Err(e) => cpu(e.to_string()),
                },
            }
        }
    }
}

/// The adapter `gpu` would open.
fn preferred(options: &GpuOptions) -> Result<AdapterReport> {
    preferred_adapter(options).map(|a| AdapterReport::of(&a))
}

/// What `zkinfer doctor` prints.
#[derive(Debug)]
pub struct DoctorReport {
    /// Every adapter found.
    pub adapters: Vec<AdapterReport>,
    /// What `--device gpu` would open, or why it cannot.
    pub gpu: crate::Result<AdapterReport>,
    /// What `--device auto` would use, and why.
    pub auto: String,
}

/// Describes the adapters and what each device choice would do. Opens no device.
#[must_use]
pub fn doctor(options: &GpuOptions) -> DoctorReport {
    let adapters = pollster::block_on(instance(options).enumerate_adapters(wgpu::Backends::all()))
        .iter()
        .map(AdapterReport::of)
        .collect();
    let gpu = preferred(options);
    let auto = match &gpu {
        Ok(a) if !a.software => format!(
            "gpu ({}) for MSMs of at least {} points, cpu below and for small integers",
            a.name,
            options.min_gpu_points.unwrap_or(DEFAULT_MIN_GPU_POINTS)
        ),
        Ok(a) => format!("cpu: the only adapter is a software implementation ({})", a.name),
        Err(e) => format!("cpu: {e}"),
    };
    DoctorReport { adapters, gpu, auto }
}

impl std::fmt::Display for DoctorReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "adapters: {}", self.adapters.len())?;
        for a in &self.adapters {
            writeln!(f, "  - {a}")?;
            writeln!(
                f,
                "    workgroups per dimension {}, invocations per workgroup {}",
                a.max_workgroups_per_dimension, a.max_invocations_per_workgroup
            )?;
        }
        match &self.gpu {
            Ok(a) => writeln!(f, "--device gpu: {}", a.name)?,
            Err(e) => writeln!(f, "--device gpu: unavailable: {e}")?,
        }
        write!(f, "--device auto: {}", self.auto)
    }
}
