//! The `zkinfer` command line.

mod cli;

use clap::{CommandFactory, Parser, Subcommand};
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
    /// Generate or import a structured reference string.
    Srs(cli::srs::Args),
    /// Generate the proving and verifying keys of a model and its settings.
    Setup(cli::setup::Args),
    /// Choose where to cut a model for a proof in parts; write the plan (settings and cuts).
    Partition(cli::partition::Args),
    /// Prove an inference (one-shot: `zkinfer prove MODEL --input input.json`).
    Prove(cli::prove::Args),
    /// Verify a proof.json with a verifying key.
    Verify(cli::verify::Args),
    /// Print the Poseidon digests of an input and its outputs (what hashed visibility
    /// publishes).
    Hash(cli::hash::Args),
    /// Check the circuit with halo2's MockProver and list failing constraints.
    Mock(cli::mock::Args),
    /// Write a Solidity verifier (plus ABI and bytecode) for a verifying key.
    CreateEvmVerifier(cli::evm::CreateArgs),
    /// Turn a proof.json into the calldata the Solidity verifier takes.
    EncodeCalldata(cli::evm::EncodeArgs),
    /// Deploy the Solidity verifier on an in-process EVM and verify a proof with it.
    VerifyEvm(cli::evm::VerifyArgs),
    /// Signed decision receipts over proofs: create, verify, replay, commit-input.
    #[command(subcommand)]
    Receipt(cli::receipt::Command),
    /// Append-only, hash-chained log of receipts: append, checkpoint, verify, show.
    #[command(subcommand)]
    Log(cli::log::Command),
    /// Generate a signing key for receipts (secp256k1 or Ed25519).
    Keygen(cli::keygen::Args),
    /// Show the GPU adapters, their limits and drivers, and what --device would choose.
    Doctor(cli::doctor::Args),
    /// Print the command-line reference (docs/cli.md) as Markdown.
    #[command(hide = true)]
    CliReference,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = zkinfer::internals::prover::cpu::check() {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let result = match cli.command {
        Command::Inspect(a) => cli::inspect::main(&a),
        Command::Calibrate(a) => cli::calibrate::main(&a),
        Command::Run(a) => cli::run::main(&a),
        Command::Ops(a) => cli::ops::main(&a),
        Command::Srs(a) => cli::srs::main(&a),
        Command::Setup(a) => cli::setup::main(&a),
        Command::Partition(a) => cli::partition::main(&a),
        Command::Prove(a) => cli::prove::main(&a),
        Command::Verify(a) => cli::verify::main(&a),
        Command::Hash(a) => cli::hash::main(&a),
        Command::Mock(a) => cli::mock::main(&a),
        Command::CreateEvmVerifier(a) => cli::evm::create(&a),
        Command::EncodeCalldata(a) => cli::evm::encode(&a),
        Command::VerifyEvm(a) => cli::evm::verify(&a),
        Command::Receipt(c) => cli::receipt::main(&c),
        Command::Log(c) => cli::log::main(&c),
        Command::Keygen(a) => cli::keygen::main(&a),
        Command::Doctor(a) => cli::doctor::main(&a),
        Command::CliReference => {
            print!("{}", cli::reference::markdown(&Cli::command()));
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            for h in hints(&e) {
                eprintln!("hint: {}", h.cli());
            }
            ExitCode::FAILURE
        }
    }
}

/// What the user can change to get past an error, whichever layer raised it.
fn hints(e: &anyhow::Error) -> &'static [zkinfer::Hint] {
    e.chain()
        .find_map(|c| {
            c.downcast_ref::<zkinfer::Error>()
                .map(zkinfer::Error::hints)
                .or_else(|| {
                    c.downcast_ref::<zkinfer::internals::quantize::QuantError>()
                        .map(zkinfer::quant_hints)
                })
                .or_else(|| {
                    c.downcast_ref::<zkinfer::internals::verifier::VerifierError>()
                        .map(zkinfer::verifier_hints)
                })
        })
        .unwrap_or(&[])
}
