//! The two hashes receipts use: SHA-256 for in-toto subjects and the log chain, Keccak-256 for
//! what Ethereum's `ecrecover` checks. Hex is the prover's (`zkinfer_prover::artifact`).

use sha2::{Digest, Sha256};
use sha3::Keccak256;
use zkinfer_prover::artifact::hex;

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
    }
}
