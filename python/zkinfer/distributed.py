"""Proving a model in parts on Ray (``pip install "zkinfer[ray]"``).

:func:`prove` plans the run here (calibration, the integer evaluation of the whole model and
the cuts, so a bad input fails before any worker starts), then runs one Ray task per part.
Each task receives the model, the inputs and the settings through Ray's object store, proves
its part (keys are generated once per circuit and cached on each worker, as the CLI caches
them) and returns the part's proof and verifying key; the driver writes them beside
``bundle.json``. Without ``address`` a local Ray is started for the call and stopped after it,
so the same call runs on a laptop and on a cluster.

The bundle is the one :func:`zkinfer.prove_parts` writes and :func:`zkinfer.verify_bundle`
checks: a worker cannot make the driver accept a part of another model or input, because
every part's proof is checked and every link compared by the verifier, not trusted here.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from . import (
    BundleResult,
    Inputs,
    ModelLike,
    PartResult,
    PathLike,
    Settings,
    ZkinferError,
    _cleanup,
    _flat_inputs,
    _model_path,
    _outputs,
    _settings_path,
    _zkinfer,
)

__all__ = ["prove"]


def _ray() -> Any:
    try:
        import ray  # noqa: PLC0415  (optional dependency)
    except ImportError as e:
        raise ZkinferError(
            "zkinfer.distributed needs Ray: pip install \"zkinfer[ray]\" (or pip install ray)"
        ) from e
    return ray


def prove(
    model: ModelLike,
    inputs: Inputs,
    parts: Optional[int] = None,
    cut: Optional[Sequence[str]] = None,
    output: PathLike = "bundle",
    settings: Union[Settings, PathLike, None] = None,
    srs: Optional[PathLike] = None,
    address: Optional[str] = None,
    batch: int = 1,
    target: str = "balanced",
    device: str = "cpu",
    resume: bool = False,
    retries: int = 2,
    cpus_per_part: float = 1,
    gpus_per_part: Optional[float] = None,
    progress: bool = True,
    ray_init: Optional[Dict[str, Any]] = None,
    max_memory_gib: Optional[float] = None,
) -> BundleResult:
    """Proves an inference in parts, one Ray task per part, and writes ``output``/bundle.json
    with each part's proof and verifying key.

    ``parts`` asks for balanced cuts, ``cut`` names the ONNX nodes to cut before,
    ``max_memory_gib`` asks for the fewest balanced parts whose estimated peak memory each fits
    (a worker's memory). ``address``
    is a Ray cluster's address; without it (and without a Ray already started in this
    process) a local Ray is started with ``ray_init`` as its ``ray.init`` arguments and shut
    down afterwards. A part whose task fails or whose worker is lost is retried ``retries``
    times; after that the error names the part, its nodes and the machine. With ``resume``,
    parts that ``output`` already holds proofs of for the same circuit and values are kept
    (each worker checks the earlier proof before keeping it). ``progress`` prints a line per
    part as it finishes, with the machine that proved it. Each task asks Ray for
    ``cpus_per_part`` CPUs and ``gpus_per_part`` GPUs (default: one with ``device="gpu"``,
    none otherwise)."""
    ray = _ray()
    keep: List[Any] = []
    try:
        model_path = _model_path(model, keep, inputs)
        flat = _flat_inputs(inputs)
        plan = json.loads(
            _zkinfer.plan_parts(
                model_path,
                flat,
                parts,
                None if cut is None else [str(c) for c in cut],
                _settings_path(settings, keep),
                batch,
                target,
                max_memory_gib,
            )
        )
        # The model file and the files of its external data (torch.onnx.export's default
        # layout), under the names the model gives them, so a worker loads the same bytes.
        source = Path(model_path)
        files = {source.name: source.read_bytes()}
        for rel in _zkinfer.model_files(model_path):
            files[rel] = (source.parent / rel).read_bytes()
        model_files = (source.name, files)
        srs_bytes = None if srs is None else Path(srs).read_bytes()
    finally:
        _cleanup(keep)
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    planned = plan["parts"]
    count = len(planned)
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, **(ray_init or {}))
    begun = time.monotonic()
    try:
        shared = (ray.put(model_files), ray.put(flat), ray.put(srs_bytes))
        gpus = gpus_per_part if gpus_per_part is not None else (1 if device == "gpu" else 0)
        task = ray.remote(_prove_part_task).options(
            num_cpus=cpus_per_part, num_gpus=gpus, max_retries=retries, retry_exceptions=True
        )
        pending = {}
        for i in range(count):
            earlier = _earlier(out, i) if resume else None
            ref = task.remote(
                *shared, plan["settings"], plan["cuts"], i, batch, device, progress, earlier
            )
            pending[ref] = i
        results: List[Optional[Dict[str, Any]]] = [None] * count
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            i = pending.pop(ready[0])
            where = f"part {i + 1}/{count} ({planned[i]['first_node']} … {planned[i]['last_node']})"
            try:
                r = ray.get(ready[0])
            except Exception as e:  # noqa: BLE001  (Ray wraps the task's error or a lost worker)
                for ref in pending:
                    ray.cancel(ref, force=True)
                # A task's own error is its cause (naming the machine); a lost worker's is e.
                cause = getattr(e, "cause", None) or e
                raise ZkinferError(f"{where} failed after {retries} retries: {cause}") from None
            outcome = r["outcome"]
            (out / outcome["proof"]).write_bytes(r["proof"])
            (out / outcome["vk"]).write_bytes(r["vk"])
            results[i] = r
            if progress:
                how = (
                    "kept from an earlier run"
                    if outcome["reused"]
                    else f"keys {outcome['setup_seconds']:.1f} s, proof "
                    f"{outcome['prove_seconds']:.1f} s"
                    + (
                        f", peak {outcome['peak_memory_bytes'] / 2**30:.2f} GiB"
                        if outcome.get("peak_memory_bytes")
                        else ""
                    )
                )
                print(
                    f"{where}: {how} on {r['node']} "
                    f"({time.monotonic() - begun:.0f} s since the start)",
                    file=sys.stderr,
                )
    finally:
        if started:
            ray.shutdown()
    done = [r for r in results if r is not None]
    entries = [{k: v for k, v in r["outcome"].items() if k in _ENTRY} for r in done]
    written = json.loads(_zkinfer.write_bundle(os.fspath(out), json.dumps(entries)))
    return BundleResult(
        bundle=os.fspath(written["bundle"]),
        identity=written["identity"],
        parts=[PartResult(**r["outcome"], node=r["node"]) for r in done],
        outputs=_outputs(plan["outputs"]),
        peak_memory_bytes=None,
    )


#: The fields of a part's outcome that are its bundle entry.
_ENTRY = ("first_node", "last_node", "primitives", "model_identity", "k", "handed_on", "proof", "vk")


def _earlier(out: Path, index: int) -> Optional[Tuple[bytes, bytes]]:
    proof, vk = out / f"part-{index}.proof.json", out / f"part-{index}.vk"
    if proof.is_file() and vk.is_file():
        return proof.read_bytes(), vk.read_bytes()
    return None


def _prove_part_task(
    model: Tuple[str, Dict[str, bytes]],
    inputs: List[List[float]],
    srs: Optional[bytes],
    settings: str,
    cuts: List[int],
    index: int,
    batch: int,
    device: str,
    progress: bool,
    earlier: Optional[Tuple[bytes, bytes]],
) -> Dict[str, Any]:
    """A Ray task: proves part ``index`` in a scratch folder and returns its outcome, proof
    and verifying key. Errors are raised as RuntimeError (Ray carries it back to the driver)
    naming the part and the machine."""
    node = socket.gethostname()
    try:
        with tempfile.TemporaryDirectory(prefix="zkinfer-part-") as d:
            scratch = Path(d)
            name, files = model
            for rel, data in files.items():
                # Names were checked where the model was read (plain relative paths).
                target = scratch / "model" / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            srs_path = None
            if srs is not None:
                srs_path = scratch / "srs"
                srs_path.write_bytes(srs)
            out = scratch / "out"
            out.mkdir()
            if earlier is not None:
                (out / f"part-{index}.proof.json").write_bytes(earlier[0])
                (out / f"part-{index}.vk").write_bytes(earlier[1])
            outcome = json.loads(
                _zkinfer.prove_part(
                    os.fspath(scratch / "model" / name),
                    inputs,
                    settings,
                    cuts,
                    index,
                    os.fspath(out),
                    None if srs_path is None else os.fspath(srs_path),
                    batch,
                    progress,
                    device,
                    earlier is not None,
                )
            )
            proof = (out / outcome["proof"]).read_bytes()
            vk = (out / outcome["vk"]).read_bytes()
    except ZkinferError as e:
        raise RuntimeError(f"part {index + 1} on {node}: {e}") from None
    return {"outcome": outcome, "proof": proof, "vk": vk, "node": node}
