//! Subcommands and their shared helpers.

pub mod calibrate;
pub mod doctor;
pub mod evm;
mod evm_bundle;
pub mod hash;
pub mod inspect;
pub mod keygen;
pub mod log;
pub mod mock;
pub mod ops;
pub mod partition;
pub mod prove;
pub mod receipt;
pub mod reference;
pub mod run;
pub mod setup;
pub mod srs;
pub mod steps;
pub mod verify;

use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::time::Duration;

/// The model and input every inference command takes.
#[derive(clap::Args)]
pub struct ModelInput {
    /// ONNX model.
    pub model: PathBuf,
    /// Input in the `{"input_data": [[...]]}` layout.
    #[arg(long)]
    pub input: PathBuf,
    /// Value for a symbolic batch dimension.
    #[arg(long, default_value_t = 1)]
    pub batch: usize,
}

impl ModelInput {
    /// Loads the model and reads the input.
    pub fn load(
        &self,
    ) -> anyhow::Result<(zkinfer::Model, Vec<zkinfer::internals::model_import::Tensor>)> {
        let model = zkinfer::Model::load(&self.model, self.batch)?;
        let inputs = model.read_input(&self.input)?;
        Ok((model, inputs))
    }
}

/// Prints rows as an aligned text table (first row is the header).
pub fn print_table(rows: &[Vec<String>]) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| r.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0))
        .collect();
    for (i, r) in rows.iter().enumerate() {
        let line: Vec<String> =
            r.iter().enumerate().map(|(c, s)| format!("{s:<w$}", w = widths[c])).collect();
        println!("{}", line.join("  ").trim_end());
        if i == 0 {
            println!("{}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
        }
    }
}

/// A spinner on stderr for a step that may take a while; hidden with `--json` or when
/// stderr is not a terminal.
pub fn spinner(msg: &str, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner().with_message(msg.to_string());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

/// A progress bar over `len` items on stderr.
pub fn bar(len: usize, msg: &str, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len as u64).with_message(msg.to_string());
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed})") {
        pb.set_style(style.progress_chars("=> "));
    }
    pb
}

/// Shape as `1x3x28x28`.
pub fn shape_str(s: &[usize]) -> String {
    if s.is_empty() {
        return "scalar".into();
    }
    s.iter().map(ToString::to_string).collect::<Vec<_>>().join("x")
}

/// `bytes` as GiB with two decimals.
fn gib_text(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let gib = bytes as f64 / f64::from(1u32 << 30);
    format!("{gib:.2} GiB")
}
