"""zkinfer against EZKL, head to head on the same models and machine, in one run.

For each model, EZKL's pipeline (gen_settings, calibrate_settings with the `accuracy` target,
compile_circuit, setup, gen_witness + prove, verify) and `zkinfer prove` + `zkinfer verify`
run one after the other, each stage in a process of its own so its peak resident memory is
its own (os.wait4). Both tools' outputs are compared with onnxruntime's on the same input:
max rel err = max |proven - onnxruntime| / max |onnxruntime| over every output.

EZKL's SRS comes from its own `gen_srs` (an insecure local SRS: the download needs a network)
and zkinfer's from its development SRS cache; neither is counted in setup. Results go to
benches/compare/results.json, results.md (the full table) and chart.png, and a summary (one row
per model: k, setup, prove and peak-memory ratios, errors) into README.md between the
`compare:start` and `compare:end` markers. Run it through benches/compare/run.sh;
`--report-only` rewrites results.md, chart.png and the README summary from results.json.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("ZKINFER_MODELS", ROOT.parent / "shared" / "models"))
ONE_OP = [
    "1l_relu", "1l_sigmoid", "1l_tanh", "1l_softmax", "1l_conv", "1l_average",
    "1l_max_pool", "1l_mlp", "1l_batch_norm", "1l_concat",
]
DEFAULT = ONE_OP + ["4l_relu_conv_fc", "lenet_5", "cifar10_cnn"]


def model_dir(name):
    """A model of the repository's corpus, else of the shared corpus."""
    for base in (ROOT / "corpus", SHARED):
        if (base / name / "network.onnx").exists():
            return base / name
    return None


def run_process(cmd, timeout, env=None):
    """Runs cmd; returns (returncode, stdout, stderr, wall seconds)."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        return 124, out, (err or "") + f"\ntimed out after {timeout} s", timeout
    return p.returncode, out, err, time.perf_counter() - start


def stage_process(args):
    """Runs one EZKL stage in this process and prints its timing and peak memory as JSON."""
    import ezkl

    work = Path(args.work)
    model = str(work / "network.onnx")
    settings, compiled = str(work / "settings.json"), str(work / "network.ezkl")
    data, witness = str(work / "input.json"), str(work / "witness.json")
    pk, vk, proof = str(work / "pk.key"), str(work / "vk.key"), str(work / "proof.json")
    srs = args.srs
    start = time.perf_counter()
    if args.stage == "settings":
        run_args = ezkl.PyRunArgs()
        ok = ezkl.gen_settings(model, settings, py_run_args=run_args)
        ok = ok and ezkl.calibrate_settings(data, model, settings, "accuracy")
        ok = ok and ezkl.compile_circuit(model, compiled, settings)
        logrows = json.loads(Path(settings).read_text())["run_args"]["logrows"]
        extra = {"logrows": logrows}
    elif args.stage == "srs":
        if not Path(srs).exists():
            ezkl.gen_srs(srs, args.logrows)
        ok = Path(srs).exists()
        extra = {}
    elif args.stage == "setup":
        ok = ezkl.setup(compiled, vk, pk, srs)
        extra = {}
    elif args.stage == "prove":
        ezkl.gen_witness(data, compiled, witness)
        ok = ezkl.prove(witness, compiled, pk, proof, srs) is not None
        extra = {}
    elif args.stage == "verify":
        ok = ezkl.verify(proof, settings, vk, srs)
        extra = {}
    else:
        raise SystemExit(f"unknown stage {args.stage}")
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"ok": bool(ok), "seconds": seconds, "peak_bytes": peak, **extra}))
    sys.stdout.flush()
    os._exit(0)


def stage(name, work, srs, timeout, logrows=0):
    cmd = [sys.executable, __file__, "--stage", name, "--work", str(work), "--srs", str(srs),
           "--logrows", str(logrows)]
    rc, out, err, _ = run_process(cmd, timeout)
    lines = [l for l in out.splitlines() if l.startswith("{")]
    if rc != 0 or not lines:
        tail = (err or out).strip().splitlines()[-3:]
        raise RuntimeError(f"EZKL {name} failed: {' / '.join(tail)}")
    result = json.loads(lines[-1])
    if not result["ok"]:
        raise RuntimeError(f"EZKL {name} returned failure")
    return result


def reference(dirpath):
    """onnxruntime's outputs for the model's input.json, flattened per output."""
    import numpy as np
    import onnxruntime as ort

    sess = ort.InferenceSession(str(dirpath / "network.onnx"), providers=["CPUExecutionProvider"])
    data = json.loads((dirpath / "input.json").read_text())["input_data"]
    feeds = {}
    for meta, values in zip(sess.get_inputs(), data):
        shape = [d if isinstance(d, int) and d > 0 else 1 for d in meta.shape]
        dtype = np.int64 if "int64" in meta.type else np.float32
        feeds[meta.name] = np.array(values, dtype=dtype).reshape(shape)
    return [np.asarray(o, dtype=np.float64).ravel() for o in sess.run(None, feeds)]


def rel_err(outputs, expected):
    import numpy as np

    worst = 0.0
    for got, want in zip(outputs, expected):
        got = np.asarray(got, dtype=np.float64).ravel()
        if got.shape != want.shape:
            return float("nan")
        scale = max(float(np.max(np.abs(want))), 1e-12)
        worst = max(worst, float(np.max(np.abs(got - want))) / scale)
    return worst


def ezkl_max_k():
    """The largest k whose EZKL setup fits in this machine's memory, from EZKL's lenet_5 peak
    measured here (9.4 GiB at k = 20), which roughly doubles with each k."""
    try:
        with open("/proc/meminfo") as f:
            total = int(f.readline().split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return 20
    k = 20
    while 9.4 * 2**30 * 2 ** (k + 1 - 20) <= total:
        k += 1
    while k > 10 and 9.4 * 2**30 * 2 ** (k - 20) > total:
        k -= 1
    return k


def proof_size(proof):
    """Bytes of an EZKL proof.json's proof (a hex string or a list of byte values)."""
    for key in ("hex_proof", "proof"):
        p = proof.get(key)
        if isinstance(p, str):
            return len(bytes.fromhex(p[2:] if p.startswith("0x") else p))
        if isinstance(p, list):
            return len(p)
    return 0


def run_ezkl(name, src, scratch, timeout, max_k):
    work = scratch / "ezkl" / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    (work / "input.json").write_bytes((src / "input.json").read_bytes())
    if (src / "network.onnx.data").exists():
        # EZKL's tract cannot read ONNX external data (torch.onnx.export's default layout:
        # "Translating proto model to model"); it gets the same graph and weights inlined.
        import onnx

        onnx.save(onnx.load(str(src / "network.onnx")), str(work / "network.onnx"))
    else:
        (work / "network.onnx").write_bytes((src / "network.onnx").read_bytes())
    s = stage("settings", work, "", timeout)
    k = s["logrows"]
    if k > max_k:
        raise RuntimeError(
            f"EZKL calibrated k = {k}: at ~9.4 GiB peak for k = 20 (lenet_5) and doubling per k, "
            f"beyond this machine's memory (largest k that fits: {max_k}); not run")
    srs = scratch / "ezkl-srs" / f"k{k}.srs"
    srs.parent.mkdir(parents=True, exist_ok=True)
    stage("srs", work, srs, timeout * 4, k)
    setup = stage("setup", work, srs, timeout)
    prove = stage("prove", work, srs, timeout)
    verify = stage("verify", work, srs, timeout)
    witness = json.loads((work / "witness.json").read_text())
    outputs = [[float(v) for v in o] for o in witness["pretty_elements"]["rescaled_outputs"]]
    proof_bytes = proof_size(json.loads((work / "proof.json").read_text()))
    return {
        "k": k,
        "setup_s": setup["seconds"],
        "prove_s": prove["seconds"],
        "verify_s": verify["seconds"],
        "peak_bytes": max(setup["peak_bytes"], prove["peak_bytes"], verify["peak_bytes"]),
        "pk_bytes": (work / "pk.key").stat().st_size,
        "vk_bytes": (work / "vk.key").stat().st_size,
        "proof_bytes": proof_bytes,
        "outputs": outputs,
    }


def run_zkinfer(name, src, scratch, exe, timeout):
    work = scratch / "zkinfer" / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = dict(os.environ, ZKINFER_CACHE=str(work / "cache"))
    proof = work / "proof.json"
    # A fresh key cache, so setup is measured; `setup_seconds` excludes the development SRS's
    # generation (as EZKL's gen_srs is excluded).
    cmd = [exe, "prove", str(src / "network.onnx"), "--input", str(src / "input.json"),
           "-o", str(proof), "--json"]
    rc, out, err, _ = run_process(cmd, timeout, env)
    if rc != 0:
        raise RuntimeError(f"zkinfer prove failed: {err.strip().splitlines()[-1:]}")
    v = json.loads(out)
    if v.get("keys_cached"):
        raise RuntimeError("keys came from a cache: setup was not measured")
    keys = work / "cache" / "keys" / v["circuit_hash"]
    # Verification as a verifier runs it: a process of its own reading the proof and the key.
    rc, _, err, verify_wall = run_process(
        [exe, "verify", "--proof", str(proof), "--vk", str(keys / "vk"), "--json"], timeout, env)
    if rc != 0:
        raise RuntimeError(f"zkinfer verify failed: {err.strip().splitlines()[-1:]}")
    pf = json.loads(proof.read_text())
    outputs = [o["values"] for o in pf.get("outputs", [])]
    return {
        "k": v["k"],
        "setup_s": v["setup_seconds"],
        "prove_s": v["prove_seconds"],
        "verify_s": verify_wall,
        "verify_in_process_s": v["verify_seconds"],
        "peak_bytes": v["peak_memory_bytes"],
        "pk_bytes": (keys / "pk").stat().st_size,
        "vk_bytes": (keys / "vk").stat().st_size,
        "proof_bytes": v["proof_bytes"],
        "outputs": outputs,
        "prove_phases": v.get("prove_phases"),
    }


def fmt_ratio(ezkl, ours):
    if not ezkl or not ours:
        return "–"
    return f"{ezkl / ours:.1f}×"


def mib(b):
    return f"{b / 2**20:.1f}"


def table(results, machine, date):
    head = ("| model | tool | k | setup s | prove s | verify ms | peak MiB | pk MiB | vk KiB | "
            "proof B | max rel err |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    rows = []
    for r in results:
        for tool in ("ezkl", "zkinfer"):
            m = r.get(tool)
            if not isinstance(m, dict):
                rows.append(f"| `{r['model']}` | {tool} | failed: {str(m)[:220]} |")
                continue
            rows.append(
                f"| `{r['model']}` | {tool} | {m['k']} | {m['setup_s']:.2f} | {m['prove_s']:.2f} | "
                f"{m['verify_s'] * 1000:.1f} | {mib(m['peak_bytes'])} | {mib(m['pk_bytes'])} | "
                f"{m['vk_bytes'] / 1024:.1f} | {m['proof_bytes']} | {m['max_rel_err']:.1e} |")
        e, z = r.get("ezkl"), r.get("zkinfer")
        if isinstance(e, dict) and isinstance(z, dict):
            rows.append(
                f"| `{r['model']}` | **EZKL ÷ zkinfer** | | **{fmt_ratio(e['setup_s'], z['setup_s'])}** | "
                f"**{fmt_ratio(e['prove_s'], z['prove_s'])}** | {fmt_ratio(e['verify_s'], z['verify_s'])} | "
                f"{fmt_ratio(e['peak_bytes'], z['peak_bytes'])} | {fmt_ratio(e['pk_bytes'], z['pk_bytes'])} | "
                f"{fmt_ratio(e['vk_bytes'], z['vk_bytes'])} | {fmt_ratio(e['proof_bytes'], z['proof_bytes'])} | "
                f"{fmt_ratio(e['max_rel_err'], z['max_rel_err'])} |")
    intro = (f"Measured {date} on {machine} by `benches/compare/run.sh` (EZKL {EZKL_VERSION}, "
             "`accuracy` calibration, its own local SRS; zkinfer's release build, default settings, "
             "development SRS; SRS generation excluded from setup). Errors against onnxruntime on the "
             "same input. Ratio rows: EZKL's number divided by zkinfer's (above 1: zkinfer smaller "
             "or faster). Models exported with external weights (torch's default) are given to "
             "EZKL with the weights inlined, which its ONNX reader needs.\n\n")
    return intro + head + "\n".join(rows) + "\n"


def summary(results, machine, date):
    """The README's compact table: per model, k and max rel error of both tools, and EZKL's
    setup, prove and peak memory divided by zkinfer's; the full table is results.md."""
    head = ("| model | k zkinfer/EZKL | setup | prove | peak memory | max rel err zkinfer/EZKL |\n"
            "|---|---:|---:|---:|---:|---:|\n")
    rows = []
    for r in results:
        e, z = r.get("ezkl"), r.get("zkinfer")
        e = e if isinstance(e, dict) else None
        z = z if isinstance(z, dict) else None
        k = f"{z['k'] if z else '–'}/{e['k'] if e else '–'}"
        err = ((f"{z['max_rel_err']:.1e}" if z else "–") + "/"
               + (f"{e['max_rel_err']:.1e}" if e else "–"))
        if e and z:
            ratios = [fmt_ratio(e[key], z[key]) for key in ("setup_s", "prove_s", "peak_bytes")]
        else:
            ratios = ["–"] * 3
        rows.append(f"| `{r['model']}` | {k} | " + " | ".join(ratios) + f" | {err} |")
    intro = (f"Measured {date} on {machine} by `benches/compare/run.sh` (EZKL {EZKL_VERSION}). "
             "Setup, prove and peak memory: EZKL's divided by zkinfer's (above 1: zkinfer faster "
             "or smaller); errors against onnxruntime; –: not run. Full table: "
             "[benches/compare/results.md](benches/compare/results.md).\n\n")
    return intro + head + "\n".join(rows) + "\n"


def chart(results, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    done = [r for r in results if isinstance(r.get("ezkl"), dict) and isinstance(r.get("zkinfer"), dict)]
    if not done:
        return False
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.45 * len(done) + 2))
    names = [r["model"] for r in done]
    ys = range(len(done))
    for ax, key, title in ((axes[0], "setup_s", "setup (s)"), (axes[1], "prove_s", "prove (s)")):
        ax.barh([y + 0.2 for y in ys], [r["ezkl"][key] for r in done], 0.4, label="EZKL")
        ax.barh([y - 0.2 for y in ys], [r["zkinfer"][key] for r in done], 0.4, label="zkinfer")
        ax.set_yticks(list(ys))
        ax.set_yticklabels(names)
        ax.set_xscale("log")
        ax.set_title(title)
        ax.invert_yaxis()
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return True


def update_readme(text):
    readme = ROOT / "README.md"
    body = readme.read_text()
    start, end = "<!-- compare:start -->", "<!-- compare:end -->"
    if start not in body or end not in body:
        return
    before, rest = body.split(start, 1)
    _, after = rest.split(end, 1)
    readme.write_text(f"{before}{start}\n{text}{end}{after}")


EZKL_VERSION = "?"


def main():
    global EZKL_VERSION
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*")
    ap.add_argument("--exe", default=str(ROOT / "target" / "release" / "zkinfer"))
    ap.add_argument("--scratch", default=str(ROOT / "target" / "compare"))
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per stage")
    ap.add_argument("--ezkl-max-k", type=int, default=ezkl_max_k(),
                    help="skip EZKL when it calibrates a larger k (default: what fits in memory)")
    ap.add_argument("--report-only", action="store_true",
                    help="rewrite results.md, chart.png and README's summary from results.json")
    ap.add_argument("--stage")
    ap.add_argument("--work")
    ap.add_argument("--srs")
    ap.add_argument("--logrows", type=int, default=0)
    args = ap.parse_args()
    if args.stage:
        stage_process(args)
        return
    out_json = HERE / "results.json"
    if args.report_only:
        saved = json.loads(out_json.read_text())
        EZKL_VERSION = saved["ezkl"]
        report(saved["results"], saved["machine"], saved["date"])
        return
    import ezkl

    EZKL_VERSION = getattr(ezkl, "__version__", "?")
    scratch = Path(args.scratch)
    names = args.models or DEFAULT
    previous = {}
    if args.models and out_json.exists():
        previous = {r["model"]: r for r in json.loads(out_json.read_text()).get("results", [])}
    results = []
    for i, name in enumerate(names):
        src = model_dir(name)
        if src is None:
            print(f"{name}: not found in corpus/ or {SHARED}; skipped", file=sys.stderr)
            continue
        expected = reference(src)
        r = {"model": name}
        # Alternate which tool goes first, so neither always runs on a warmer machine.
        order = ("ezkl", "zkinfer") if i % 2 == 0 else ("zkinfer", "ezkl")
        for tool in order:
            print(f"{name}: {tool} ...", file=sys.stderr, flush=True)
            try:
                m = (run_ezkl(name, src, scratch, args.timeout, args.ezkl_max_k) if tool == "ezkl"
                     else run_zkinfer(name, src, scratch, args.exe, args.timeout))
                m["max_rel_err"] = rel_err(m.pop("outputs"), expected)
                r[tool] = m
            except (RuntimeError, OSError, KeyError, ValueError) as e:
                r[tool] = str(e)
            print(f"{name}: {tool}: {r[tool] if not isinstance(r[tool], dict) else 'ok'}",
                  file=sys.stderr, flush=True)
        results.append(r)
        previous.pop(name, None)
    results = results + list(previous.values())
    date = datetime.date.today().isoformat()
    machine = f"{os.cpu_count()} cores, {platform.machine()}"
    try:
        mem = int(open("/proc/meminfo").readline().split()[1]) // 2**20
        machine = f"{os.cpu_count()} cores, {mem} GiB, {platform.machine()}"
    except (OSError, ValueError, IndexError):
        pass
    out_json.write_text(json.dumps(
        {"date": date, "machine": machine, "ezkl": EZKL_VERSION, "results": results}, indent=1) + "\n")
    report(results, machine, date)


def report(results, machine, date):
    rank = {name: i for i, name in enumerate(DEFAULT)}
    results = sorted(results, key=lambda r: (rank.get(r["model"], len(rank)), r["model"]))
    text = table(results, machine, date)
    (HERE / "results.md").write_text(
        "# zkinfer against EZKL\n\nWritten by `benches/compare/run.sh`; do not edit by hand "
        "(raw numbers: results.json; chart: chart.png).\n\n" + text)
    if not chart(results, HERE / "chart.png"):
        print("chart.png not rewritten (matplotlib is not installed, or no model has both tools' "
              "results)", file=sys.stderr)
    update_readme(summary(results, machine, date))
    print(text)


if __name__ == "__main__":
    main()
