//! The header every binary artifact starts with, so a file says what it is, which tool wrote
//! it and which circuit it belongs to; loading a mismatched one is a clear error.

use crate::error::{ProverError, Result};
use std::io::{Read, Write};

/// File magic.
pub const MAGIC: &[u8; 8] = b"ZKINFER\0";
/// Current binary format version. Version 4: keys of circuits built for constraint degree 5
/// (see `zkinfer_circuits::config::DEGREE`), whose commitments a version-3 key shares but whose
/// constraint system differs. Version 3: verifying keys are read whole and canonical
/// (their bytes are the model identity's preimage, see [`crate::identity`]) and proving keys
/// record that identity. Version 2 recorded the public-instance count. SRS files have not
/// changed since version 1, so every version of them is still read.
pub const FORMAT_VERSION: u16 = 4;

/// Artifact kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Structured reference string.
    Srs = 1,
    /// Verifying key.
    VerifyingKey = 2,
    /// Proving key.
    ProvingKey = 3,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::Srs => "SRS",
            Self::VerifyingKey => "verifying key",
            Self::ProvingKey => "proving key",
        }
    }
}

/// The header fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Artifact kind.
    pub kind: Kind,
    /// zkinfer version that wrote it.
    pub tool_version: String,
    /// Hash of the circuit (zeros for an SRS).
    pub circuit_hash: [u8; 32],
    /// log2 of the circuit size.
    pub k: u32,
    /// Free-form provenance, e.g. `dev-seed=…` for an insecure SRS.
    pub label: String,
}

impl Header {
    /// A header for this tool version.
    #[must_use]
    pub fn new(kind: Kind, circuit_hash: [u8; 32], k: u32, label: impl Into<String>) -> Self {
        Self {
            kind,
            tool_version: env!("CARGO_PKG_VERSION").into(),
            circuit_hash,
            k,
            label: label.into(),
        }
    }

    /// Writes the header.
    ///
    /// # Errors
    /// I/O errors.
    pub fn write(&self, w: &mut impl Write) -> std::io::Result<()> {
        w.write_all(MAGIC)?;
        w.write_all(&[self.kind as u8])?;
        w.write_all(&FORMAT_VERSION.to_le_bytes())?;
        for s in [&self.tool_version, &self.label] {
            let len = u16::try_from(s.len()).unwrap_or(u16::MAX);
            w.write_all(&len.to_le_bytes())?;
            w.write_all(&s.as_bytes()[..usize::from(len)])?;
        }
        w.write_all(&self.circuit_hash)?;
        w.write_all(&self.k.to_le_bytes())
    }

    /// Reads and checks a header of the `expected` kind; `path` names the file in errors.
    ///
    /// # Errors
    /// Not a zkinfer artifact, another kind, or an unsupported format version.
    pub fn read(r: &mut impl Read, expected: Kind, path: &str) -> Result<Self> {
        let bad = |reason: String| ProverError::Format { path: path.to_string(), reason };
        let mut magic = [0u8; 8];
        r.read_exact(&mut magic)
            .map_err(|_| bad("file too short to be a zkinfer artifact".into()))?;
        if &magic != MAGIC {
            return Err(bad(format!("not a zkinfer {} (bad magic)", expected.name())));
        }
        let mut kind = [0u8; 1];
        let mut version = [0u8; 2];
        r.read_exact(&mut kind)
            .and_then(|()| r.read_exact(&mut version))
            .map_err(|e| bad(e.to_string()))?;
        if kind[0] != expected as u8 {
            let found = [Kind::Srs, Kind::VerifyingKey, Kind::ProvingKey]
                .into_iter()
                .find(|k| *k as u8 == kind[0]);
            return Err(bad(format!(
                "expected a {}, found {}",
                expected.name(),
                found.map_or("an unknown artifact", Kind::name)
            )));
        }
        let version = u16::from_le_bytes(version);
        let old_srs = expected == Kind::Srs && (1..FORMAT_VERSION).contains(&version);
        if version < FORMAT_VERSION && expected != Kind::Srs {
            let why = if version == 3 {
                "whose circuits had another constraint system (degree 4)"
            } else {
                "whose model identity did not cover the whole key (plan, SRS points, constraint \
                 system)"
            };
            return Err(bad(format!(
                "format version {version}: this {} was made by an older zkinfer, {why}; re-run \
                 `zkinfer setup` and prove again",
                expected.name()
            )));
        }
        if version != FORMAT_VERSION && !old_srs {
            return Err(bad(format!("format version {version} is not supported by this zkinfer (reads {FORMAT_VERSION}); regenerate it")));
        }
        let mut strings = Vec::new();
        for _ in 0..2 {
            let mut len = [0u8; 2];
            r.read_exact(&mut len).map_err(|e| bad(e.to_string()))?;
            let mut buf = vec![0u8; usize::from(u16::from_le_bytes(len))];
            r.read_exact(&mut buf).map_err(|e| bad(e.to_string()))?;
            strings.push(String::from_utf8_lossy(&buf).into_owned());
        }
        let mut circuit_hash = [0u8; 32];
        let mut k = [0u8; 4];
        r.read_exact(&mut circuit_hash)
            .and_then(|()| r.read_exact(&mut k))
            .map_err(|e| bad(e.to_string()))?;
        let label = strings.pop().unwrap_or_default();
        let tool_version = strings.pop().unwrap_or_default();
        Ok(Self { kind: expected, tool_version, circuit_hash, k: u32::from_le_bytes(k), label })
    }

    /// Checks the circuit hash against the circuit at hand.
    ///
    /// # Errors
    /// On mismatch, with both hashes and the fix.
    pub fn expect_circuit(&self, hash: &[u8; 32]) -> Result<()> {
        if &self.circuit_hash != hash {
            return Err(ProverError::Mismatch {
                what: "circuit".into(),
                detail: format!(
                    "this {} belongs to circuit {}, but the model and settings give circuit {}; re-run `zkinfer setup`",
                    self.kind.name(),
                    hex(&self.circuit_hash),
                    hex(hash)
                ),
            });
        }
        Ok(())
    }
}

/// Lower-case hex.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why text is not hex.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    /// Hex encodes whole bytes, two digits each.
    #[error("hex has an odd number of digits ({0})")]
    OddLength(usize),
    /// A character outside `0-9a-fA-F`.
    #[error("'{digit}' at position {position} is not a hex digit")]
    BadDigit {
        /// The character.
        digit: char,
        /// Its position after any `0x` prefix.
        position: usize,
    },
}

/// Decodes hex, with or without a `0x` prefix.
///
/// # Errors
/// [`HexError`]: the first bad digit, or an odd length.
pub fn unhex(s: &str) -> std::result::Result<Vec<u8>, HexError> {
    let s = s.trim();
    let s = s.strip_prefix("0x").unwrap_or(s);
    if !s.len().is_multiple_of(2) {
        return Err(HexError::OddLength(s.len()));
    }
    let digit = |i: usize, c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
            .ok_or(HexError::BadDigit { digit: char::from(c), position: i })
    };
    s.as_bytes()
        .chunks(2)
        .enumerate()
        .map(|(i, p)| Ok(digit(2 * i, p[0])? << 4 | digit(2 * i + 1, p[1])?))
        .collect()
}

/// Writes `path` through `write`, which is handed a file name beside it unique to this process
/// and call, then renames that file into place. A concurrent reader (parts proven on threads or
/// Ray workers sharing a key cache) sees the old file or the whole new one, never half of one;
/// a failed write leaves no temporary behind.
///
/// # Errors
/// `write`'s error, or [`ProverError::Io`] when the rename fails.
pub fn write_aside<T>(
    path: &std::path::Path,
    write: impl FnOnce(&std::path::Path) -> Result<T>,
) -> Result<T> {
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}-{call}", std::process::id()));
    let tmp = path.with_file_name(name);
    let done = write(&tmp).and_then(|value| {
        std::fs::rename(&tmp, path)
            .map(|()| value)
            .map_err(|source| ProverError::Io { path: path.display().to_string(), source })
    });
    if done.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    done
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod write_aside_tests {
    use super::*;

    #[test]
    fn a_file_appears_whole_and_a_failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, b"old").unwrap();
        let seen = write_aside(&path, |tmp| {
            std::fs::write(tmp, b"new").unwrap();
            // Until the rename, readers see the old file.
            Ok(std::fs::read(&path).unwrap())
        })
        .unwrap();
        assert_eq!(seen, b"old");
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let failed: Result<()> = write_aside(&path, |tmp| {
            std::fs::write(tmp, b"half").unwrap();
            Err(ProverError::Format { path: "key".into(), reason: "stopped".into() })
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "{left:?}");
    }
}
