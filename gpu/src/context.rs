//! The wgpu instance, adapter and device, with every wgpu error captured instead of panicking.

use crate::{MsmError, Result};
use std::sync::{Arc, Mutex};

/// How to open the GPU.
#[derive(Clone, Debug, Default)]
pub struct GpuOptions {
    /// Enable the backend's validation layer (Vulkan: the Khronos validation layer), and count
    /// every validation message it logs as an error. Also set by `ZKINFER_GPU_VALIDATION=1`.
    pub validation: bool,
    /// Fewest points an MSM needs for `--device auto` to run it on the GPU (smaller ones run
    /// on the CPU); `None` is [`crate::DEFAULT_MIN_GPU_POINTS`]. Also set by
    /// `ZKINFER_GPU_MIN_POINTS`. `--device gpu` sends every MSM to the GPU.
    pub min_gpu_points: Option<usize>,
}

impl GpuOptions {
    /// Options from the environment (`ZKINFER_GPU_VALIDATION`, `ZKINFER_GPU_MIN_POINTS`;
    /// wgpu's own `WGPU_BACKEND`, `WGPU_ADAPTER_NAME` and `WGPU_POWER_PREF` are honoured too).
    /// A `ZKINFER_GPU_MIN_POINTS` that is not a number is ignored with a warning.
    #[must_use]
    pub fn from_env() -> Self {
        let min_gpu_points = std::env::var("ZKINFER_GPU_MIN_POINTS").ok().and_then(|v| {
            let parsed = v.trim().parse().ok();
            if parsed.is_none() {
                log::warn!("ZKINFER_GPU_MIN_POINTS={v:?} is not a number of points; ignored");
            }
            parsed
        });
        Self {
            validation: std::env::var("ZKINFER_GPU_VALIDATION").is_ok_and(|v| v == "1"),
            min_gpu_points,
        }
    }
}

/// What an adapter is, for reports and for `auto`'s choice.
#[derive(Clone, Debug)]
pub struct AdapterReport {
    /// Adapter name.
    pub name: String,
    /// Backend (Vulkan, Metal, Dx12, ...).
    pub backend: String,
    /// Discrete, integrated, virtual or CPU (a software rasterizer such as lavapipe).
    pub device_type: String,
    /// Driver name.
    pub driver: String,
    /// Driver version string.
    pub driver_info: String,
    /// Largest storage buffer a shader may bind, bytes.
    pub max_storage_binding: u64,
    /// Largest buffer, bytes.
    pub max_buffer: u64,
    /// Largest dispatch along one dimension.
    pub max_workgroups_per_dimension: u32,
    /// Largest workgroup.
    pub max_invocations_per_workgroup: u32,
    /// Whether it is a software implementation (slower than the CPU MSM).
    pub software: bool,
}

impl AdapterReport {
    pub(crate) fn of(adapter: &wgpu::Adapter) -> Self {
        let info = adapter.get_info();
        let limits = adapter.limits();
        Self {
            name: info.name.clone(),
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            driver: info.driver.clone(),
            driver_info: info.driver_info.clone(),
            max_storage_binding: limits.max_storage_buffer_binding_size,
            max_buffer: limits.max_buffer_size,
            max_workgroups_per_dimension: limits.max_compute_workgroups_per_dimension,
            max_invocations_per_workgroup: limits.max_compute_invocations_per_workgroup,
            software: info.device_type == wgpu::DeviceType::Cpu,
        }
    }
}

impl std::fmt::Display for AdapterReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}, {}; driver {} {}; max storage binding {} MiB, max buffer {} MiB)",
            self.name,
            self.backend,
            self.device_type,
            self.driver,
            self.driver_info,
            self.max_storage_binding >> 20,
            self.max_buffer >> 20
        )
    }
}

pub(crate) fn instance(options: &GpuOptions) -> wgpu::Instance {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    // Not wgpu's debug-build default (validation plus shader debug info): debug info makes
    // naga emit an OpSource for WGSL that older Vulkan validation layers reject as invalid
    // SPIR-V, and validation only when asked for. WGPU_VALIDATION / WGPU_DEBUG still apply.
    desc.flags = wgpu::InstanceFlags::empty().with_env();
    if options.validation {
        desc.flags |= wgpu::InstanceFlags::VALIDATION;
    }
    wgpu::Instance::new(desc)
}

/// The adapter `--device gpu` opens: wgpu's high-performance choice (`WGPU_*` variables apply).
pub(crate) fn preferred_adapter(options: &GpuOptions) -> Result<wgpu::Adapter> {
    pollster::block_on(instance(options).request_adapter(&wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::HighPerformance,
        ..Default::default()
    }))
    .map_err(|e| MsmError::NoAdapter(e.to_string()))
}

/// An open device. Errors wgpu reports outside an error scope (and device loss) are recorded
/// here and turned into [`MsmError::Device`] by the next operation.
#[derive(Debug)]
pub struct GpuContext {
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    /// The adapter this context runs on.
    pub adapter: AdapterReport,
    pub(crate) limits: wgpu::Limits,
    failure: Arc<Mutex<Option<String>>>,
}

impl GpuContext {
    /// Opens the preferred adapter (high performance) with its full limits.
    ///
    /// # Errors
    /// No adapter, or the adapter refuses a device.
    pub fn new(options: &GpuOptions) -> Result<Self> {
        let adapter = preferred_adapter(options)?;
        let report = AdapterReport::of(&adapter);
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("zkinfer-msm"),
            required_limits: limits.clone(),
            ..Default::default()
        }))
        .map_err(|e| MsmError::DeviceRequest {
            adapter: report.name.clone(),
            reason: e.to_string(),
        })?;
        let failure = Arc::new(Mutex::new(None::<String>));
        let on_error = Arc::clone(&failure);
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            log::error!("wgpu: {e}");
            if let Ok(mut slot) = on_error.lock() {
                slot.get_or_insert_with(|| e.to_string());
            }
        }));
        let on_lost = Arc::clone(&failure);
        device.set_device_lost_callback(move |reason, message| {
            if let Ok(mut slot) = on_lost.lock() {
                slot.get_or_insert_with(|| format!("device lost ({reason:?}): {message}"));
            }
        });
        Ok(Self { device, queue, adapter: report, limits, failure })
    }

    /// The first error recorded since the device opened, if any.
    pub(crate) fn check(&self) -> Result<()> {
        match self.failure.lock() {
            Ok(slot) => slot.as_ref().map_or(Ok(()), |e| Err(MsmError::Device(e.clone()))),
            Err(_) => Err(MsmError::Device("error state poisoned".to_owned())),
        }
    }

    /// Runs `f` inside validation and out-of-memory error scopes and returns their errors.
    pub(crate) fn scoped<T>(&self, f: impl FnOnce() -> T) -> Result<T, String> {
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let value = f();
        let v = pollster::block_on(validation.pop());
        let o = pollster::block_on(oom.pop());
        match v.or(o) {
            Some(e) => Err(e.to_string()),
            None => Ok(value),
        }
    }
}
