//! A ceremony-size SRS for a smaller circuit: its Lagrange basis at the circuit's size is
//! computed once, cached by the points it derives from, checked on every load, and recomputed
//! when the cache is damaged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::cell::Cell;
use zkinfer::internals::circuits::halo2_proofs::poly::commitment::ParamsProver;
use zkinfer::internals::prover::dev_srs;
use zkinfer::internals::prover::srs::{import_params, lagrange_points, write_srs};
use zkinfer::steps::srs_for_with;

#[test]
fn larger_srs_lagrange_basis_is_computed_once_and_checked() {
    let tmp = tempfile::tempdir().unwrap();
    // This test binary has this one test, so setting the variable races with nothing.
    std::env::set_var("ZKINFER_CACHE", tmp.path().join("cache"));
    let k = 8;
    let file = tmp.path().join("big.srs");
    write_srs(&dev_srs(k + 3, 9), "test seed=9", &file).unwrap();
    let exact = dev_srs(k, 9);
    let computed = Cell::new(0);
    let load = || {
        let (srs, label) = srs_for_with(Some(&file), k, &|at| {
            assert_eq!(at, k);
            computed.set(computed.get() + 1);
        })
        .unwrap();
        assert_eq!(label, "test seed=9");
        assert_eq!(srs.get_g(), exact.get_g());
        // halo2's FFT over the points gives the basis the seed's formula gives.
        assert_eq!(lagrange_points(&srs), lagrange_points(&exact));
    };
    load();
    assert_eq!(computed.get(), 1);
    load();
    assert_eq!(computed.get(), 1, "the cached basis was not used");

    // One altered Lagrange point: the check on load refuses the cache and recomputes it.
    let cached: Vec<_> = std::fs::read_dir(tmp.path().join("cache/srs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("lagrange-k8-"))
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    let mut bytes = std::fs::read(&cached[0]).unwrap();
    let lagrange_at = bytes.len() - 256 - (64 << k);
    bytes.copy_within(lagrange_at + 64..lagrange_at + 128, lagrange_at);
    std::fs::write(&cached[0], &bytes).unwrap();
    load();
    assert_eq!(computed.get(), 2, "a damaged cache was trusted");
    load();
    assert_eq!(computed.get(), 2);

    // An exact-size file whose own Lagrange points are wrong: they are not trusted either.
    let exact_file = tmp.path().join("exact.srs");
    write_srs(&exact, "test seed=9", &exact_file).unwrap();
    let mut bytes = std::fs::read(&exact_file).unwrap();
    let lagrange_at = bytes.len() - 256 - (64 << k);
    bytes.copy_within(lagrange_at + 64..lagrange_at + 128, lagrange_at);
    std::fs::write(&exact_file, &bytes).unwrap();
    let (srs, _) =
        srs_for_with(Some(&exact_file), k, &|_| computed.set(computed.get() + 1)).unwrap();
    assert_eq!(lagrange_points(&srs), lagrange_points(&exact));
    assert_eq!(computed.get(), 2, "the cache of these points was not used");

    // halo2 params files with too few bytes, or none at all, are errors, not panics.
    let params = tmp.path().join("ceremony.params");
    let mut raw = Vec::new();
    exact
        .write_custom(&mut raw, zkinfer::internals::circuits::halo2_proofs::SerdeFormat::RawBytes)
        .unwrap();
    for len in [0, 3, 4, raw.len() / 2, raw.len() - 1] {
        std::fs::write(&params, &raw[..len]).unwrap();
        assert!(import_params(&params, None).is_err(), "{len} bytes accepted");
    }
    std::fs::write(&params, &raw).unwrap();
    let (imported, label) = import_params(&params, Some(k - 1)).unwrap();
    assert!(label.starts_with("imported sha256="));
    assert_eq!(imported.get_g(), &exact.get_g()[..1 << (k - 1)]);
}
