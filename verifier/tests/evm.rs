//! The Solidity verifier end to end: generated from a real verifying key, compiled by the pinned
//! solc, deployed on revm, and run against real proofs, tampered proofs, aliased public inputs
//! and a proof for another model.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::{add_r, compile_verifier, proven_shared};
use halo2_proofs::halo2curves::bn256::Fr;
use zkinfer_verifier::calldata::{decode, encode};
use zkinfer_verifier::evm::Chain;
use zkinfer_verifier::solidity::EIP170_LIMIT;

#[test]
#[ignore = "full tier: compiles Solidity with the pinned solc (npm); run scripts/test.sh"]
fn verifier_accepts_real_proofs_and_rejects_tampering() {
    let tmp = tempfile::tempdir().unwrap();
    let relu = proven_shared("relu", tmp.path());
    let mlp = proven_shared("mlp", tmp.path());
    let compiled = compile_verifier(&relu.bundle);
    assert!(compiled.runtime.len() <= EIP170_LIMIT, "{} bytes", compiled.runtime.len());
    let mut chain = Chain::new(true);
    let contract = chain.deploy(&compiled.creation).unwrap();
    assert_eq!(contract.code_size, compiled.runtime.len());

    let good = encode(&relu.proof.instances, &relu.proof.bytes);
    let ok = chain.call(contract.address, &good).unwrap();
    assert!(ok.success, "real proof rejected: {ok:?}");
    eprintln!(
        "relu: {} gas, {} bytes deployed, proof {} bytes",
        ok.gas_used,
        contract.code_size,
        relu.proof.bytes.len()
    );
    let n = relu.proof.instances.len();

    // Every single flipped byte of the proof, in both a coordinate's low and high bytes.
    for at in 0..relu.proof.bytes.len() {
        let mut bad = good.clone();
        bad[32 * n + at] ^= if at % 2 == 0 { 0x01 } else { 0x80 };
        assert!(!chain.call(contract.address, &bad).unwrap().success, "flipped proof byte {at}");
    }
    // A changed public output.
    let mut changed = relu.proof.instances.clone();
    changed[0] += Fr::one();
    let bad = encode(&changed, &relu.proof.bytes);
    assert!(!chain.call(contract.address, &bad).unwrap().success, "changed output accepted");
    // The same output plus r: equal modulo r, and refused as non-canonical.
    let mut alias = good.clone();
    add_r(&mut alias[..32]);
    assert!(decode(&alias, n).is_err(), "the decoder took an aliased instance");
    assert!(!chain.call(contract.address, &alias).unwrap().success, "instance + r accepted");
    // A real proof of another model, and truncated calldata.
    let other = encode(&mlp.proof.instances, &mlp.proof.bytes);
    assert!(!chain.call(contract.address, &other).unwrap().success, "other model's proof accepted");
    assert!(!chain.call(contract.address, &good[..good.len() - 1]).unwrap().success);
    let mut longer = good.clone();
    longer.push(0);
    assert!(!chain.call(contract.address, &longer).unwrap().success, "appended byte accepted");
    assert!(!chain.call(contract.address, &[]).unwrap().success);
    // The accepting call still works after all the rejections.
    assert!(chain.call(contract.address, &good).unwrap().success);
}

/// A verifier cut into three parts behaves exactly like the single contract: it accepts the
/// real proof and rejects every tampering the single one does. (The test cuts a small verifier
/// on purpose; `split::fit` picks the number of parts for large ones.)
#[test]
#[ignore = "full tier: compiles Solidity with the pinned solc (npm); run scripts/test.sh"]
fn split_verifier_accepts_real_proofs_and_rejects_tampering() {
    use zkinfer_verifier::solc::Compiler;
    use zkinfer_verifier::solidity::{render, CONTRACT_NAME};
    use zkinfer_verifier::split::{constructor_args, part_name, Anatomy};

    let tmp = tempfile::tempdir().unwrap();
    let conv = proven_shared("conv", tmp.path());
    let mlp = proven_shared("mlp", tmp.path());
    let source = Anatomy::of(&render(&conv.bundle, &[]).unwrap()).unwrap().render(3);
    let mut all = Compiler::locate().unwrap().compile_all(&source).unwrap();
    let mut chain = Chain::new(true);
    let parts: Vec<[u8; 20]> = (0..3)
        .map(|i| chain.deploy(&all.remove(&part_name(i)).unwrap().creation).unwrap())
        .map(|c| c.address.into_array())
        .collect();
    assert!(!all.contains_key(&part_name(3)));
    let entry_code = all.remove(CONTRACT_NAME).unwrap().creation;
    // A part address without code would "accept" its share of the checks: refused.
    let mut missing = parts.clone();
    missing[2] = [0u8; 20];
    let mut creation = entry_code.clone();
    creation.extend(constructor_args(&missing));
    assert!(chain.deploy(&creation).is_err(), "an entry with a code-less part deployed");
    let mut creation = entry_code;
    creation.extend(constructor_args(&parts));
    let entry = chain.deploy(&creation).unwrap().address;

    let good = encode(&conv.proof.instances, &conv.proof.bytes);
    let ok = chain.call(entry, &good).unwrap();
    assert!(ok.success, "real proof rejected: {ok:?}");
    eprintln!("conv in 3 parts: {} gas", ok.gas_used);
    let n = conv.proof.instances.len();
    // A flipped byte in every 32-byte word of the proof.
    for at in (0..conv.proof.bytes.len()).step_by(32).map(|w| w + 31 - (w / 32) % 32) {
        let mut bad = good.clone();
        bad[32 * n + at] ^= 0x01;
        assert!(!chain.call(entry, &bad).unwrap().success, "flipped proof byte {at}");
    }
    let mut changed = conv.proof.instances.clone();
    changed[n - 1] -= Fr::one();
    assert!(!chain.call(entry, &encode(&changed, &conv.proof.bytes)).unwrap().success);
    let mut alias = good.clone();
    add_r(&mut alias[..32]);
    assert!(!chain.call(entry, &alias).unwrap().success, "instance + r accepted");
    let other = encode(&mlp.proof.instances, &mlp.proof.bytes);
    assert!(!chain.call(entry, &other).unwrap().success, "other model's proof accepted");
    assert!(!chain.call(entry, &good[..good.len() - 1]).unwrap().success);
    let mut longer = good.clone();
    longer.push(0);
    assert!(!chain.call(entry, &longer).unwrap().success, "appended byte accepted");
    assert!(!chain.call(entry, &[]).unwrap().success);
    assert!(chain.call(entry, &good).unwrap().success);
}
