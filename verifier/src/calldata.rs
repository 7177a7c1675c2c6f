//! Calldata for the generated verifier: each public instance as a 32-byte big-endian field
//! element, then the proof bytes.
//!
//! Signed outputs are field elements: `v ≥ 0` is `v`, `v < 0` is `r + v`. A word ≥ r would be an
//! alias of a smaller one, so the encoder and decoder refuse it (and so does the contract).

use crate::error::{Result, VerifierError};
use halo2_proofs::halo2curves::bn256::Fr;
use zkinfer_prover::proof_file::ProofFile;
use zkinfer_prover::transcript::{be_bytes, scalar_from_word};

/// Encodes instances and proof bytes.
#[must_use]
pub fn encode(instances: &[Fr], proof: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 * instances.len() + proof.len());
    for f in instances {
        out.extend_from_slice(&be_bytes(f));
    }
    out.extend_from_slice(proof);
    out
}

/// Encodes a proof file.
///
/// # Errors
/// [`VerifierError::Prover`] for an instance that is not a canonical decimal or a proof that
/// is not hex.
pub fn encode_proof_file(file: &ProofFile) -> Result<Vec<u8>> {
    let instances = file.instance_values()?;
    let proof = file.proof_bytes()?;
    Ok(encode(&instances, &proof))
}

/// Splits calldata back into instances and proof bytes.
///
/// # Errors
/// [`VerifierError::Calldata`] when it is shorter than `n_instances` words or a word is ≥ r.
pub fn decode(calldata: &[u8], n_instances: usize) -> Result<(Vec<Fr>, Vec<u8>)> {
    let head = n_instances.checked_mul(32).filter(|&h| h <= calldata.len()).ok_or_else(|| {
        VerifierError::Calldata(format!(
            "{} bytes cannot hold {n_instances} instances of 32 bytes",
            calldata.len()
        ))
    })?;
    let instances = calldata[..head]
        .chunks(32)
        .enumerate()
        .map(|(i, w)| {
            let w: &[u8; 32] = w.try_into().map_err(|_| {
                VerifierError::Calldata(format!("instance {i} is not a 32-byte word"))
            })?;
            scalar_from_word(w).ok_or_else(|| {
                VerifierError::Calldata(format!(
                    "instance {i} is not below the BN254 scalar field order r; an encoder \
                     that adds r to a value forges an alias"
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((instances, calldata[head..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_signed_values_and_digests() {
        let mut inst =
            zkinfer_prover::instance::from_ints(&[0, 1, -1, 123_456_789, -(1 << 100), i128::MAX]);
        inst.push(zkinfer_circuits::poseidon::digest_ints(&[1, 2, 3]));
        let data = encode(&inst, &[7, 8, 9]);
        assert_eq!(data.len(), 32 * inst.len() + 3);
        assert_eq!(&data[32..64], &{
            let mut w = [0u8; 32];
            w[31] = 1;
            w
        });
        let (back, proof) = decode(&data, inst.len()).unwrap();
        assert_eq!(back, inst);
        assert_eq!(proof, vec![7, 8, 9]);
    }

    #[test]
    fn rejects_aliases_and_short_input() {
        // r itself encodes 0 modulo r, but it is not a canonical word.
        let mut r_word = [0u8; 32];
        let modulus = "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
        r_word.copy_from_slice(&crate::hex::decode(modulus).unwrap());
        let err = decode(&r_word, 1).unwrap_err().to_string();
        assert!(err.contains("not below"), "{err}");
        assert!(decode(&[0u8; 31], 1).unwrap_err().to_string().contains("cannot hold"));
    }
}
