//! The CLI's wrappers of `zkinfer::steps` (settings, SRS, device, proving key): the same
//! steps as `setup`, `prove`, `mock` and `receipt create` share, with the notes and progress the CLI shows around them.

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
    if settings.is_none() && !quiet {
        eprintln!("note: no --settings given; calibrating on this input (target {target:?})");
    }
    Ok(steps::settings_or_calibrate(model, settings, inputs, target)?)
}

/// The SRS for a circuit, warning when it is the development SRS.
pub fn srs_for(path: Option<&Path>, k: u32, quiet: bool) -> anyhow::Result<(Srs, String)> {
    let spinner = std::cell::RefCell::new(None);
    let (srs, label) = steps::srs_for_with(path, k, &|k| {
        *spinner.borrow_mut() = Some(super::spinner(
            &format!(
                "computing the SRS's Lagrange basis for k = {k} (once per SRS and size; cached)"
            ),
            quiet,
        ));
    })?;
    if let Some(sp) = spinner.into_inner() {
        sp.finish_and_clear();
    }
    if SrsOrigin::of_label(&label).is_insecure() && !quiet {
        eprintln!("warning: using an INSECURE development SRS; pass --srs with a ceremony SRS (`zkinfer srs import`) for production");
    }
    Ok((srs, label))
}

/// The MSM for `--device`, noting on stderr where it runs when that is not the CPU and why
/// `auto` fell back to the CPU when it did.
pub fn open_device(device: Device, quiet: bool) -> anyhow::Result<Selected> {
    if device == Device::Cpu {
        return Ok(steps::open_device(device)?);
    }
    let sp = super::spinner("opening the GPU and building its MSM pipelines", quiet);
    let selected = steps::open_device(device)?;
    sp.finish_and_clear();
    if !quiet {
        match &selected.fallback {
            Some(reason) => eprintln!("note: --device {device}: MSMs run on the CPU ({reason})"),
            None => eprintln!("note: MSMs run on {}", selected.msm.name()),
        }
    }
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
