//! MSM benchmark: the CPU MSM (halo2's `best_multiexp`) against the wgpu MSM for 2^12 … 2^22
//! points, then whole proofs on each, with the share `f` of proving time spent in MSMs and
//! the speed-up bound `1/(1-f)` an MSM-only acceleration can reach. Run with
//!
//! `cargo bench --bench msm -- [--sizes 12-22] [--device auto|gpu|cpu] [--reps 3]
//! [--proof-reps N] [MODEL ...]`
//!
//! `--device auto` (the default) measures the GPU only when a hardware adapter is present;
//! `gpu` takes any adapter (a software one is far slower than the CPU); `cpu` skips it.
//! Models default to `lenet_5`; `--models none` skips the whole proofs. `--proof-reps` (default:
//! `--reps`) sets the timed proofs per model and device, for models whose proofs take minutes. The tables go to
//! stdout and to benches/msm_results.md (`--out FILE` elsewhere).

// A benchmark binary: a failed step ends the run with its message.
#![allow(clippy::expect_used, clippy::panic, missing_docs)]

#[allow(dead_code)]
mod common;

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zkinfer::internals::circuits::halo2_proofs::arithmetic::Field;
use zkinfer::internals::circuits::halo2_proofs::halo2curves::bn256::{Fr, G1Affine, G1};
use zkinfer::internals::circuits::halo2_proofs::halo2curves::group::{Curve, Group};
use zkinfer::internals::circuits::halo2_proofs::poly::commitment::ParamsProver;
use zkinfer::internals::prover::gpu::{
    select, BasesId, CpuMsm, Device, GpuOptions, Msm, Timed, WgpuMsm,
};
use zkinfer::internals::prover::keygen;
use zkinfer::internals::prover::profile::ProvePhases;
use zkinfer::internals::prover::proof::prove_profiled;
use zkinfer::internals::quantize::Target;
use zkinfer::{dev_srs_cached, Compiled, Model};

struct Args {
    sizes: Vec<u32>,
    device: Device,
    reps: usize,
    proof_reps: Option<usize>,
    models: Vec<String>,
    out: std::path::PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        sizes: (12..=22).collect(),
        device: Device::Auto,
        reps: 3,
        proof_reps: None,
        models: Vec::new(),
        out: common::root().join("benches/msm_results.md"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--bench" => {}
            "--sizes" => a.sizes = parse_sizes(&value()?)?,
            "--device" => a.device = value()?.parse().map_err(|e| format!("--device: {e}"))?,
            "--reps" => a.reps = value()?.parse().map_err(|e| format!("--reps: {e}"))?,
            "--proof-reps" => {
                a.proof_reps = Some(value()?.parse().map_err(|e| format!("--proof-reps: {e}"))?);
            }
            "--out" => a.out = value()?.into(),
            "--models" => {
                a.models = value()?.split(',').filter(|m| *m != "none").map(String::from).collect();
                if a.models.is_empty() {
                    a.models.push(String::new());
                }
            }
            m if !m.starts_with('-') => a.models.push(m.to_owned()),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if a.models.is_empty() {
        a.models.push("lenet_5".into());
    }
    a.models.retain(|m| !m.is_empty());
    a.reps = a.reps.max(1);
    a.proof_reps = a.proof_reps.map(|r| r.max(1));
    Ok(a)
}

/// `12-22`, `16,20,22` or a mix.
fn parse_sizes(s: &str) -> Result<Vec<u32>, String> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let bad = || format!("--sizes: {part:?} is not K or K1-K2");
        let (lo, hi) = part.split_once('-').unwrap_or((part, part));
        let (lo, hi): (u32, u32) = (lo.parse().map_err(|_| bad())?, hi.parse().map_err(|_| bad())?);
        if lo > hi || hi > 26 {
            return Err(bad());
        }
        out.extend(lo..=hi);
    }
    Ok(out)
}

/// 2^k distinct points: `P + i·Q` by repeated addition (cheap to make; an MSM's cost does
/// not depend on how the points were chosen).
fn bases(k: u32) -> Vec<G1Affine> {
    let mut rng = rand::rngs::OsRng;
    let (p, q) = (G1::random(&mut rng), G1::random(&mut rng));
    let mut proj = Vec::with_capacity(1 << k);
    let mut acc = p;
    for _ in 0..1usize << k {
        proj.push(acc);
        acc += q;
    }
    let mut out = vec![G1Affine::default(); proj.len()];
    G1::batch_normalize(&proj, &mut out);
    out
}

fn scalars(n: usize) -> Vec<Fr> {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(n as u64);
    (0..n).map(|_| Fr::random(&mut rng)).collect()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median time of `reps` runs after one warm-up; returns the result too.
fn time_msm(msm: &dyn Msm, s: &[Fr], b: &[G1Affine], id: BasesId, reps: usize) -> (Duration, G1) {
    let warm = msm.msm(s, b, Some(id)).unwrap_or_else(|e| panic!("{}: {e}", msm.name()));
    let times = (0..reps)
        .map(|_| {
            let t = Instant::now();
            let r = msm.msm(s, b, Some(id)).unwrap_or_else(|e| panic!("{}: {e}", msm.name()));
            assert_eq!(r, warm, "{} is not deterministic", msm.name());
            t.elapsed()
        })
        .collect();
    (median(times), warm)
}

fn msm_table(a: &Args, gpu: Option<&Arc<dyn Msm>>) -> String {
    let mut t = String::from(
        "| points | CPU ms | GPU ms | GPU first call ms (bases upload) | speed-up |\n|---:|---:|---:|---:|---:|\n",
    );
    let Some(&kmax) = a.sizes.iter().max() else { return t };
    let all = bases(kmax);
    for &k in &a.sizes {
        let n = 1usize << k;
        let (s, b) = (scalars(n), &all[..n]);
        let (cpu_t, cpu_r) = time_msm(&CpuMsm, &s, b, BasesId::fresh(), a.reps);
        let gpu_cols = gpu.map(|g| {
            let id = BasesId::fresh();
            let start = Instant::now();
            let first = g.msm(&s, b, Some(id)).unwrap_or_else(|e| panic!("{}: {e}", g.name()));
            let first_t = start.elapsed();
            assert_eq!(first, cpu_r, "GPU and CPU MSMs differ at 2^{k}");
            let (gpu_t, r) = time_msm(g.as_ref(), &s, b, id, a.reps);
            assert_eq!(r, cpu_r, "GPU and CPU MSMs differ at 2^{k}");
            (gpu_t, first_t)
        });
        let line = match gpu_cols {
            Some((g, first)) => format!(
                "| 2^{k} | {:.1} | {:.1} | {:.1} | {:.2}× |",
                ms(cpu_t),
                ms(g),
                ms(first),
                cpu_t.as_secs_f64() / g.as_secs_f64()
            ),
            None => format!("| 2^{k} | {:.1} | – | – | – |", ms(cpu_t)),
        };
        println!("{line}");
        t.push_str(&line);
        t.push('\n');
    }
    t
}

/// Where a GPU MSM's time goes at each size: every stage submitted and waited for on its own
/// (so the total exceeds the MSM table's time by the waits).
fn stage_table(a: &Args) -> String {
    let mut t = String::from(
        "| points | upload | count digits | scan counts | scatter digits | bucket-sum levels | reduce windows | read back, combine | total |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let gpu = match WgpuMsm::new(&GpuOptions::from_env()) {
        Ok(g) => g,
        Err(e) => return format!("(no stage table: {e})\n"),
    };
    let Some(&kmax) = a.sizes.iter().max() else { return t };
    let all = bases(kmax);
    for &k in &a.sizes {
        let n = 1usize << k;
        let (s, b) = (scalars(n), &all[..n]);
        let id = BasesId::fresh();
        let want = gpu.msm(&s, b, Some(id)).unwrap_or_else(|e| panic!("GPU: {e}"));
        let (got, stages) = gpu.msm_stages(&s, b, Some(id)).unwrap_or_else(|e| panic!("GPU: {e}"));
        assert_eq!(got, want, "staged and plain GPU MSMs differ at 2^{k}");
        let find = |name: &str| {
            stages
                .iter()
                .find(|(s, _)| s == name)
                .map_or("–".to_owned(), |(_, d)| format!("{:.1}", ms(*d)))
        };
        let levels: Vec<String> = stages
            .iter()
            .filter(|(s, _)| s.starts_with("sum level"))
            .map(|(_, d)| format!("{:.1}", ms(*d)))
            .collect();
        let total: Duration = stages.iter().map(|(_, d)| *d).sum();
        let line = format!(
            "| 2^{k} | {} | {} | {} | {} | {} | {} | {} | {:.1} |",
            find("upload"),
            find("count digits"),
            find("scan counts"),
            find("scatter digits"),
            levels.join(" + "),
            find("reduce windows"),
            find("read back, combine windows"),
            ms(total)
        );
        println!("{line}");
        t.push_str(&line);
        t.push('\n');
    }
    t
}

/// One timed proof: wall time, MSM busy time and calls inside it, and its phases.
struct ProofRun {
    prove: Duration,
    busy: Duration,
    calls: u64,
    phases: ProvePhases,
}

fn timed_prove(msm: &Arc<dyn Msm>, run: &dyn Fn(&Arc<dyn Msm>) -> ProvePhases) -> ProofRun {
    let timed = Arc::new(Timed::new(Arc::clone(msm)));
    let as_msm: Arc<dyn Msm> = Arc::clone(&timed) as Arc<dyn Msm>;
    let start = Instant::now();
    let phases = run(&as_msm);
    let totals = timed.totals();
    ProofRun { prove: start.elapsed(), busy: totals.busy, calls: totals.calls, phases }
}

/// The phase table's header and one row: where a proof's time goes once MSMs are fast.
const PHASE_HEADER: &str = "| model | device | layout | synthesis | advice commit | lookups | permutation | quotient | evaluations | opening | of which MSM |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";

fn phase_row(name: &str, label: &str, p: &ProvePhases) -> String {
    format!(
        "| `{name}` | {label} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
        p.layout,
        p.synthesis,
        p.advice_commit,
        p.lookups,
        p.permutation,
        p.quotient,
        p.evaluations,
        p.opening,
        p.msm
    )
}

/// The whole-proof table and the phase table; `on_row` sees both so far after each row, so a
/// run cut short still leaves the rows it finished.
fn proof_table(
    a: &Args,
    gpu: Option<&Arc<dyn Msm>>,
    on_row: &mut dyn FnMut(&str, &str),
) -> (String, String) {
    let mut phases = String::from(PHASE_HEADER);
    let mut t = String::from(
        "| model | k | device | prove s | MSM s (trait) | MSM calls | opening MSMs s (CPU) | f | bound 1/(1-f) | speed-up vs CPU | share of bound |\n|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let models = common::models_dir();
    for name in &a.models {
        let dir = models.join(name);
        let model = Model::load(&dir.join("network.onnx"), 1).expect("model loads");
        let inputs = model.read_input(&dir.join("input.json")).expect("input reads");
        let settings = model
            .calibrate(std::slice::from_ref(&inputs), Target::Accuracy, |_| {})
            .expect("calibrates");
        let c = Compiled::new(&model, &settings).expect("compiles");
        let witness = zkinfer::steps::witness(&c, &inputs).expect("witness");
        let (srs, _) = dev_srs_cached(c.plan.k).expect("SRS");
        let pk = keygen(&srs, &c.qgraph, &c.plan).expect("keygen");
        // SHPLONK's two opening MSMs (2^k points each) run inside halo2 on the CPU: its
        // queries keep their polynomials crate-private, so no prover outside halo2 can
        // commit them. They count towards f as two CPU MSMs of that size.
        let n = 1usize << c.plan.k;
        let (open_t, _) =
            time_msm(&CpuMsm, &scalars(n), &srs.get_g()[..n], BasesId::fresh(), a.reps);
        let open = 2 * open_t;
        let run = |msm: &Arc<dyn Msm>| {
            prove_profiled(msm, &srs, &pk, &c.qgraph, &c.plan, &witness).expect("proof").1
        };
        let cpu: Arc<dyn Msm> = Arc::new(CpuMsm);
        let mut rows = vec![("cpu".to_string(), &cpu)];
        if let Some(g) = gpu {
            rows.push((g.name(), g));
        }
        let mut cpu_prove = None;
        for (label, msm) in rows {
            let baseline = cpu_prove.is_none();
            run(msm); // warm-up: GPU pipelines, SRS upload, allocator
            let reps = a.proof_reps.unwrap_or(a.reps);
            let mut runs: Vec<_> = (0..reps).map(|_| timed_prove(msm, &run)).collect();
            runs.sort_by_key(|r| r.prove);
            let ProofRun { prove, busy, calls, phases: median } = &runs[runs.len() / 2];
            let (prove, busy) = (*prove, *busy);
            let f = (busy + open).as_secs_f64() / prove.as_secs_f64();
            let base = *cpu_prove.get_or_insert((prove, f));
            let speedup = base.0.as_secs_f64() / prove.as_secs_f64();
            let bound = 1.0 / (1.0 - base.1);
            let line = format!(
                "| `{name}` | {} | {label} | {:.2} | {:.2} | {calls} | {:.2} | {:.2} | {:.2}× | {} | {} |",
                c.plan.k,
                prove.as_secs_f64(),
                busy.as_secs_f64(),
                open.as_secs_f64(),
                f,
                1.0 / (1.0 - f),
                if baseline { "–".to_owned() } else { format!("{speedup:.2}×") },
                if baseline { "–".to_owned() } else { format!("{:.0}%", 100.0 * speedup / bound) },
            );
            println!("{line}");
            t.push_str(&line);
            t.push('\n');
            phases.push_str(&phase_row(name, &label, median));
            phases.push('\n');
            on_row(&t, &phases);
        }
    }
    (t, phases)
}

fn main() {
    let a = parse_args().unwrap_or_else(|e| {
        eprintln!("msm bench: {e}");
        std::process::exit(2)
    });
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let gpu = match a.device {
        Device::Cpu => None,
        d => {
            let selected = select(d, &GpuOptions::from_env()).unwrap_or_else(|e| {
                eprintln!("msm bench: --device {d}: {e}");
                std::process::exit(2)
            });
            if let Some(reason) = &selected.fallback {
                eprintln!("msm bench: GPU not measured: {reason}");
                None
            } else {
                Some(selected.msm)
            }
        }
    };
    let device = gpu.as_ref().map_or_else(|| "none".to_string(), |g| g.name());
    println!("CPU: {cores} threads; GPU: {device}");
    let mut msm = msm_table(&a, gpu.as_ref());
    if gpu.is_some() {
        let _ = write!(
            msm,
            "\n### GPU stages (ms)\n\nOne MSM per size with each stage submitted and waited for \
             on its own, so the total exceeds the table's time by the waits; each bucket-sum \
             level's time is listed.\n\n{}",
            stage_table(&a)
        );
    }
    // The file is written after the MSM table and after every proof row, so a run stopped
    // early (a time limit on a lent machine) keeps what it measured.
    let write = |proofs: &str, phases: &str, done: bool| {
        let doc = document(&a, cores, &device, &msm, proofs, phases, done);
        if let Err(e) = std::fs::write(&a.out, &doc) {
            eprintln!("msm bench: writing {}: {e}", a.out.display());
        }
        doc
    };
    write("", "", a.models.is_empty());
    let (proofs, phases) = if a.models.is_empty() {
        (String::new(), String::new())
    } else {
        proof_table(&a, gpu.as_ref(), &mut |t, p| {
            write(t, p, false);
        })
    };
    let doc = write(&proofs, &phases, true);
    println!("\n{doc}");
}

/// The results file: the MSM table, the proof and phase rows so far, and whether the run
/// finished.
fn document(
    a: &Args,
    cores: usize,
    device: &str,
    msm: &str,
    proofs: &str,
    phases: &str,
    done: bool,
) -> String {
    let mut doc = String::from("# zkinfer MSM benchmark\n\n");
    let _ = writeln!(
        doc,
        "Written by `cargo bench --bench msm`. CPU MSM: halo2's `best_multiexp` on {cores} threads; \
         GPU MSM: {device}. Times are medians of {} runs after a warm-up ({} for whole proofs); \
         every GPU result is checked equal to the CPU's. In the proof table, MSM s is the wall time with at least \
         one MSM the prover routes through the MSM trait in flight; SHPLONK's two opening MSMs \
         (2^k points each) stay inside halo2 on the CPU (its queries keep their polynomials \
         crate-private) and are timed as two CPU MSMs of that size. `f` is the share of the \
         proof spent in all MSMs, `1/(1-f)` the most an MSM-only speed-up can give and the \
         last column the speed-up as a share of the CPU proof's bound.\n",
        a.reps,
        a.proof_reps.unwrap_or(a.reps)
    );
    let _ = writeln!(doc, "## MSM\n\n{msm}");
    if !proofs.is_empty() || !done {
        let _ = writeln!(doc, "## Whole proofs\n\n{proofs}");
        let _ = writeln!(
            doc,
            "### Phases of the median proof (s)\n\nWhere the time goes once MSMs are fast: \
             quotient holds the extended-domain FFTs and constraint evaluation, lookups the \
             permuted columns' sorting and grand products; `of which MSM` is the commitments' \
             MSM time inside the phases.\n\n{phases}"
        );
    }
    if !done {
        let _ = writeln!(doc, "(run in progress or stopped before the remaining rows)");
    }
    doc
}
