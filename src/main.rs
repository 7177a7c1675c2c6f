//! The `zkinfer` command line.

mod cli;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Zero-knowledge proofs of ONNX model inference.
#[derive(Parser)]
#[command(name = "zkinfer", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show every node of a model: op, shapes, parameters, support and estimated circuit cost.
    Inspect(cli::inspect::Args),
    /// Choose fixed-point scales from sample inputs and write settings.json.
    Calibrate(cli::calibrate::Args),
    /// Run the quantized model exactly and report its error against float inference.
    Run(cli::run::Args),
    /// List the supported ONNX operators.
    Ops(cli::ops::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(a) => cli::inspect::main(&a),
        Command::Calibrate(a) => cli::calibrate::main(&a),
        Command::Run(a) => cli::run::main(&a),
        Command::Ops(a) => cli::ops::main(&a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
