//! zkinfer: zero-knowledge proofs of ONNX model inference.
//!
//! This crate is the facade over the pipeline crates and the home of the `zkinfer` CLI:
//! [`Model::load`] imports an ONNX file, [`Model::calibrate`] chooses fixed-point scales,
//! [`Compiled::new`] builds its circuit, [`flow::prove`] proves an inference into a
//! [`ProofFile`], [`steps::verify_file`] checks one, and [`receipts`] signs decisions over
//! proofs. Everything else of the pipeline crates is under [`internals`].

pub mod bundle;
pub mod flow;
mod hint;
pub mod onchain;
mod pipeline;
mod proving;
pub mod receipts;
pub mod registry;
pub mod steps;

pub use hint::{quant_hints, verifier_hints, Hint};
pub use pipeline::{report, run, Model, OutputReport, RunReport};
pub use proving::{cache_dir, dev_srs_cached, with_lagrange_cached, Compiled, DEV_SEED};
pub use zkinfer_model_import::Tensor;
pub use zkinfer_prover::gpu::Device;
pub use zkinfer_prover::proof_file::ProofFile;
pub use zkinfer_quantize::{Settings, Target};

/// The pipeline's library crates, for what the facade does not cover: chips, keys, the
/// Solidity generator, the receipt format. Their APIs follow the pipeline's needs and change
/// with it; the types above and the `flow`, `receipts`, `onchain` and `registry` modules are
/// the stable surface.
pub mod internals {
    pub use zkinfer_circuits as circuits;
    pub use zkinfer_model_import as model_import;
    pub use zkinfer_prover as prover;
    pub use zkinfer_quantize as quantize;
    pub use zkinfer_receipts as receipt_format;
    pub use zkinfer_verifier as verifier;
}

/// Errors of the facade: import, quantization and I/O, each already naming what failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Import or float-evaluation error.
    #[error(transparent)]
    Import(#[from] zkinfer_model_import::ImportError),
    /// Quantization or integer-evaluation error.
    #[error(transparent)]
    Quant(#[from] zkinfer_quantize::QuantError),
    /// Circuit layout error.
    #[error(transparent)]
    Circuit(#[from] zkinfer_circuits::CircuitError),
    /// Keys, SRS or proof error.
    #[error(transparent)]
    Prover(#[from] zkinfer_prover::ProverError),
    /// Solidity generation, compilation or EVM error.
    #[error(transparent)]
    Verifier(#[from] zkinfer_verifier::VerifierError),
    /// Receipt, signing key or log error.
    #[error(transparent)]
    Receipt(#[from] zkinfer_receipts::ReceiptError),
    /// The requested MSM device could not be opened.
    #[error(transparent)]
    Gpu(#[from] zkinfer_prover::gpu::MsmError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// File path.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A request that asks for something impossible or contradictory (say, a negative memory
    /// budget); the message names the option and what it takes.
    #[error("{0}")]
    Request(String),
}

/// Result alias for the facade.
pub type Result<T> = std::result::Result<T, Error>;
