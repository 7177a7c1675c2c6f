//! DSSE (Dead Simple Signing Envelope) v1: a payload, its type, and signatures over the
//! pre-authentication encoding `PAE(type, payload)`, so a signature can never be replayed as
//! one over another payload type.

use crate::error::{ReceiptError, Result};
use crate::keys::{self, Signer};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// One signature in an envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// Who signed: an Ethereum address or `ed25519:<public key>` (see [`crate::keys`]).
    pub keyid: String,
    /// The signature, base64.
    pub sig: String,
}

/// A signed envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// The payload's media type.
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// The payload, base64.
    pub payload: String,
    /// Signatures over `PAE(payloadType, payload)`.
    pub signatures: Vec<Signature>,
}

/// DSSE's pre-authentication encoding: `"DSSEv1" SP len(type) SP type SP len(body) SP body`.
#[must_use]
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out =
        format!("DSSEv1 {} {payload_type} {} ", payload_type.len(), payload.len()).into_bytes();
    out.extend_from_slice(payload);
    out
}

/// What checking one signature found.
#[derive(Debug)]
pub struct SignatureCheck {
    /// The key id the signature claims.
    pub keyid: String,
    /// `Ok`, or [`ReceiptError::Signature`] saying why it does not verify.
    pub result: Result<()>,
}

impl Envelope {
    /// Signs `payload` with every key in `signers`.
    ///
    /// # Errors
    /// [`ReceiptError::Key`] if a signer fails.
    pub fn sign(payload_type: &str, payload: &[u8], signers: &[&Signer]) -> Result<Self> {
        let message = pae(payload_type, payload);
        let signatures = signers
            .iter()
            .map(|s| Ok(Signature { keyid: s.key_id(), sig: BASE64.encode(s.sign(&message)?) }))
            .collect::<Result<_>>()?;
        Ok(Self { payload_type: payload_type.into(), payload: BASE64.encode(payload), signatures })
    }

    /// The decoded payload.
    ///
    /// # Errors
    /// [`ReceiptError::Format`] if it is not base64.
    pub fn payload_bytes(&self) -> Result<Vec<u8>> {
        BASE64
            .decode(&self.payload)
            .map_err(|e| ReceiptError::format("envelope payload", format!("not base64: {e}")))
    }

    /// The message every signature signs.
    ///
    /// # Errors
    /// As [`Envelope::payload_bytes`].
    pub fn message(&self) -> Result<Vec<u8>> {
        Ok(pae(&self.payload_type, &self.payload_bytes()?))
    }

    /// Checks every signature against the key id it claims.
    ///
    /// # Errors
    /// As [`Envelope::payload_bytes`].
    pub fn check_signatures(&self) -> Result<Vec<SignatureCheck>> {
        let message = self.message()?;
        Ok(self
            .signatures
            .iter()
            .map(|s| {
                let result = BASE64
                    .decode(&s.sig)
                    .map_err(|e| ReceiptError::Signature(format!("not base64: {e}")))
                    .and_then(|sig| keys::verify(&s.keyid, &message, &sig));
                SignatureCheck { keyid: s.keyid.clone(), result }
            })
            .collect())
    }

    /// The key ids of the signers, when every signature verifies and there is at least one:
    /// the one rule receipts, input commitments and log checkpoints share.
    ///
    /// # Errors
    /// [`ReceiptError::Signature`]: the first signature that does not verify (named by its key
    /// id), or none at all; as [`Envelope::payload_bytes`].
    pub fn signers(&self) -> Result<Vec<String>> {
        let mut signers = Vec::new();
        for check in self.check_signatures()? {
            check.result.map_err(|e| {
                let why = match e {
                    ReceiptError::Signature(why) => why,
                    other => other.to_string(),
                };
                ReceiptError::Signature(format!("{}: {why}", check.keyid))
            })?;
            signers.push(check.keyid);
        }
        if signers.is_empty() {
            return Err(ReceiptError::Signature("the envelope carries no signature".into()));
        }
        Ok(signers)
    }

    /// Parses an envelope from JSON.
    ///
    /// # Errors
    /// [`ReceiptError::Format`] naming the problem.
    pub fn parse(text: &str, what: &str) -> Result<Self> {
        serde_json::from_str(text)
            .map_err(|e| ReceiptError::format(what, format!("not a DSSE envelope: {e}")))
    }

    /// Reads an envelope file.
    ///
    /// # Errors
    /// [`ReceiptError::Io`] or [`ReceiptError::Format`].
    pub fn read(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| ReceiptError::io(path, e))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Writes the envelope as pretty JSON.
    ///
    /// # Errors
    /// [`ReceiptError::Io`].
    pub fn write(&self, path: &std::path::Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| ReceiptError::format("envelope", e.to_string()))?;
        std::fs::write(path, text + "\n").map_err(|e| ReceiptError::io(path, e))
    }

    /// Compact JSON (one line, as a log entry embeds it).
    ///
    /// # Errors
    /// Never in practice.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| ReceiptError::format("envelope", e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Scheme;

    #[test]
    fn pae_matches_the_specification_example() {
        // The DSSE protocol document's example.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn signatures_bind_payload_and_type() {
        let a = Signer::generate(Scheme::Secp256k1);
        let b = Signer::generate(Scheme::Ed25519);
        let env = Envelope::sign("application/x-test", b"{\"x\":1}", &[&a, &b]).unwrap();
        assert!(env.check_signatures().unwrap().iter().all(|c| c.result.is_ok()));
        let mut other_type = env.clone();
        other_type.payload_type = "application/x-other".into();
        assert!(other_type.check_signatures().unwrap().iter().all(|c| c.result.is_err()));
        let mut other_payload = env.clone();
        other_payload.payload = BASE64.encode(b"{\"x\":2}");
        assert!(other_payload.check_signatures().unwrap().iter().all(|c| c.result.is_err()));
        let mut swapped = env;
        swapped.signatures[0].keyid = b.key_id();
        assert!(swapped.check_signatures().unwrap()[0].result.is_err());
    }
}
