//! Errors of receipts, keys and logs: each says what failed and, where it helps, how to fix it.

/// Receipt, key and log errors.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// File path.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A receipt, envelope, key or log line is malformed.
    #[error("{what}: {reason}")]
    Format {
        /// What was being read.
        what: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A signing key could not be used.
    #[error("signing key: {0}")]
    Key(String),
    /// A signature does not verify.
    #[error("signature: {0}")]
    Signature(String),
    /// The log's hash chain is broken.
    #[error("log {path}: {reason}")]
    Log {
        /// Log file.
        path: String,
        /// The first problem found, naming the entry.
        reason: String,
    },
}

impl ReceiptError {
    /// An I/O error on `path`.
    pub fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io { path: path.display().to_string(), source }
    }

    /// A format error.
    pub fn format(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Format { what: what.into(), reason: reason.into() }
    }
}

/// Result alias.
pub type Result<T> = std::result::Result<T, ReceiptError>;
