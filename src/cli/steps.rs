//! The CLI's wrappers of `zkinfer::steps` (settings, SRS, device) for the commands that do not
//! run the whole [`zkinfer::flow`], and the [`Reporter`] that renders every step's notes and
//! spinners, theirs and the flow's alike.

use indicatif::ProgressBar;
use std::cell::RefCell;
use std::path::Path;
use zkinfer::flow::Progress;
use zkinfer::internals::prover::gpu::Selected;
use zkinfer::internals::prover::srs::{Srs, SrsOrigin};
use zkinfer::internals::quantize::{Settings, Target};
use zkinfer::{steps, Device, Model};

/// Settings from a file, or calibrated on the given inputs (announced on stderr).
pub fn settings_or_calibrate(
    model: &Model,
    settings: Option<&Path>,
    inputs: &[zkinfer::internals::model_import::Tensor],
    target: Target,
    quiet: bool,
) -> anyhow::Result<Settings> {
    if settings.is_none() {
        Reporter::new(quiet).show(&Progress::Calibrating(target));
    }
    Ok(steps::settings_or_calibrate(model, settings, inputs, target)?)
}

/// The SRS for a circuit, with a spinner while a larger SRS's Lagrange basis is computed and a
/// warning when it is the development SRS.
pub fn srs_for(path: Option<&Path>, k: u32, quiet: bool) -> anyhow::Result<(Srs, String)> {
    let reporter = Reporter::new(quiet);
    let (srs, label) = steps::srs_for_with(path, k, &|k| reporter.show(&Progress::Lagrange(k)))?;
    reporter.done();
    if SrsOrigin::of_label(&label).is_insecure() {
        reporter.show(&Progress::InsecureSrs);
    }
    Ok((srs, label))
}

/// The MSM for `--device`, noting on stderr where it runs when that is not the CPU and why
/// `auto` fell back to the CPU when it did.
pub fn open_device(device: Device, quiet: bool) -> anyhow::Result<Selected> {
    if device == Device::Cpu {
        return Ok(steps::open_device(device)?);
    }
    let reporter = Reporter::new(quiet);
    reporter.show(&Progress::OpeningDevice);
    let selected = steps::open_device(device)?;
    reporter.show(&Progress::Device {
        msm: selected.msm.name().to_string(),
        fallback: selected.fallback.clone(),
    });
    Ok(selected)
}

/// Renders [`Progress`] from [`zkinfer::flow::prove`] on stderr: notes as lines, long steps as
/// a spinner until the next event; nothing when `quiet`.
pub struct Reporter {
    quiet: bool,
    spinner: RefCell<Option<ProgressBar>>,
}

impl Reporter {
    pub fn new(quiet: bool) -> Self {
        Self { quiet, spinner: RefCell::new(None) }
    }

    pub fn show(&self, p: &Progress) {
        self.done();
        if self.quiet {
            return;
        }
        match p {
            Progress::InsecureSrs => eprintln!(
                "warning: using an INSECURE development SRS; pass --srs with a ceremony SRS \
                 (`zkinfer srs import`) for production"
            ),
            Progress::Calibrating(_) | Progress::Device { .. } => eprintln!("{p}"),
            _ => *self.spinner.borrow_mut() = Some(super::spinner(&p.to_string(), false)),
        }
    }

    /// Clears the spinner of the last step.
    pub fn done(&self) {
        if let Some(sp) = self.spinner.borrow_mut().take() {
            sp.finish_and_clear();
        }
    }
}
