//! Adversarial artifacts: verifying keys doctored as an attacker would (identity G2 points, a
//! substituted s·G2, rescaled, renamed or extra public values, relabelled Freivalds lanes, a
//! key without its interface, an older format) are refused by `zkinfer verify` and by
//! `zkinfer create-evm-verifier`, or get another model identity, which a verifier that pins
//! the honest one refuses. The honest proof still verifies with the identity pinned.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::*;
use zkinfer::internals::circuits::halo2_proofs::halo2curves::bn256::{Fr, G2Affine};
use zkinfer::internals::circuits::halo2_proofs::halo2curves::group::prime::PrimeCurveAffine;
use zkinfer::internals::circuits::halo2_proofs::halo2curves::group::{Curve, GroupEncoding};
use zkinfer::internals::circuits::halo2_proofs::SerdeFormat;
use zkinfer::internals::circuits::Plan;
use zkinfer::internals::prover::artifact::hex;
use zkinfer::internals::prover::keys::parse_vk;

/// Where the sections of a verifying-key file lie.
struct Sections {
    /// The label's length field (the label follows it).
    label: usize,
    /// The plan's JSON.
    plan: std::ops::Range<usize>,
    /// G2, then s·G2 (64 bytes each, compressed).
    g2: usize,
}

fn sections(bytes: &[u8]) -> Sections {
    let len16 = |at: usize| usize::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]));
    let tool = 8 + 1 + 2;
    let label = tool + 2 + len16(tool);
    let plan_len_at = label + 2 + len16(label) + 32 + 4;
    let n = u32::from_le_bytes(bytes[plan_len_at..plan_len_at + 4].try_into().unwrap());
    let plan = plan_len_at + 4..plan_len_at + 4 + n as usize;
    Sections { label, g2: plan.end + 32, plan }
}

/// The key with its plan edited and written back in canonical form, as an attacker would.
fn with_plan(bytes: &[u8], edit: impl FnOnce(&mut Plan)) -> Vec<u8> {
    let s = sections(bytes);
    let mut plan: Plan = serde_json::from_slice(&bytes[s.plan.clone()]).unwrap();
    edit(&mut plan);
    let json = serde_json::to_vec(&plan).unwrap();
    let mut out = bytes[..s.plan.start - 4].to_vec();
    out.extend(u32::try_from(json.len()).unwrap().to_le_bytes());
    out.extend(json);
    out.extend(&bytes[s.plan.end..]);
    out
}

/// The key with another SRS provenance label.
fn with_label(bytes: &[u8], label: &str) -> Vec<u8> {
    let s = sections(bytes);
    let old = usize::from(u16::from_le_bytes([bytes[s.label], bytes[s.label + 1]]));
    let mut out = bytes[..s.label].to_vec();
    out.extend(u16::try_from(label.len()).unwrap().to_le_bytes());
    out.extend(label.as_bytes());
    out.extend(&bytes[s.label + 2 + old..]);
    out
}

/// The key with its G2 and s·G2 points replaced.
fn with_g2(bytes: &[u8], g2: &G2Affine, s_g2: &G2Affine) -> Vec<u8> {
    let s = sections(bytes);
    let mut out = bytes.to_vec();
    out[s.g2..s.g2 + 64].copy_from_slice(g2.to_bytes().as_ref());
    out[s.g2 + 64..s.g2 + 128].copy_from_slice(s_g2.to_bytes().as_ref());
    out
}

fn identity_of(bytes: &[u8]) -> String {
    hex(&parse_vk(bytes, "doctored vk").unwrap().identity)
}

fn verify(cache: &Path, proof: &Path, vk: &Path, pins: &[&str]) -> Output {
    let mut args = vec!["verify", "--proof", s(proof), "--vk", s(vk)];
    args.extend_from_slice(pins);
    zkinfer(cache, &args)
}

fn refused(out: &Output, what: &str, context: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{context}: accepted\n{}", String::from_utf8_lossy(&out.stdout));
    assert!(err.contains(what), "{context}: expected '{what}' in: {err}");
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// A proof file relabelled as the attacker's key needs: its outputs edited by `edit`, the
/// identity of the doctored key named.
fn relabelled(
    proof: &serde_json::Value,
    identity: &str,
    path: &Path,
    edit: impl FnOnce(&mut serde_json::Value),
) -> PathBuf {
    let mut f = proof.clone();
    edit(&mut f);
    f["model_identity"] = serde_json::json!(identity);
    std::fs::write(path, f.to_string()).unwrap();
    path.to_path_buf()
}

#[test]
fn doctored_verifying_keys_are_refused_or_change_the_identity() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let (proof, vk) = proved(tmp.path(), &cache, "mlp");
    let honest = std::fs::read(&vk).unwrap();
    let proof_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    let honest_id = identity_of(&honest);
    assert_eq!(proof_json["model_identity"], honest_id.as_str());
    let pin = ["--identity", honest_id.as_str()];
    // The honest proof verifies with its identity pinned; a lie does not.
    let out = ok(&verify(&cache, &proof, &vk, &pin));
    assert!(out.contains("equal to the one you pinned") && out.contains("INSECURE"), "{out}");
    let lie = write_lie(&proof_json, &tmp.path().join("lie.json"));
    refused(&verify(&cache, &lie, &vk, &[]), "proof rejected", "a changed output");
    let evm = |key: &Path| {
        let sol = tmp.path().join("Doctored.sol");
        zkinfer(&cache, &["create-evm-verifier", "--vk", s(key), "-o", s(&sol)])
    };

    // 1. G2 and s·G2 as the identity point: every pairing drops out, every proof would pass.
    let none = G2Affine::identity();
    let key = write(tmp.path(), "g2-identity.vk", &with_g2(&honest, &none, &none));
    refused(&verify(&cache, &lie, &key, &[]), "not the G2 generator", "identity G2");
    refused(&evm(&key), "not the G2 generator", "a verifier generated from identity G2");
    let gen = G2Affine::generator();
    let key = write(tmp.path(), "sg2-identity.vk", &with_g2(&honest, &gen, &none));
    refused(&verify(&cache, &lie, &key, &[]), "known secret", "identity s·G2");
    let key = write(tmp.path(), "sg2-one.vk", &with_g2(&honest, &gen, &gen));
    refused(&verify(&cache, &lie, &key, &[]), "known secret", "s·G2 = G2");

    // 2. s·G2 of a secret the attacker knows. Under the development label the seed gives the
    // real point; relabelled as a ceremony, the key has another identity, which the pinned
    // identity and the pinned SRS both refuse.
    let known = (G2Affine::generator() * Fr::from(12_345)).to_affine();
    let swapped = with_g2(&honest, &gen, &known);
    let key = write(tmp.path(), "sg2-known.vk", &swapped);
    refused(&verify(&cache, &proof, &key, &[]), "not that SRS's", "substituted s·G2");
    refused(&evm(&key), "not that SRS's", "a verifier generated with a substituted s·G2");
    let ceremony = with_label(&swapped, "imported sha256=00");
    let forged_id = identity_of(&ceremony);
    assert_ne!(forged_id, honest_id);
    let key = write(tmp.path(), "sg2-ceremony.vk", &ceremony);
    let named = relabelled(&proof_json, &forged_id, &tmp.path().join("named.json"), |_| {});
    refused(&verify(&cache, &named, &key, &pin), "model identity mismatch", "pinned identity");
    let srs = tmp.path().join("dev.srs");
    ok(&zkinfer(&cache, &["srs", "gen", "--k", "10", "-o", s(&srs)]));
    refused(&verify(&cache, &named, &key, &["--srs", s(&srs)]), "SRS mismatch", "pinned SRS");
    refused(&verify(&cache, &proof, &key, &[]), "model identity mismatch", "the honest file");
    ok(&verify(&cache, &proof, &vk, &["--srs", s(&srs)]));

    // 3. Rescaled and renamed outputs: the key loads, but it is another model.
    let rescaled = with_plan(&honest, |p| {
        p.interface.as_mut().unwrap().outputs[0].scale -= 4;
    });
    let id = identity_of(&rescaled);
    assert_ne!(id, honest_id, "a rescaled interface kept the identity");
    let key = write(tmp.path(), "rescaled.vk", &rescaled);
    let sixteen = relabelled(&proof_json, &id, &tmp.path().join("x16.json"), |f| {
        let out = &mut f["outputs"][0];
        out["scale"] = serde_json::json!(out["scale"].as_i64().unwrap() - 4);
        for v in out["values"].as_array_mut().unwrap() {
            *v = serde_json::json!(v.as_f64().unwrap() * 16.0);
        }
    });
    refused(&verify(&cache, &sixteen, &key, &pin), "model identity mismatch", "rescaled outputs");
    refused(&verify(&cache, &proof, &key, &[]), "model identity mismatch", "rescaled, honest file");
    // A verifier generated from it says whose it is, and refuses when the identity is pinned.
    let sol = tmp.path().join("Rescaled.sol");
    let gen_args = ["create-evm-verifier", "--vk", s(&key), "-o", s(&sol), "--allow-oversize"];
    ok(&zkinfer(&cache, &gen_args));
    assert!(std::fs::read_to_string(&sol).unwrap().contains(&format!("model identity {id}")));
    let pinned = zkinfer(&cache, &[&gen_args[..], &pin[..]].concat());
    refused(&pinned, "model identity mismatch", "a verifier generated with the identity pinned");
    let renamed = with_plan(&honest, |p| {
        p.interface.as_mut().unwrap().outputs[0].name = "approve".into();
    });
    let id = identity_of(&renamed);
    assert_ne!(id, honest_id, "a renamed output kept the identity");
    let key = write(tmp.path(), "renamed.vk", &renamed);
    let approve = relabelled(&proof_json, &id, &tmp.path().join("approve.json"), |f| {
        f["outputs"][0]["name"] = serde_json::json!("approve");
    });
    refused(&verify(&cache, &approve, &key, &pin), "model identity mismatch", "renamed output");

    // 4. An extra public instance, which no copy constraint would reach.
    let extra = with_plan(&honest, |p| p.instances += 1);
    let id = identity_of(&extra);
    assert_ne!(id, honest_id);
    let key = write(tmp.path(), "extra.vk", &extra);
    let more = relabelled(&proof_json, &id, &tmp.path().join("more.json"), |f| {
        f["instances"].as_array_mut().unwrap().push(serde_json::json!("0"));
    });
    refused(&verify(&cache, &more, &key, &pin), "differ in length", "an extra instance");
    let more_honest = relabelled(&proof_json, &honest_id, &tmp.path().join("more2.json"), |f| {
        f["instances"].as_array_mut().unwrap().push(serde_json::json!("0"));
    });
    refused(&verify(&cache, &more_honest, &vk, &[]), "differ in length", "an extra instance");

    // 5. Keys as older zkinfer wrote them: no interface, format version 2.
    let legacy = with_plan(&honest, |p| p.interface = None);
    let key = write(tmp.path(), "legacy.vk", &legacy);
    refused(&verify(&cache, &proof, &key, &[]), "no public interface", "a key without interface");
    refused(&evm(&key), "no public interface", "a verifier from a key without interface");
    let mut old = honest.clone();
    old[9..11].copy_from_slice(&2u16.to_le_bytes());
    let key = write(tmp.path(), "v2.vk", &old);
    refused(&verify(&cache, &proof, &key, &[]), "older zkinfer", "format version 2");
    // Version 3 keys hold the same commitments under a degree-4 constraint system.
    old[9..11].copy_from_slice(&3u16.to_le_bytes());
    let key = write(tmp.path(), "v3.vk", &old);
    refused(&verify(&cache, &proof, &key, &[]), "degree 4", "format version 3");
    // A plan in another spelling (same values) is refused rather than given a second identity.
    let s = sections(&honest);
    let mut spaced = honest[..s.plan.start - 4].to_vec();
    let json = [b" ".as_slice(), &honest[s.plan.clone()]].concat();
    spaced.extend(u32::try_from(json.len()).unwrap().to_le_bytes());
    spaced.extend(json);
    spaced.extend(&honest[s.plan.end..]);
    let key = write(tmp.path(), "spaced.vk", &spaced);
    refused(&verify(&cache, &proof, &key, &[]), "not in the form zkinfer writes", "respelled plan");
    // Nothing above touched the honest key.
    ok(&verify(&cache, &proof, &vk, &pin));
}

/// Relabelling second-phase (Freivalds) lanes as first-phase lanes leaves halo2's key bytes
/// unchanged (the columns and commitments are the same; only the phase and the challenge go)
/// but removes the challenge every Freivalds check depends on. The identity covers the plan
/// and the constraint system, so the relabelled key is another model.
#[test]
fn relabelled_freivalds_lanes_change_the_identity() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let (proof, _, vk) = proved_with(tmp.path(), &cache, "mlp", &["--linear-check", "freivalds"]);
    let honest = std::fs::read(&vk).unwrap();
    let plan: Plan = serde_json::from_slice(&honest[sections(&honest).plan]).unwrap();
    assert!(plan.late_lanes > 0, "mlp with --linear-check freivalds has no late lanes");
    let forged = with_plan(&honest, |p| {
        p.lanes += p.late_lanes;
        p.late_lanes = 0;
    });
    let (a, b) = (parse_vk(&honest, "honest").unwrap(), parse_vk(&forged, "forged").unwrap());
    // What older zkinfer called the identity: halo2's key bytes, unchanged by the relabelling.
    assert_eq!(
        a.vk.to_bytes(SerdeFormat::RawBytes),
        b.vk.to_bytes(SerdeFormat::RawBytes),
        "the relabelled key's halo2 bytes differ; this test no longer shows the attack"
    );
    assert_ne!(a.vk.transcript_repr(), b.vk.transcript_repr(), "same constraint system");
    assert_ne!(a.identity, b.identity, "the relabelled key kept the identity");
    let key = write(tmp.path(), "relabelled.vk", &forged);
    let honest_id = hex(&a.identity);
    refused(&verify(&cache, &proof, &key, &[]), "model identity mismatch", "relabelled lanes");
    let proof_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    let named = relabelled(&proof_json, &hex(&b.identity), &tmp.path().join("n.json"), |_| {});
    refused(
        &verify(&cache, &named, &key, &["--identity", &honest_id]),
        "model identity mismatch",
        "relabelled lanes, identity pinned",
    );
    // Even unpinned, the honest proof does not verify under the other constraint system.
    refused(&verify(&cache, &named, &key, &[]), "proof rejected", "relabelled lanes, unpinned");
    ok(&verify(&cache, &proof, &vk, &["--identity", &honest_id]));
}
