//! The wgpu MSM must give exactly the CPU MSM's point, on random and edge-case inputs.
//!
//! CI runs these on Mesa's software Vulkan driver (lavapipe), under the Khronos validation layer
//! when `ZKINFER_GPU_VALIDATION=1`: any validation error wgpu logs fails the test that caused it.
//! One `WgpuMsm` serves the whole process, since building its pipelines takes minutes there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use halo2_proofs::arithmetic::Field;
use halo2_proofs::halo2curves::bn256::{Fr, G1Affine, G1};
use halo2_proofs::halo2curves::group::prime::PrimeCurveAffine;
use halo2_proofs::halo2curves::group::{Curve, Group};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use std::sync::{Mutex, OnceLock};
use zkinfer_gpu::{BasesId, CpuMsm, GpuOptions, Msm, WgpuMsm};

/// wgpu error-level log records (validation-layer messages arrive this way).
static ERRORS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct ErrorLog;

impl log::Log for ErrorLog {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.level() <= log::Level::Warn
    }
    fn log(&self, r: &log::Record<'_>) {
        if r.level() == log::Level::Error && r.target().starts_with("wgpu") {
            ERRORS.lock().unwrap().push(format!("{}: {}", r.target(), r.args()));
        } else if self.enabled(r.metadata()) {
            eprintln!("{} {}: {}", r.level(), r.target(), r.args());
        }
    }
    fn flush(&self) {}
}

fn gpu() -> &'static WgpuMsm {
    static GPU: OnceLock<WgpuMsm> = OnceLock::new();
    GPU.get_or_init(|| {
        let _ = log::set_logger(&ErrorLog);
        log::set_max_level(log::LevelFilter::Warn);
        let options = GpuOptions::from_env();
        let start = std::time::Instant::now();
        let msm = WgpuMsm::new(&options).unwrap_or_else(|e| {
            panic!("no GPU for the equality tests ({e}); on Linux install lavapipe: apt-get install mesa-vulkan-drivers")
        });
        eprintln!(
            "GPU: {} (validation {}), pipelines built in {:.1} s",
            msm.adapter(),
            options.validation,
            start.elapsed().as_secs_f64()
        );
        msm
    })
}

fn no_validation_errors() {
    let errors = ERRORS.lock().unwrap();
    assert!(errors.is_empty(), "wgpu reported errors: {errors:#?}");
}

fn points(rng: &mut StdRng, n: usize) -> Vec<G1Affine> {
    // Random multiples of the generator, normalised in one batch.
    let proj: Vec<G1> = (0..n).map(|_| G1::generator() * Fr::random(&mut *rng)).collect();
    let mut out = vec![G1Affine::default(); n];
    G1::batch_normalize(&proj, &mut out);
    out
}

fn scalars(rng: &mut StdRng, n: usize) -> Vec<Fr> {
    (0..n).map(|_| Fr::random(&mut *rng)).collect()
}

#[track_caller]
fn same(scalars: &[Fr], bases: &[G1Affine], id: Option<BasesId>) {
    let want = CpuMsm.msm(scalars, bases, None).unwrap();
    let gpu = gpu();
    let start = std::time::Instant::now();
    let got = gpu.msm(scalars, bases, id).unwrap();
    eprintln!("n = {}: {:.2} s", scalars.len(), start.elapsed().as_secs_f64());
    no_validation_errors();
    assert_eq!(got.to_affine(), want.to_affine(), "n = {}", scalars.len());
}

#[test]
#[ignore = "full tier: needs a Vulkan driver (lavapipe in CI); run scripts/test.sh"]
fn random_inputs_of_many_sizes() {
    let mut rng = StdRng::seed_from_u64(1);
    for n in [1usize, 2, 3, 7, 64, 100, 255, 256, 1000, 1024, 4096] {
        let b = points(&mut rng, n);
        same(&scalars(&mut rng, n), &b, None);
    }
}

#[test]
#[ignore = "full tier: needs a Vulkan driver (lavapipe in CI); run scripts/test.sh"]
fn edge_case_scalars() {
    let mut rng = StdRng::seed_from_u64(2);
    let n = 300;
    let b = points(&mut rng, n);
    let minus_one = -Fr::ONE;
    let cases: Vec<Vec<Fr>> = vec![
        vec![Fr::ZERO; n],
        vec![Fr::ONE; n],
        vec![minus_one; n],
        // Every window's digit at the signed range's edges: 2^(c-1) and 2^c - 1 patterns.
        (0..n).map(|i| Fr::from(2u64).pow_vartime([i as u64 % 254])).collect(),
        (0..n).map(|i| Fr::from(2u64).pow_vartime([i as u64 % 254]) - Fr::ONE).collect(),
        (0..n)
            .map(|i| if i % 3 == 0 { Fr::ZERO } else { minus_one - Fr::from(i as u64) })
            .collect(),
        (0..n).map(|i| Fr::from(u64::MAX - i as u64)).collect(),
    ];
    for s in cases {
        same(&s, &b, None);
    }
}

/// Real commitments are skewed: booleans, small integers and repeated values put most points
/// in a few buckets, and a 254-bit scalar's top window has only a few bits. Such buckets are
/// summed over several levels; each must still give the CPU's point.
#[test]
#[ignore = "full tier: needs a Vulkan driver (lavapipe in CI); run scripts/test.sh"]
fn skewed_scalars_fill_few_buckets() {
    let mut rng = StdRng::seed_from_u64(7);
    let n = 5000;
    let b = points(&mut rng, n);
    let bits: Vec<Fr> = (0..n).map(|_| Fr::from(u64::from(rng.next_u32() & 1))).collect();
    let small: Vec<Fr> = (0..n).map(|_| Fr::from(u64::from(rng.next_u32() % 5))).collect();
    // One bucket holds every point (three levels of slots), then all but one point.
    same(&vec![Fr::ONE; n], &b, None);
    let mut ones_but_one = vec![Fr::ONE; n];
    ones_but_one[n / 2] = Fr::from(3u64);
    same(&ones_but_one, &b, None);
    same(&bits, &b, None);
    same(&small, &b, None);
    // 2^13 random scalars: 11-bit windows leave the top window one bit, half the points each.
    let n = 1 << 13;
    let b = points(&mut rng, n);
    same(&scalars(&mut rng, n), &b, None);
}

#[test]
#[ignore = "full tier: needs a Vulkan driver (lavapipe in CI); run scripts/test.sh"]
fn edge_case_points() {
    let mut rng = StdRng::seed_from_u64(3);
    let n = 200;
    let s = scalars(&mut rng, n);
    let g = G1Affine::generator();
    // One point repeated: every bucket adds a point to itself (the doubling case).
    same(&s, &vec![g; n], None);
    // The same point with the same scalar everywhere: one bucket per window holds all of them.
    same(&vec![Fr::from(5u64); n], &vec![g; n], None);
    // Identities mixed in.
    let mut b = points(&mut rng, n);
    for p in b.iter_mut().step_by(3) {
        *p = G1Affine::identity();
    }
    same(&s, &b, None);
    same(&s, &vec![G1Affine::identity(); n], None);
    // P and -P with equal scalars cancel.
    let p = points(&mut rng, n / 2);
    let b: Vec<G1Affine> = p.iter().flat_map(|&q| [q, -q]).collect();
    let s2: Vec<Fr> = s[..n / 2].iter().flat_map(|&x| [x, x]).collect();
    same(&s2, &b, None);
}

#[test]
#[ignore = "full tier: needs a Vulkan driver (lavapipe in CI); run scripts/test.sh"]
fn resident_bases_serve_later_calls_and_longer_sets() {
    let mut rng = StdRng::seed_from_u64(4);
    let b = points(&mut rng, 512);
    let id = BasesId::fresh();
    for n in [512, 100, 512, 1] {
        same(&scalars(&mut rng, n), &b, Some(id));
    }
    // A different id with other bases must not see the first set.
    let other = points(&mut rng, 512);
    same(&scalars(&mut rng, 512), &other, Some(BasesId::fresh()));
    same(&scalars(&mut rng, 512), &b, Some(id));
}

#[test]
#[ignore = "full tier: needs a Vulkan driver (lavapipe in CI); run scripts/test.sh"]
fn runs_split_into_chunks_add_up() {
    let mut rng = StdRng::seed_from_u64(5);
    let b = points(&mut rng, 1000);
    let s = scalars(&mut rng, 1000);
    gpu().limit_chunk(256);
    same(&s, &b, Some(BasesId::fresh()));
    same(&s[..700], &b, None);
    gpu().limit_chunk(usize::MAX);
    same(&s, &b, None);
}

#[test]
#[ignore = "full tier: needs a Vulkan driver (lavapipe in CI); run scripts/test.sh"]
fn fewer_bases_than_scalars_is_an_error() {
    let mut rng = StdRng::seed_from_u64(6);
    let b = points(&mut rng, 4);
    let e = gpu().msm(&scalars(&mut rng, 5), &b, None).unwrap_err();
    assert!(e.to_string().contains("at least as many bases"), "{e}");
    assert!(CpuMsm.msm(&scalars(&mut rng, 5), &b, None).is_err());
    assert_eq!(gpu().msm(&[], &b, None).unwrap(), G1::identity());
}
