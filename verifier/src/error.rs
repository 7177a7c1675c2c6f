//! Verifier errors.

use thiserror::Error;

/// What can go wrong generating, compiling or running an EVM verifier.
#[derive(Debug, Error)]
pub enum VerifierError {
    /// Reading keys or proofs failed.
    #[error(transparent)]
    Prover(#[from] zkinfer_prover::ProverError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// Path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The verifying key cannot be turned into a contract.
    #[error("cannot generate a Solidity verifier: {0}")]
    Generate(String),
    /// No usable Solidity compiler, or it rejected the source.
    #[error("solc: {0}")]
    Solc(String),
    /// The deployed verifier would exceed the EIP-170 code size limit.
    #[error(
        "the verifier's deployed code is {size} bytes, over the EIP-170 limit of {limit} bytes, \
         so no chain that enforces the limit will deploy it. Each gate lane costs ~1.5 KB of \
         verifier and each public instance ~170 bytes: fewer lanes (k grows instead), packed \
         (~12 values an instance) or hashed (one instance) outputs, a verifier split over \
         several contracts (one extra call per part), a chain without the limit, or native \
         verification get past it"
    )]
    TooLarge {
        /// Deployed code size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Calldata that cannot be encoded or decoded.
    #[error("calldata: {0}")]
    Calldata(String),
    /// The in-process EVM failed outside the verifier's own accept/reject decision.
    #[error("EVM: {0}")]
    Evm(String),
}

/// Result alias.
pub type Result<T> = std::result::Result<T, VerifierError>;
