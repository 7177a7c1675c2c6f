//! Shared by the EVM tests: a real proof and verifying key for a model, and its compiled
//! verifier.
#![allow(clippy::unwrap_used, dead_code)]

use std::path::Path;
use zkinfer_circuits::plan;
use zkinfer_model_import::{input::read_input_file, load, Tensor};
use zkinfer_prover::keys::{read_vk, write_vk, VkBundle};
use zkinfer_prover::{circuit_hash, dev_srs, keygen, prove, verify, Proof};
use zkinfer_quantize::{quantize, QGraph};
use zkinfer_verifier::solc::{Compiled, Compiler};
use zkinfer_verifier::solidity::{render, CONTRACT_NAME};

/// BN254's scalar field order r, big-endian.
pub const R: [u8; 32] = [
    0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58, 0x5d,
    0x28, 0x33, 0xe8, 0x48, 0x79, 0xb9, 0x70, 0x91, 0x43, 0xe1, 0xf5, 0x93, 0xf0, 0x00, 0x00, 0x01,
];

/// Adds r to a big-endian 32-byte word.
pub fn add_r(word: &mut [u8]) {
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let s = u16::from(word[i]) + u16::from(R[i]) + carry;
        word[i] = (s & 0xff) as u8;
        carry = s >> 8;
    }
    assert_eq!(carry, 0, "word + r overflowed 256 bits");
}

pub struct Proven {
    pub bundle: VkBundle,
    pub proof: Proof,
}

/// Calibrates on `input`, keys and proves the model, then reloads its verifying key from disk
/// as a user of `create-evm-verifier` would.
pub fn proven(model: &Path, input: &Path, dir: &Path, label: &str) -> Proven {
    let (bundle, mut proofs) = proven_all(model, &[input], dir, label);
    Proven { bundle, proof: proofs.remove(0) }
}

/// One circuit calibrated on all `inputs`, and a proof for each input.
pub fn proven_all(
    model: &Path,
    inputs: &[&Path],
    dir: &Path,
    label: &str,
) -> (VkBundle, Vec<Proof>) {
    let g = load(model).unwrap();
    let inputs: Vec<_> =
        inputs.iter().map(|i| g.make_inputs(&read_input_file(i).unwrap()).unwrap()).collect();
    let q = quantize(&g, &zkinfer_testkit::compile::default_settings(&g, &inputs)).unwrap();
    key_and_prove(&q, &inputs, dir, label)
}

/// Keys a quantized graph, proves (and natively verifies) one proof per input, and reloads
/// the verifying key from disk.
pub fn key_and_prove(
    q: &QGraph,
    inputs: &[Vec<Tensor>],
    dir: &Path,
    label: &str,
) -> (VkBundle, Vec<Proof>) {
    let p = plan(q).unwrap();
    let srs = dev_srs(p.k, 11);
    let pk = keygen(&srs, q, &p).unwrap();
    let proofs = inputs
        .iter()
        .map(|inputs| {
            let witness = zkinfer_quantize::eval::eval_all(q, inputs).unwrap();
            let proof = prove(&srs, &pk, q, &p, &witness).unwrap();
            verify(&srs, pk.get_vk(), &proof.instances, &proof.bytes).unwrap();
            proof
        })
        .collect();
    let path = dir.join(format!("{label}.vk"));
    write_vk(pk.get_vk(), &p, &srs, "INSECURE-dev-srs seed=11", circuit_hash(q, &p), &path)
        .unwrap();
    (read_vk(&path, None).unwrap(), proofs)
}

/// A shared model with its own input.
pub fn proven_shared(name: &str, dir: &Path) -> Proven {
    let m = zkinfer_testkit::model_dir(name);
    proven(&m.join("network.onnx"), &m.join("input.json"), dir, name)
}

/// The compiled verifier of a key.
pub fn compile_verifier(bundle: &VkBundle) -> Compiled {
    let source = render(bundle, &["test".into()]).unwrap();
    assert!(source.contains("lt(v, f_q)"), "instances are not range-checked");
    Compiler::locate().unwrap().compile(&source, CONTRACT_NAME).unwrap()
}
