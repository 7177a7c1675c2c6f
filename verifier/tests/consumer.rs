//! The example consumer contract (examples/evm/CreditLine.sol) on revm: it opens credit only for
//! a valid proof of the credit model's approval, and refuses declined applicants, tampered
//! proofs, swapped or aliased outputs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::{add_r, compile_verifier, proven_all};
use halo2_proofs::halo2curves::bn256::Fr;
use sha3::{Digest, Keccak256};
use std::path::{Path, PathBuf};
use zkinfer_verifier::evm::{CallOutcome, Chain};
use zkinfer_verifier::solc::Compiler;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// A 32-byte ABI word holding `v`.
fn word(v: u128) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[16..].copy_from_slice(&v.to_be_bytes());
    w
}

/// Big-endian word of an instance.
fn field_word(v: Fr) -> [u8; 32] {
    let data = zkinfer_verifier::calldata::encode(&[v], &[]);
    data.try_into().unwrap()
}

/// `openCredit(uint256[] outputs, bytes proof)` calldata.
fn open_credit(outputs: &[[u8; 32]], proof: &[u8]) -> Vec<u8> {
    let mut data = Keccak256::digest(b"openCredit(uint256[],bytes)")[..4].to_vec();
    let array_len = 32 * (1 + outputs.len());
    data.extend(word(0x40));
    data.extend(word(0x40 + array_len as u128));
    data.extend(word(outputs.len() as u128));
    for o in outputs {
        data.extend(o);
    }
    data.extend(word(proof.len() as u128));
    data.extend(proof);
    let body = data.len() - 4;
    data.resize(4 + body.div_ceil(32) * 32, 0);
    data
}

fn reverted_with(out: &CallOutcome, reason: &str) -> bool {
    !out.success && String::from_utf8_lossy(&out.output).contains(reason)
}

#[test]
#[ignore = "full tier: compiles Solidity with the pinned solc (npm); run scripts/test.sh"]
fn credit_line_opens_only_on_a_proven_approval() {
    let tmp = tempfile::tempdir().unwrap();
    let model = examples().join("credit_score/network.onnx");
    let applicants = [
        examples().join("evm/approved_applicant.json"),
        examples().join("credit_score/input.json"),
    ];
    let (bundle, proofs) =
        proven_all(&model, &[&applicants[0], &applicants[1]], tmp.path(), "credit");
    let [approved, declined] = &proofs[..] else { panic!("two proofs expected") };
    let relu = common::proven_shared("relu", tmp.path());
    let signed = |f: &Fr| zkinfer_prover::instance::signed(f).unwrap();
    let [decline, approve] = approved.instances.iter().map(signed).collect::<Vec<_>>()[..] else {
        panic!("two outputs expected")
    };
    assert!(approve > decline, "the example applicant is not approved: {decline} vs {approve}");

    let mut chain = Chain::new(true);
    let verifier = chain.deploy(&compile_verifier(&bundle).creation).unwrap();
    let source = std::fs::read_to_string(examples().join("evm/CreditLine.sol")).unwrap();
    let pool = Compiler::locate().unwrap().compile(&source, "CreditLine").unwrap();
    let mut creation = pool.creation.clone();
    let mut addr = [0u8; 32];
    addr[12..].copy_from_slice(verifier.address.as_slice());
    creation.extend(addr);
    creation.extend(bundle.identity);
    creation.extend(word(1_000_000)); // verifier gas stipend
    creation.extend(word(1 << 14)); // approval >= 0.5 at scale 2^15
    creation.extend(word(3)); // credit per unit
    let pool = chain.deploy(&creation).unwrap();

    let outputs: Vec<[u8; 32]> = approved.instances.iter().map(|&v| field_word(v)).collect();
    let ok = chain.call(pool.address, &open_credit(&outputs, &approved.bytes)).unwrap();
    assert!(ok.success, "a proven approval was refused: {ok:?}");
    assert_eq!(ok.output, word(approve as u128 * 3), "credit limit");
    eprintln!("CreditLine.openCredit: {} gas", ok.gas_used);

    // A valid proof of a declined applicant.
    let declined_out: Vec<[u8; 32]> = declined.instances.iter().map(|&v| field_word(v)).collect();
    let out = chain.call(pool.address, &open_credit(&declined_out, &declined.bytes)).unwrap();
    assert!(reverted_with(&out, "model declined"), "{out:?}");
    // Swapped outputs (claiming approval with the declined applicant's proof).
    let swapped = [declined_out[1], declined_out[0]];
    let out = chain.call(pool.address, &open_credit(&swapped, &declined.bytes)).unwrap();
    assert!(reverted_with(&out, "proof rejected"), "{out:?}");
    // A flipped proof byte.
    let mut bad = approved.bytes.clone();
    bad[100] ^= 1;
    let out = chain.call(pool.address, &open_credit(&outputs, &bad)).unwrap();
    assert!(reverted_with(&out, "proof rejected"), "{out:?}");
    // An output plus r.
    let mut alias = outputs.clone();
    add_r(&mut alias[1]);
    let out = chain.call(pool.address, &open_credit(&alias, &approved.bytes)).unwrap();
    assert!(reverted_with(&out, "not below the field order"), "{out:?}");
    // Another model's proof.
    let relu_out: Vec<[u8; 32]> = relu.proof.instances.iter().map(|&v| field_word(v)).collect();
    let out = chain.call(pool.address, &open_credit(&relu_out[..2], &relu.proof.bytes)).unwrap();
    assert!(reverted_with(&out, "proof rejected"), "{out:?}");
}
