//! Commitments through the wgpu MSM (lavapipe in CI) equal the CPU's, point for point, in key
//! generation and in a real proof, and the stock verifier accepts the GPU-made proof.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use halo2_proofs::halo2curves::bn256::{Fr, G1Affine, G1};
use halo2_proofs::halo2curves::group::Curve;
use halo2_proofs::SerdeFormat;
use std::sync::{Arc, Mutex, OnceLock};
use zkinfer_gpu::{BasesId, CpuMsm, GpuOptions, Msm, Result, WgpuMsm};
use zkinfer_prover::{dev_srs, keygen, keygen_on, prove_on, verify};
use zkinfer_quantize::eval;

fn gpu() -> Arc<WgpuMsm> {
    static GPU: OnceLock<Arc<WgpuMsm>> = OnceLock::new();
    Arc::clone(GPU.get_or_init(|| {
        Arc::new(WgpuMsm::new(&GpuOptions::from_env()).unwrap_or_else(|e| {
            panic!("no GPU ({e}); on Linux install lavapipe: apt-get install mesa-vulkan-drivers")
        }))
    }))
}

/// Runs every MSM on the GPU and on the CPU and records whether they agree.
#[derive(Debug)]
struct Compare {
    gpu: Arc<WgpuMsm>,
    /// (size, equal) per call.
    calls: Mutex<Vec<(usize, bool)>>,
}

impl Msm for Compare {
    fn name(&self) -> String {
        "gpu, checked against cpu".to_owned()
    }
    fn msm(&self, scalars: &[Fr], bases: &[G1Affine], id: Option<BasesId>) -> Result<G1> {
        let got = self.gpu.msm(scalars, bases, id)?;
        let want = CpuMsm.msm(scalars, bases, None)?;
        self.calls.lock().unwrap().push((scalars.len(), got.to_affine() == want.to_affine()));
        Ok(got)
    }
}

#[test]
#[ignore = "full tier: needs a Vulkan driver (lavapipe in CI); run scripts/test.sh"]
fn gpu_commitments_equal_cpu_and_the_stock_verifier_accepts() {
    let (q, p, inputs) = common::compiled("mlp");
    let srs = dev_srs(p.k, 7);

    let compare = Arc::new(Compare { gpu: gpu(), calls: Mutex::default() });
    let msm: Arc<dyn Msm> = compare.clone();
    // Fixed-column commitments: the keys are byte for byte the CPU's.
    let pk = keygen_on(&msm, &srs, &q, &p).unwrap();
    let cpu_pk = keygen(&srs, &q, &p).unwrap();
    assert_eq!(
        pk.get_vk().to_bytes(SerdeFormat::RawBytes),
        cpu_pk.get_vk().to_bytes(SerdeFormat::RawBytes)
    );
    // Every commitment of a real proof.
    let witness = eval::eval_all(&q, &inputs).unwrap();
    let proof = prove_on(&msm, &srs, &pk, &q, &p, &witness).unwrap();
    let calls = compare.calls.lock().unwrap().clone();
    assert!(calls.len() > 10, "only {} MSMs went through the trait", calls.len());
    let differ: Vec<_> = calls.iter().filter(|(_, eq)| !eq).collect();
    assert!(
        differ.is_empty(),
        "GPU commitments differ from the CPU's: {differ:?} of {}",
        calls.len()
    );
    // The stock verifier accepts it, and still rejects a changed byte.
    verify(&srs, cpu_pk.get_vk(), &proof.instances, &proof.bytes).unwrap();
    let mut bad = proof.bytes.clone();
    bad[40] ^= 1;
    assert!(verify(&srs, cpu_pk.get_vk(), &proof.instances, &bad).is_err());

    // The GPU alone (no CPU comparison) proves too.
    let gpu_only: Arc<dyn Msm> = gpu();
    let proof = prove_on(&gpu_only, &srs, &pk, &q, &p, &witness).unwrap();
    verify(&srs, cpu_pk.get_vk(), &proof.instances, &proof.bytes).unwrap();
}
