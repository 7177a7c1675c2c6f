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
         so no chain that enforces the limit will deploy it. Options: recalibrate with fewer \
         gate lanes (`zkinfer calibrate --max-lanes N`, then setup and prove with those \
         settings: each lane is ~1.5 KB of verifier, k grows instead), pack or hash many \
         public values (`zkinfer calibrate --output-visibility packed`: ~12 values to an \
         instance, each instance ~170 bytes of verifier; or `hashed`: one instance), split the \
         verifier over \
         several contracts that each fit (`--split`; one extra call per part), deploy on a \
         chain or test network without the limit (`--allow-oversize` writes the contract anyway), or verify \
         natively (`zkinfer verify`)"
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
