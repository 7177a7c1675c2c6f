//! Signing keys: secp256k1 (an Ethereum address as its key id, so a contract can check a
//! signature with `ecrecover`) and Ed25519 (a public key as its key id). Secrets live in a file
//! only its owner can read, or in an environment variable; they are never printed, and a key's
//! `Debug` shows its key id only.

use crate::digest::keccak256;
use crate::error::{ReceiptError, Result};
use k256::ecdsa::{RecoveryId, Signature as EcdsaSignature, SigningKey as EcdsaKey, VerifyingKey};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::path::Path;
use zkinfer_prover::artifact::{hex, unhex};

/// File magic of a key file.
pub const KEY_FORMAT: &str = "zkinfer-signing-key";
/// Environment variable a key may come from instead of a file: `secp256k1:<hex>` or
/// `ed25519:<hex>`.
pub const KEY_ENV: &str = "ZKINFER_SIGNING_KEY";

/// Signature scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// ECDSA over secp256k1 on the Keccak-256 of the message; 65-byte `r ‖ s ‖ v` signatures,
    /// as Ethereum's `ecrecover` takes them.
    Secp256k1,
    /// Ed25519 on the message itself.
    Ed25519,
}

impl std::str::FromStr for Scheme {
    type Err = ReceiptError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "secp256k1" => Ok(Self::Secp256k1),
            "ed25519" => Ok(Self::Ed25519),
            other => Err(ReceiptError::Key(format!(
                "unknown signature scheme '{other}' (secp256k1 or ed25519)"
            ))),
        }
    }
}

impl std::fmt::Display for Scheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Secp256k1 => "secp256k1",
            Self::Ed25519 => "ed25519",
        })
    }
}

/// A secret signing key.
#[derive(Clone)]
pub enum Signer {
    /// secp256k1.
    Secp256k1(EcdsaKey),
    /// Ed25519.
    Ed25519(ed25519_dalek::SigningKey),
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({})", self.key_id())
    }
}

/// What a key file holds.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    format: String,
    scheme: Scheme,
    /// The public key id, so a reader can tell whose key this is without the secret.
    key_id: String,
    secret: String,
}

impl Signer {
    /// A fresh key from the operating system's randomness.
    #[must_use]
    pub fn generate(scheme: Scheme) -> Self {
        loop {
            let mut secret = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut secret);
            // A secp256k1 secret must be below the group order: retry the ~2^-128 case.
            if let Ok(key) = Self::from_secret(scheme, &secret) {
                return key;
            }
        }
    }

    /// A key from its 32 secret bytes.
    ///
    /// # Errors
    /// [`ReceiptError::Key`] for a wrong length or an invalid secp256k1 scalar.
    pub fn from_secret(scheme: Scheme, secret: &[u8]) -> Result<Self> {
        let bytes: [u8; 32] = secret.try_into().map_err(|_| {
            ReceiptError::Key(format!("a secret key is 32 bytes, this one {}", secret.len()))
        })?;
        match scheme {
            Scheme::Secp256k1 => EcdsaKey::from_bytes(&bytes.into())
                .map(Self::Secp256k1)
                .map_err(|_| ReceiptError::Key("not a valid secp256k1 secret".into())),
            Scheme::Ed25519 => Ok(Self::Ed25519(ed25519_dalek::SigningKey::from_bytes(&bytes))),
        }
    }

    /// The scheme.
    #[must_use]
    pub fn scheme(&self) -> Scheme {
        match self {
            Self::Secp256k1(_) => Scheme::Secp256k1,
            Self::Ed25519(_) => Scheme::Ed25519,
        }
    }

    /// The public key id: `0x` and the Ethereum address for secp256k1, `ed25519:` and the
    /// public key for Ed25519.
    #[must_use]
    pub fn key_id(&self) -> String {
        match self {
            Self::Secp256k1(k) => address_of(k.verifying_key()),
            Self::Ed25519(k) => format!("ed25519:{}", hex(k.verifying_key().as_bytes())),
        }
    }

    fn secret_hex(&self) -> String {
        match self {
            Self::Secp256k1(k) => hex(&k.to_bytes()),
            Self::Ed25519(k) => hex(k.as_bytes()),
        }
    }

    /// Signs `message` (secp256k1: its Keccak-256).
    ///
    /// # Errors
    /// [`ReceiptError::Key`] if the ECDSA signer fails (it does not for a valid key).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        match self {
            Self::Secp256k1(k) => {
                let (sig, recid) = k
                    .sign_prehash_recoverable(&keccak256(message))
                    .map_err(|e| ReceiptError::Key(format!("ECDSA signing failed: {e}")))?;
                let mut out = sig.to_bytes().to_vec();
                out.push(27 + recid.to_byte());
                Ok(out)
            }
            Self::Ed25519(k) => {
                use ed25519_dalek::Signer as _;
                Ok(k.sign(message).to_bytes().to_vec())
            }
        }
    }

    /// Writes the key to a new file only its owner can read and write. An existing file is
    /// never overwritten: losing a signing key is not undoable.
    ///
    /// # Errors
    /// [`ReceiptError::Io`] if the file exists or cannot be written.
    pub fn write(&self, path: &Path) -> Result<()> {
        use std::io::Write;
        let file = KeyFile {
            format: KEY_FORMAT.into(),
            scheme: self.scheme(),
            key_id: self.key_id(),
            secret: self.secret_hex(),
        };
        let text = serde_json::to_string_pretty(&file)
            .map_err(|e| ReceiptError::Key(format!("cannot serialise the key: {e}")))?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(path).map_err(|e| ReceiptError::io(path, e))?;
        f.write_all(text.as_bytes())
            .and_then(|()| f.write_all(b"\n"))
            .and_then(|()| f.sync_all())
            .map_err(|e| ReceiptError::io(path, e))
    }

    /// Reads a key file written by [`Signer::write`]. On Unix a file others can read is
    /// refused, as ssh refuses one.
    ///
    /// # Errors
    /// [`ReceiptError::Io`] or [`ReceiptError::Key`] saying what is wrong and how to fix it.
    pub fn read(path: &Path) -> Result<Self> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(path).map_err(|e| ReceiptError::io(path, e))?;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(ReceiptError::Key(format!(
                    "{} is readable by others (mode {mode:o}); run `chmod 600 {}`",
                    path.display(),
                    path.display()
                )));
            }
        }
        let text = std::fs::read_to_string(path).map_err(|e| ReceiptError::io(path, e))?;
        let file: KeyFile = serde_json::from_str(&text).map_err(|e| {
            ReceiptError::Key(format!("{} is not a zkinfer key file: {e}", path.display()))
        })?;
        if file.format != KEY_FORMAT {
            return Err(ReceiptError::Key(format!(
                "{} is a '{}' file, not a '{KEY_FORMAT}'",
                path.display(),
                file.format
            )));
        }
        let key = Self::from_secret(file.scheme, &secret_bytes(&file.secret)?)?;
        if key.key_id() != file.key_id {
            return Err(ReceiptError::Key(format!(
                "{}: the secret belongs to {}, the file says {}",
                path.display(),
                key.key_id(),
                file.key_id
            )));
        }
        Ok(key)
    }

    /// Parses `scheme:hex-secret`, the form [`KEY_ENV`] takes.
    ///
    /// # Errors
    /// [`ReceiptError::Key`] naming the problem (never echoing the secret).
    pub fn parse(text: &str) -> Result<Self> {
        let (scheme, secret) = text.trim().split_once(':').ok_or_else(|| {
            ReceiptError::Key("expected 'secp256k1:<hex secret>' or 'ed25519:<hex secret>'".into())
        })?;
        let scheme: Scheme = scheme.parse()?;
        Self::from_secret(scheme, &secret_bytes(secret)?)
    }

    /// The key from `path`, else from the [`KEY_ENV`] environment variable.
    ///
    /// # Errors
    /// As [`Signer::read`] and [`Signer::parse`]; [`ReceiptError::Key`] if neither is given.
    pub fn from_file_or_env(path: Option<&Path>) -> Result<Self> {
        if let Some(p) = path {
            return Self::read(p);
        }
        match std::env::var(KEY_ENV) {
            Ok(text) => Self::parse(&text),
            Err(_) => Err(ReceiptError::Key(format!(
                "no signing key: pass --key FILE (from `zkinfer keygen`) or set {KEY_ENV}"
            ))),
        }
    }
}

/// Decodes a hex secret. The shared decoder names the offending digit in its error, which for a
/// secret would print part of it; this one says only that it is not hex.
fn secret_bytes(text: &str) -> Result<Vec<u8>> {
    unhex(text).map_err(|_| ReceiptError::Key("the secret is not 64 hex digits".into()))
}

/// The `0x`-prefixed lowercase Ethereum address of a public key.
fn address_of(key: &VerifyingKey) -> String {
    let point = key.to_encoded_point(false);
    let digest = keccak256(point.as_bytes().get(1..).unwrap_or_default());
    format!("0x{}", hex(&digest[12..]))
}

/// Checks that `sig` is `key_id`'s signature of `message`.
///
/// # Errors
/// [`ReceiptError::Signature`] saying why not.
pub fn verify(key_id: &str, message: &[u8], sig: &[u8]) -> Result<()> {
    let bad = |why: String| Err(ReceiptError::Signature(why));
    if let Some(public) = key_id.strip_prefix("ed25519:") {
        let bytes: [u8; 32] = match unhex(public).ok().and_then(|b| b.try_into().ok()) {
            Some(b) => b,
            None => return bad(format!("key id {key_id} is not an Ed25519 public key")),
        };
        let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&bytes) else {
            return bad(format!("key id {key_id} is not a valid Ed25519 point"));
        };
        let Ok(sig) = ed25519_dalek::Signature::from_slice(sig) else {
            return bad(format!("an Ed25519 signature is 64 bytes, this one {}", sig.len()));
        };
        return key
            .verify_strict(message, &sig)
            .or_else(|_| bad(format!("not a signature of {key_id}")));
    }
    if key_id.len() != 42 || !key_id.starts_with("0x") || unhex(key_id).is_err() {
        return bad(format!(
            "key id '{key_id}' is neither an Ethereum address (0x + 40 hex digits) nor ed25519:<hex>"
        ));
    }
    let recovered = recover(message, sig)?;
    if recovered != key_id.to_ascii_lowercase() {
        return bad(format!("signed by {recovered}, not by {key_id}"));
    }
    Ok(())
}

/// The address whose key made the 65-byte secp256k1 signature `sig` of `message`.
///
/// # Errors
/// [`ReceiptError::Signature`] for a malformed or high-s signature (both forms of one
/// signature must not count as two).
pub fn recover(message: &[u8], sig: &[u8]) -> Result<String> {
    recover_address(message, sig).map_err(ReceiptError::Signature)
}

fn recover_address(message: &[u8], sig: &[u8]) -> std::result::Result<String, String> {
    let [rs @ .., v] = sig else {
        return Err("empty signature".into());
    };
    if rs.len() != 64 {
        return Err(format!("a secp256k1 signature is 65 bytes, this one {}", sig.len()));
    }
    // Only 27 or 28, as Ethereum writes them: one signature, one byte form.
    let recid = match v {
        27 | 28 => RecoveryId::from_byte(v - 27),
        _ => None,
    }
    .ok_or_else(|| format!("recovery byte {v} is not 27 or 28"))?;
    let ecdsa = EcdsaSignature::from_slice(rs).map_err(|_| "r or s out of range".to_string())?;
    if ecdsa.normalize_s().is_some() {
        return Err("s is in the upper half of the order (a malleated signature)".into());
    }
    let key = VerifyingKey::recover_from_prehash(&keccak256(message), &ecdsa, recid)
        .map_err(|_| "no public key recovers from this signature".to_string())?;
    Ok(address_of(&key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_both_schemes() {
        for scheme in [Scheme::Secp256k1, Scheme::Ed25519] {
            let k = Signer::generate(scheme);
            let sig = k.sign(b"hello").unwrap();
            verify(&k.key_id(), b"hello", &sig).unwrap();
            assert!(verify(&k.key_id(), b"hellp", &sig).is_err());
            let other = Signer::generate(scheme);
            assert!(verify(&other.key_id(), b"hello", &sig).is_err());
            for i in 0..sig.len() {
                let mut bad = sig.clone();
                bad[i] ^= 1;
                assert!(verify(&k.key_id(), b"hello", &bad).is_err(), "{scheme} byte {i}");
            }
            assert!(!format!("{k:?}").contains(&k.secret_hex()));
        }
    }

    #[test]
    fn known_ethereum_address() {
        // The address of secret 1 is the well-known 0x7e5f…bdf.
        let mut one = [0u8; 32];
        one[31] = 1;
        let k = Signer::from_secret(Scheme::Secp256k1, &one).unwrap();
        assert_eq!(k.key_id(), "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf");
    }

    #[test]
    fn key_files_are_private_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.key");
        let k = Signer::generate(Scheme::Secp256k1);
        k.write(&path).unwrap();
        assert_eq!(Signer::read(&path).unwrap().key_id(), k.key_id());
        assert!(k.write(&path).is_err(), "an existing key file is never overwritten");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = Signer::read(&path).unwrap_err().to_string();
            assert!(err.contains("chmod 600"), "{err}");
        }
        let parsed = Signer::parse(&format!("ed25519:{}", "11".repeat(32))).unwrap();
        assert_eq!(parsed.scheme(), Scheme::Ed25519);
        let err = Signer::parse("ed25519:zz").unwrap_err().to_string();
        assert!(!err.contains("zz"), "the secret is never echoed: {err}");
    }
}
