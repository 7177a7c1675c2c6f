//! Real proofs: keygen, prove and verify a shared model; tampering with the proof or the
//! public outputs is rejected; artifacts refuse to load for another circuit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use halo2_proofs::halo2curves::bn256::{Bn256, Fr};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use halo2_proofs::SerdeFormat;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkinfer_prover::keys::{read_pk, read_vk, write_pk, write_vk};
use zkinfer_prover::proof_file::ProofFile;
use zkinfer_prover::srs::{check_srs, read_srs, write_srs};
use zkinfer_prover::{circuit_hash, dev_srs, keygen, prove, verify, ProverError};
use zkinfer_quantize::eval;

#[test]
fn dev_srs_equals_halo2_setup_and_passes_checks() {
    let ours = dev_srs(5, 42);
    let reference = ParamsKZG::<Bn256>::setup(5, ChaCha20Rng::seed_from_u64(42));
    let mut a = Vec::new();
    let mut b = Vec::new();
    ours.write_custom(&mut a, SerdeFormat::RawBytes).unwrap();
    reference.write_custom(&mut b, SerdeFormat::RawBytes).unwrap();
    assert_eq!(a, b);
    check_srs(&ours).unwrap();
    // Points from two different secrets are not a powers-of-tau sequence.
    let other = dev_srs(5, 43);
    let shell = ParamsKZG::<Bn256>::setup(0, ChaCha20Rng::seed_from_u64(0));
    use halo2_proofs::poly::commitment::ParamsProver;
    let mixed = shell.from_parts(5, other.get_g().to_vec(), None, ours.g2(), ours.s_g2());
    assert!(matches!(check_srs(&mixed), Err(ProverError::BadSrs(_))));
}

#[test]
fn prove_verify_and_reject_tampering() {
    let (q, p, inputs) = common::compiled("mlp");
    let srs = dev_srs(p.k, 7);
    let pk = keygen(&srs, &q, &p).unwrap();
    let witness = eval::eval_all(&q, &inputs).unwrap();
    let proof = prove(&srs, &pk, &q, &p, &witness).unwrap();
    let outs: Vec<i128> =
        eval::eval(&q, &inputs).unwrap().into_iter().flatten().map(i128::from).collect();
    assert_eq!(
        proof.instances,
        zkinfer_prover::instance::from_ints(&outs),
        "proven outputs differ from the integer evaluator"
    );
    verify(&srs, pk.get_vk(), &proof.instances, &proof.bytes).unwrap();

    // One flipped byte in every 32-byte element of the proof.
    for chunk in 0..proof.bytes.len().div_ceil(32) {
        let mut bad = proof.bytes.clone();
        let at = (chunk * 32 + 31).min(bad.len() - 1);
        bad[at] ^= 0x01;
        assert!(
            verify(&srs, pk.get_vk(), &proof.instances, &bad).is_err(),
            "flipped byte {at} accepted"
        );
    }
    // A changed public output, and a truncated proof.
    let mut inst = proof.instances.clone();
    inst[0] += Fr::one();
    assert!(matches!(
        verify(&srs, pk.get_vk(), &inst, &proof.bytes),
        Err(ProverError::Rejected(_))
    ));
    assert!(
        verify(&srs, pk.get_vk(), &proof.instances, &proof.bytes[..proof.bytes.len() - 1]).is_err()
    );
    let mut longer = proof.bytes.clone();
    longer.push(0);
    assert!(
        verify(&srs, pk.get_vk(), &proof.instances, &longer).is_err(),
        "appended byte accepted"
    );

    // Artifacts round-trip (the verifying key alone suffices to verify) and refuse another
    // circuit.
    let tmp = tempfile::tempdir().unwrap();
    let hash = circuit_hash(&q, &p);
    let identity =
        write_vk(pk.get_vk(), &p, &srs, "INSECURE-dev-srs seed=7", hash, &tmp.path().join("vk"))
            .unwrap();
    write_pk(&pk, &p, hash, identity, &tmp.path().join("pk")).unwrap();
    write_srs(&srs, "INSECURE-dev-srs seed=7", &tmp.path().join("srs")).unwrap();
    let bundle = read_vk(&tmp.path().join("vk"), Some(&hash)).unwrap();
    assert_eq!(bundle.plan, p);
    assert!(bundle.header.label.contains("INSECURE"));
    assert_eq!(bundle.identity, identity, "the identity read back is the one written");
    verify(&bundle.srs, &bundle.vk, &proof.instances, &proof.bytes).unwrap();
    let back = read_pk(&tmp.path().join("pk"), &hash).unwrap();
    let (pk2, plan2) = (back.pk, back.plan);
    assert_eq!(plan2, p);
    assert_eq!(back.identity, identity);
    let (srs2, header) = read_srs(&tmp.path().join("srs")).unwrap();
    assert!(header.label.contains("INSECURE"));
    let proof2 = prove(&srs2, &pk2, &q, &p, &witness).unwrap();
    verify(&bundle.srs, &bundle.vk, &proof2.instances, &proof2.bytes).unwrap();
    let mut other = hash;
    other[0] ^= 1;
    let err = read_vk(&tmp.path().join("vk"), Some(&other)).err().unwrap();
    assert!(
        matches!(err, ProverError::Mismatch { .. }) && err.to_string().contains("zkinfer setup"),
        "{err}"
    );
    let err = read_pk(&tmp.path().join("vk"), &hash).err().unwrap();
    assert!(err.to_string().contains("expected a proving key, found verifying key"), "{err}");
    std::fs::write(tmp.path().join("junk"), b"hello").unwrap();
    assert!(matches!(read_vk(&tmp.path().join("junk"), None), Err(ProverError::Format { .. })));

    // proof.json round-trips and its outputs must match the proven instances.
    let file = ProofFile::new(&q, &proof.instances, &witness, &proof.bytes, &hash, &identity, p.k);
    file.write(&tmp.path().join("proof.json")).unwrap();
    let back = ProofFile::read(&tmp.path().join("proof.json")).unwrap();
    assert_eq!(back, file);
    assert_eq!(back.proof_bytes().unwrap(), proof.bytes);
    let mut lie = file.clone();
    lie.outputs[0].values[0] += 0.5;
    lie.write(&tmp.path().join("lie.json")).unwrap();
    assert!(ProofFile::read(&tmp.path().join("lie.json")).is_err());
}

#[test]
fn hidden_weights_stay_out_of_the_circuit_hash() {
    let (mut q, p, _) = common::compiled("mlp");
    let other = |q: &zkinfer_quantize::QGraph| {
        let mut o = q.clone();
        let t = o.tensors.iter_mut().find(|t| t.value.is_some()).unwrap();
        t.value.as_mut().unwrap()[0] += 1;
        o
    };
    // Fixed weights are part of the circuit: other values, another hash.
    assert_ne!(circuit_hash(&q, &p), circuit_hash(&other(&q), &p));
    // Hidden ones are not, so the published hash cannot confirm a guessed model.
    for v in
        [zkinfer_quantize::WeightVisibility::Private, zkinfer_quantize::WeightVisibility::Hashed]
    {
        q.visibility.weights = v;
        assert_eq!(circuit_hash(&q, &p), circuit_hash(&other(&q), &p), "{v}");
    }
}

/// A larger SRS shrunk to the circuit (no Lagrange points: commitments in Lagrange form go
/// through a field FFT) gives the same keys, so the same model identity, and proofs that
/// verify under the exact-size SRS's key; SRS files of either layout round-trip, and a file
/// read for a smaller circuit is read in part.
#[test]
fn larger_srs_fits_without_a_lagrange_basis() {
    use halo2_proofs::poly::commitment::ParamsProver;
    use zkinfer_prover::keys::vk_file_bytes;
    use zkinfer_prover::srs::{fit, has_lagrange, read_srs_for};
    let (q, p, inputs) = common::compiled("mlp");
    let label = "INSECURE-dev-srs seed=7";
    let exact = dev_srs(p.k, 7);
    let big = dev_srs(p.k + 3, 7);
    assert!(has_lagrange(&exact) && has_lagrange(&big));
    let fitted = fit(big.clone(), p.k).unwrap();
    assert!(!has_lagrange(&fitted));
    assert_eq!(fitted.get_g(), exact.get_g());

    let hash = circuit_hash(&q, &p);
    let pk_exact = keygen(&exact, &q, &p).unwrap();
    let pk_fitted = keygen(&fitted, &q, &p).unwrap();
    assert_eq!(
        vk_file_bytes(pk_exact.get_vk(), &p, &exact, label, hash).unwrap(),
        vk_file_bytes(pk_fitted.get_vk(), &p, &fitted, label, hash).unwrap(),
        "a shrunk SRS changed the verifying key"
    );
    let witness = eval::eval_all(&q, &inputs).unwrap();
    let proof = prove(&fitted, &pk_fitted, &q, &p, &witness).unwrap();
    verify(&exact, pk_exact.get_vk(), &proof.instances, &proof.bytes).unwrap();
    let mut inst = proof.instances.clone();
    inst[0] += Fr::one();
    assert!(verify(&exact, pk_exact.get_vk(), &inst, &proof.bytes).is_err());

    let tmp = tempfile::tempdir().unwrap();
    let (big_path, fitted_path) = (tmp.path().join("big.srs"), tmp.path().join("fitted.srs"));
    write_srs(&big, label, &big_path).unwrap();
    write_srs(&fitted, label, &fitted_path).unwrap();
    let (part, header) = read_srs_for(&big_path, p.k).unwrap();
    assert_eq!((header.k, part.get_g()), (p.k + 3, exact.get_g()));
    assert!(!has_lagrange(&part));
    let (whole, _) = read_srs_for(&big_path, p.k + 3).unwrap();
    assert!(has_lagrange(&whole) && whole.get_g() == big.get_g());
    let (back, _) = read_srs(&fitted_path).unwrap();
    assert!(!has_lagrange(&back) && back.get_g() == exact.get_g() && back.s_g2() == exact.s_g2());
    let err = read_srs_for(&fitted_path, p.k + 1).err().unwrap();
    assert!(matches!(err, ProverError::Mismatch { .. }), "{err}");
    // Cut or padded files of either layout are refused before any point is read.
    for path in [&big_path, &fitted_path] {
        let bytes = std::fs::read(path).unwrap();
        for len in [bytes.len() - 1, bytes.len() - 64, bytes.len() + 64] {
            let mut cut = bytes.clone();
            cut.resize(len, 0);
            std::fs::write(tmp.path().join("cut"), &cut).unwrap();
            let err = read_srs_for(&tmp.path().join("cut"), p.k).err().unwrap();
            assert!(err.to_string().contains("corrupt SRS data"), "{err}");
        }
    }
    // Cut exactly where the Lagrange points begin: the length of the other layout, with
    // Lagrange points where G2 belongs.
    let bytes = std::fs::read(&big_path).unwrap();
    std::fs::write(tmp.path().join("cut"), &bytes[..bytes.len() - (64 << (p.k + 3))]).unwrap();
    let err = read_srs_for(&tmp.path().join("cut"), p.k).err().unwrap();
    assert!(err.to_string().contains("corrupt SRS data"), "{err}");
}

/// A plan with a range lane (a lookup lane without an output column) proves and verifies
/// through keys written and read back, the range checks in that lane; the same circuit
/// without it is another circuit (another hash), and a flipped proof byte is rejected.
#[test]
fn range_lanes_prove_and_verify() {
    use zkinfer_circuits::plan::lay_out_planned;
    let (q, p, inputs) = common::compiled("mlp");
    let ranged = zkinfer_circuits::plan::Plan { range_lanes: 1, ..p.clone() };
    let b = lay_out_planned(&q, None, &ranged).unwrap();
    assert!(!b.lookup_lanes()[ranged.lookup_lanes].x.is_empty(), "the range lane is empty");
    assert_ne!(circuit_hash(&q, &p), circuit_hash(&q, &ranged));
    let srs = dev_srs(ranged.k, 7);
    let pk = keygen(&srs, &q, &ranged).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let hash = circuit_hash(&q, &ranged);
    let identity = write_vk(
        pk.get_vk(),
        &ranged,
        &srs,
        "INSECURE-dev-srs seed=7",
        hash,
        &tmp.path().join("vk"),
    )
    .unwrap();
    write_pk(&pk, &ranged, hash, identity, &tmp.path().join("pk")).unwrap();
    let pk = read_pk(&tmp.path().join("pk"), &hash).unwrap().pk;
    let vk = read_vk(&tmp.path().join("vk"), Some(&hash)).unwrap();
    assert_eq!(vk.plan, ranged);
    let witness = eval::eval_all(&q, &inputs).unwrap();
    let proof = prove(&srs, &pk, &q, &ranged, &witness).unwrap();
    verify(&vk.srs, &vk.vk, &proof.instances, &proof.bytes).unwrap();
    let mut bad = proof.bytes.clone();
    bad[40] ^= 1;
    assert!(verify(&vk.srs, &vk.vk, &proof.instances, &bad).is_err());
}
