//! On-chain verification benchmark: for each shared model, prove with the release CLI, generate
//! the Solidity verifier, compile it with the pinned solc, deploy it on revm and report gas and
//! deployed size. Each verifier must also reject one flipped byte in every 32-byte word of the
//! proof, a changed public output, and the previous model's proof; a failure is reported in the
//! table. A verifier over the EIP-170 limit is measured again split over several contracts. Run with `cargo bench --bench evm -- [MODEL ...]`; the table goes to stdout and to
//! benches/evm_results.md (named models replace their own rows).

#[allow(dead_code)] // the helpers of the other benches
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use zkinfer::internals::circuits::halo2_proofs::halo2curves::bn256::Fr;
use zkinfer::internals::prover::keys::read_vk;
use zkinfer::internals::prover::proof_file::ProofFile;
use zkinfer::internals::verifier::calldata::encode;
use zkinfer::internals::verifier::evm::Chain;
use zkinfer::internals::verifier::solc::Compiler;
use zkinfer::internals::verifier::solidity::{render, CONTRACT_NAME, EIP170_LIMIT};
use zkinfer::internals::verifier::split;
use zkinfer::onchain::{deploy, Deployment};

/// The shared defaults, then the two deepest of them calibrated with `--max-lanes 3`: fewer
/// columns, larger k, a deployable verifier.
fn defaults() -> Vec<&'static str> {
    let mut d = common::DEFAULT.to_vec();
    d.extend(["4l_relu_conv_fc@3", "lenet_5@3"]);
    d
}

const PREAMBLE: &str = "# zkinfer EVM verifier benchmark

Written by `cargo bench --bench evm`: release `zkinfer prove` per model (default settings,
development SRS), then the generated Solidity verifier compiled by solc 0.8.19 (optimizer off)
and executed on revm (mainnet rules). Gas is the whole verifying transaction (21,000 base and
calldata included). Each verifier also had to reject one flipped byte in every 32-byte word of
the proof, a changed public output, the same output plus r, and the previous model's proof.
EZKL 23 on the same machine: about 546k gas for `1l_relu`, 1.26M for `4l_relu_conv_fc`, 1.67M
for `lenet_5`; deployed verifiers of 13-20 KB. `MODEL@N` rows were calibrated with
`zkinfer calibrate --max-lanes N`: the same model laid out in at most N gate lanes (a larger
k), which is what makes its verifier fit the EIP-170 limit. `MODEL+hashed` rows were calibrated
with `--output-visibility hashed`: the outputs are one public instance, their Poseidon digest
(the changed-output check then changes the digest); `MODEL+packed` rows with
`--output-visibility packed`: the outputs stay public, several to an instance (the check then
changes a packed word). `MODEL --split` rows are the
verifier of a model whose single contract exceeds the limit, split over parts that each fit
(`zkinfer create-evm-verifier --split`): the entry contract calls the parts in order.

";

struct Proved {
    instances: Vec<Fr>,
    proof: Vec<u8>,
}

/// Proves `name` in a fresh cache; returns the proof and the path of its verifying key.
/// Variants (`name@N`, `name+hashed`, …) are calibrated first, see `common::variant`.
fn prove(exe: &str, models: &Path, name: &str, cache: &Path) -> Result<(Proved, PathBuf), String> {
    let (name, flags) = common::variant(name);
    let dir = models.join(name);
    let proof = cache.join("proof.json");
    let mut cmd = Command::new(exe);
    cmd.env("ZKINFER_CACHE", cache)
        .args(["prove", &dir.join("network.onnx").to_string_lossy()])
        .args(["--input", &dir.join("input.json").to_string_lossy()])
        .args(["-o", &proof.to_string_lossy(), "--json"]);
    if !flags.is_empty() {
        let settings = cache.join("settings.json");
        common::calibrate(exe, &dir, &flags, &settings)?;
        cmd.args(["--settings", &settings.to_string_lossy()]);
    }
    let out = cmd.output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let vk = cache.join("keys").join(v["circuit_hash"].as_str().unwrap_or("")).join("vk");
    let file = ProofFile::read(&proof).map_err(|e| e.to_string())?;
    Ok((
        Proved {
            instances: file.instance_values().map_err(|e| e.to_string())?,
            proof: file.proof_bytes().map_err(|e| e.to_string())?,
        },
        vk,
    ))
}

/// Adds BN254's scalar order r to a big-endian 32-byte word (no zkinfer output overflows).
fn add_r(word: &mut [u8]) {
    const R: &str = "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
    let r = zkinfer::internals::verifier::hex::decode(R).unwrap_or_default();
    let mut carry = 0u16;
    for (w, b) in word.iter_mut().zip(r).rev() {
        let s = u16::from(*w) + u16::from(b) + carry;
        *w = (s & 0xff) as u8;
        carry = s >> 8;
    }
}

/// Deploys a verifier and runs the accept and reject checks: gas of the real proof and the
/// tampering that was wrongly accepted.
fn check(
    deployment: &Deployment,
    p: &Proved,
    previous: Option<&Proved>,
) -> Result<(u64, Vec<usize>, usize, Vec<String>), String> {
    let mut chain = Chain::new(false);
    let d = deploy(&mut chain, deployment).map_err(|e| e.to_string())?;
    let (contract, parts) = (d.entry, d.part_bytes.clone());
    let mut call = |data: &[u8]| {
        chain
            .call(contract.address, data)
            .map(|o| (o.success, o.gas_used))
            .map_err(|e| e.to_string())
    };
    let good = encode(&p.instances, &p.proof);
    let (accepted, gas) = call(&good)?;
    let mut failures = Vec::new();
    if !accepted {
        failures.push("real proof rejected".to_string());
    }
    let head = 32 * p.instances.len();
    for word in 0..p.proof.len().div_ceil(32) {
        let mut bad = good.clone();
        let at = head + (word * 32 + 31).min(p.proof.len() - 1);
        bad[at] ^= 1;
        if call(&bad)?.0 {
            failures.push(format!("flipped proof byte {} accepted", at - head));
        }
    }
    let mut changed = p.instances.clone();
    changed[0] += Fr::one();
    if call(&encode(&changed, &p.proof))?.0 {
        failures.push("changed output accepted".into());
    }
    let mut alias = good.clone();
    add_r(&mut alias[..32]);
    if call(&alias)?.0 {
        failures.push("output + r accepted".into());
    }
    if let Some(o) = previous {
        if call(&encode(&o.instances, &o.proof))?.0 {
            failures.push("another model's proof accepted".into());
        }
    }
    Ok((gas, parts, contract.code_size, failures))
}

/// Table rows for the verifier of `vk`: the single contract, and when that exceeds EIP-170 the
/// split verifier too.
fn measure(name: &str, vk: &Path, p: &Proved, previous: Option<&Proved>) -> Result<String, String> {
    let bundle = read_vk(vk, None).map_err(|e| e.to_string())?;
    let source = render(&bundle, &[]).map_err(|e| e.to_string())?;
    let compiler = Compiler::locate().map_err(|e| e.to_string())?;
    // solcjs can run out of memory on the largest single verifiers; the split one still runs.
    let compiled = compiler.compile(&source, CONTRACT_NAME);
    let row = |label: &str, d: &Deployment| -> Result<String, String> {
        let (gas, parts, entry, failures) = check(d, p, previous)?;
        let largest = parts.iter().copied().chain([entry]).max().unwrap_or(entry);
        Ok(format!(
            "| `{label}` | {} | {} | {} | {gas} | {} | {} | {} |",
            bundle.plan.k,
            bundle.plan.lanes + bundle.plan.late_lanes + bundle.plan.all_lookup_lanes(),
            p.instances.len(),
            if parts.is_empty() {
                entry.to_string()
            } else {
                format!("{} parts ≤ {largest} + entry {entry}", parts.len())
            },
            if largest <= EIP170_LIMIT { "yes" } else { "no" },
            if failures.is_empty() { "all rejected".to_string() } else { failures.join("; ") },
        ))
    };
    let (mut rows, oversize) = match &compiled {
        Ok(c) => {
            let single = Deployment { parts: Vec::new(), entry: c.creation.clone(), key: None };
            (row(name, &single)?, c.runtime.len() > EIP170_LIMIT)
        }
        Err(e) => {
            let e = e.to_string();
            let why = e.lines().find(|l| l.contains("Error")).unwrap_or("compiler failed");
            (
                format!("| `{name}` | single contract not compiled: {} |", why.replace('|', "/")),
                true,
            )
        }
    };
    if oversize {
        let v = split::fit(&source, &compiler).map_err(|e| e.to_string())?;
        let d = Deployment {
            parts: v.parts.into_iter().map(|c| c.creation).collect(),
            entry: v.entry.creation,
            key: None,
        };
        rows.push('\n');
        rows.push_str(&row(&format!("{name} --split"), &d)?);
    }
    Ok(rows)
}

fn main() {
    let root = common::root();
    let models = common::models_dir();
    let names = common::names(&defaults());
    let exe = env!("CARGO_BIN_EXE_zkinfer");
    let header = "| model | k | lanes | instances | gas | deployed bytes | ≤ EIP-170 | tampering |\n|---|---:|---:|---:|---:|---:|---|---|\n";
    let mut rows: Vec<String> = Vec::new();
    let mut previous: Option<Proved> = None;
    for name in &names {
        let cache = std::env::temp_dir().join(format!("zkinfer-evm-bench-{name}"));
        let _ = std::fs::remove_dir_all(&cache);
        let _ = std::fs::create_dir_all(&cache);
        let row = prove(exe, &models, name, &cache).and_then(|(p, vk)| {
            let row = measure(name, &vk, &p, previous.as_ref());
            previous = Some(p);
            row
        });
        let line = row.unwrap_or_else(|e| {
            eprintln!("{name}: {e}");
            format!("| `{name}` | failed: {} |", e.lines().last().unwrap_or("").replace('|', "/"))
        });
        println!("{line}");
        rows.extend(line.lines().map(str::to_string));
        let _ = std::fs::remove_dir_all(&cache);
    }
    common::write_results(&root.join("benches/evm_results.md"), PREAMBLE, header, &rows);
    println!("\n{header}{}", rows.join("\n"));
}
