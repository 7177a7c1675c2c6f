//! The two hashes receipts use: SHA-256 for in-toto subjects and the log chain, Keccak-256 for
//! what Ethereum's `ecrecover` checks.

use sha2::{Digest, Sha256};
use sha3::Keccak256;

/// SHA-256 as lowercase hex.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Keccak-256 (Ethereum's hash).
#[must_use]
pub fn keccak256(bytes: &[u8]) -> [u8; 32] {
    Keccak256::digest(bytes).into()
}

/// Lowercase hex without a prefix.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Parses hex (an optional `0x` prefix allowed).
///
/// # Errors
/// A message naming the first bad character or an odd length.
pub fn unhex(text: &str) -> std::result::Result<Vec<u8>, String> {
    let t = text.strip_prefix("0x").unwrap_or(text);
    if !t.len().is_multiple_of(2) {
        return Err(format!("odd number of hex digits ({})", t.len()));
    }
    (0..t.len())
        .step_by(2)
        .map(|i| {
            t.get(i..i + 2)
                .and_then(|d| u8::from_str_radix(d, 16).ok())
                .ok_or_else(|| format!("not hex at position {i}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&keccak256(b"")),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
        assert_eq!(unhex("0x00ff").unwrap(), vec![0, 255]);
        assert!(unhex("abc").is_err());
        assert!(unhex("zz").is_err());
    }
}
