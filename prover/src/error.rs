//! Prover errors.

use thiserror::Error;

/// What can go wrong with SRS files, keys and proofs.
#[derive(Debug, Error)]
pub enum ProverError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// Path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// A file is not the artifact it should be, or is corrupt.
    #[error("{path}: {reason}")]
    Format {
        /// Path.
        path: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// An artifact made for another circuit, tool version or size.
    #[error("{what} mismatch: {detail}")]
    Mismatch {
        /// Which property.
        what: String,
        /// Expected and found, with the fix.
        detail: String,
    },
    /// An SRS that fails its consistency checks.
    #[error("SRS check failed: {0}")]
    BadSrs(String),
    /// halo2 refused to build keys or a proof.
    #[error("halo2: {0}")]
    Halo2(String),
    /// The proof does not verify.
    #[error("proof rejected: {0}")]
    Rejected(String),
    /// Circuit layout error.
    #[error(transparent)]
    Circuit(#[from] zkinfer_circuits::CircuitError),
    /// Quantization or witness error.
    #[error(transparent)]
    Quant(#[from] zkinfer_quantize::QuantError),
    /// The processor lacks instructions this build's field arithmetic uses.
    #[error(
        "this processor lacks {missing}, which this build's BN254 field arithmetic uses (every \
         Intel CPU since Broadwell, 2014, and every AMD CPU since Zen, 2017, has them); to run \
         here, build zkinfer from source without halo2-axiom's `asm` feature (the x86_64 \
         dependency line in prover/Cargo.toml)"
    )]
    UnsupportedCpu {
        /// The missing instruction-set extensions, comma-separated.
        missing: String,
    },
}

/// Result alias.
pub type Result<T> = std::result::Result<T, ProverError>;
