//! The reusable verifier: one deployed contract verifies the proofs of two keys of one layout
//! (a model and the same model with a changed weight), each key named by its key contract;
//! a proof checked against the other key, a key of another layout, an address without code
//! and every tampering are rejected.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{add_r, key_and_prove, proven_shared};
use halo2_proofs::halo2curves::bn256::Fr;
use zkinfer_prover::keys::VkBundle;
use zkinfer_prover::Proof;
use zkinfer_verifier::calldata::encode;
use zkinfer_verifier::evm::Chain;
use zkinfer_verifier::reusable::{
    key_words, render_key, render_verifier, with_key, KEY_NAME, VERIFIER_NAME,
};
use zkinfer_verifier::solc::Compiler;
use zkinfer_verifier::solidity::EIP170_LIMIT;

#[test]
#[ignore = "full tier: compiles Solidity with the pinned solc (npm); run scripts/test.sh"]
fn one_verifier_serves_every_key_of_its_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, q, inputs) = zkinfer_testkit::compile::quantized(&zkinfer_testkit::model_dir("mlp"));
    // "Retrained": one weight moves by one step towards zero (never to zero, which would drop
    // its term and change the layout).
    let mut retrained = q.clone();
    let w = retrained
        .tensors
        .iter_mut()
        .filter_map(|t| t.value.as_mut())
        .flat_map(|v| v.iter_mut())
        .find(|w| w.abs() >= 2)
        .expect("no weight to change");
    *w -= w.signum();
    let (b1, p1) = key_and_prove(&q, std::slice::from_ref(&inputs), tmp.path(), "v1");
    let (b2, p2) = key_and_prove(&retrained, std::slice::from_ref(&inputs), tmp.path(), "v2");
    let (p1, p2) = (&p1[0], &p2[0]);
    assert_ne!(b1.vk.transcript_repr(), b2.vk.transcript_repr(), "the keys should differ");

    let v = render_verifier(&b1, &["test".into()]).unwrap();
    let v2 = render_verifier(&b2, &["test".into()]).unwrap();
    assert_eq!((&v.source, v.layout), (&v2.source, v2.layout), "one layout, one verifier");
    let solc = Compiler::locate().unwrap();
    let verifier = solc.compile(&v.source, VERIFIER_NAME).unwrap();
    assert!(verifier.runtime.len() <= EIP170_LIMIT);
    let key = |b: &VkBundle, layout: &[u8; 32]| {
        let source = render_key(&key_words(b, layout).unwrap(), &[]);
        solc.compile(&source, KEY_NAME).unwrap().creation
    };
    let mut chain = Chain::new(true);
    let at = chain.deploy(&verifier.creation).unwrap().address;
    let k1 = chain.deploy(&key(&b1, &v.layout)).unwrap();
    let k2 = chain.deploy(&key(&b2, &v.layout)).unwrap().address.into_array();
    assert_eq!(k1.code_size, 1 + 32 * v.key_words);
    let k1 = k1.address.into_array();
    eprintln!(
        "reusable verifier {} bytes, key contract {} bytes",
        verifier.runtime.len(),
        1 + 32 * v.key_words
    );

    let good = with_key(k1, &encode(&p1.instances, &p1.bytes));
    let ok = chain.call(at, &good).unwrap();
    assert!(ok.success, "real proof rejected: {ok:?}");
    eprintln!("mlp through the reusable verifier: {} gas", ok.gas_used);
    let ok2 = chain.call(at, &with_key(k2, &encode(&p2.instances, &p2.bytes))).unwrap();
    assert!(ok2.success, "the retrained model's proof rejected: {ok2:?}");
    // Each proof against the other key.
    assert!(!chain.call(at, &with_key(k2, &encode(&p1.instances, &p1.bytes))).unwrap().success);
    assert!(!chain.call(at, &with_key(k1, &encode(&p2.instances, &p2.bytes))).unwrap().success);
    // A key of another layout (its own identifier), and an address without code.
    let conv = proven_shared("conv", tmp.path());
    let other = render_verifier(&conv.bundle, &[]).unwrap();
    assert_ne!(other.layout, v.layout);
    let k3 = chain.deploy(&key(&conv.bundle, &other.layout)).unwrap().address.into_array();
    assert!(!chain.call(at, &with_key(k3, &encode(&p1.instances, &p1.bytes))).unwrap().success);
    let conv_call = with_key(k3, &encode(&conv.proof.instances, &conv.proof.bytes));
    assert!(!chain.call(at, &conv_call).unwrap().success, "another layout's proof accepted");
    assert!(!chain.call(at, &with_key([7; 20], &good[32..])).unwrap().success);
    // The right words behind a leading byte other than STOP (a contract that could run).
    let source = render_key(&key_words(&b1, &v.layout).unwrap(), &[]);
    assert!(source.contains("mstore8(0, 0)"));
    let live = solc.compile(&source.replace("mstore8(0, 0)", "mstore8(0, 0x5b)"), KEY_NAME);
    let k4 = chain.deploy(&live.unwrap().creation).unwrap().address.into_array();
    assert!(!chain.call(at, &with_key(k4, &good[32..])).unwrap().success, "live key accepted");
    assert_rejects_tampering(|data| chain.call(at, data).unwrap().success, k1, p1);
}

/// A keyed call of `p` is rejected after any tampering: a flipped byte in every 32-byte word of
/// the proof, a changed output, output + r, truncated and extended calldata; the real call
/// still succeeds afterwards.
fn assert_rejects_tampering(mut accepts: impl FnMut(&[u8]) -> bool, key: [u8; 20], p: &Proof) {
    let good = with_key(key, &encode(&p.instances, &p.bytes));
    let n = p.instances.len();
    for w in (0..p.bytes.len()).step_by(32) {
        let mut bad = good.clone();
        bad[32 + 32 * n + w + 31 - (w / 32) % 32] ^= 0x01;
        assert!(!accepts(&bad), "flipped proof word {}", w / 32);
    }
    let mut changed = p.instances.clone();
    changed[n - 1] += Fr::one();
    assert!(!accepts(&with_key(key, &encode(&changed, &p.bytes))), "changed output accepted");
    let mut alias = good.clone();
    add_r(&mut alias[32..64]);
    assert!(!accepts(&alias), "instance + r accepted");
    assert!(!accepts(&good[..good.len() - 1]), "truncated calldata accepted");
    let mut longer = good.clone();
    longer.push(0);
    assert!(!accepts(&longer), "appended byte accepted");
    assert!(accepts(&good), "the real proof rejected after the tampering");
}

/// The reusable verifier cut into parts: the key contract is read once, by the first part,
/// and the rest run on the memory it leaves; the proof is accepted with its key only.
#[test]
#[ignore = "full tier: compiles Solidity with the pinned solc (npm); run scripts/test.sh"]
fn a_split_reusable_verifier_reads_its_key_contract() {
    use zkinfer_verifier::split::{constructor_args, part_name, Anatomy};
    let tmp = tempfile::tempdir().unwrap();
    let mlp = proven_shared("mlp", tmp.path());
    let conv = proven_shared("conv", tmp.path());
    let v = render_verifier(&mlp.bundle, &[]).unwrap();
    let source = Anatomy::of(&v.source).unwrap().render(3);
    let solc = Compiler::locate().unwrap();
    let mut all = solc.compile_all(&source).unwrap();
    let mut chain = Chain::new(true);
    let parts: Vec<[u8; 20]> = (0..3)
        .map(|i| chain.deploy(&all.remove(&part_name(i)).unwrap().creation).unwrap())
        .map(|c| c.address.into_array())
        .collect();
    let mut creation = all.remove("Halo2Verifier").unwrap().creation;
    creation.extend(constructor_args(&parts));
    let entry = chain.deploy(&creation).unwrap().address;
    let key_code = |b: &VkBundle, layout: &[u8; 32]| {
        solc.compile(&render_key(&key_words(b, layout).unwrap(), &[]), KEY_NAME).unwrap().creation
    };
    let k1 = chain.deploy(&key_code(&mlp.bundle, &v.layout)).unwrap().address.into_array();
    let other = render_verifier(&conv.bundle, &[]).unwrap();
    let k2 = chain.deploy(&key_code(&conv.bundle, &other.layout)).unwrap().address.into_array();
    let p = &mlp.proof;
    let good = with_key(k1, &encode(&p.instances, &p.bytes));
    let ok = chain.call(entry, &good).unwrap();
    assert!(ok.success, "real proof rejected: {ok:?}");
    eprintln!("mlp through the reusable verifier in 3 parts: {} gas", ok.gas_used);
    assert!(!chain.call(entry, &with_key(k2, &good[32..])).unwrap().success, "foreign key");
    assert!(!chain.call(entry, &with_key([7; 20], &good[32..])).unwrap().success, "no code");
    assert_rejects_tampering(|data| chain.call(entry, data).unwrap().success, k1, p);
}
