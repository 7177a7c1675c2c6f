"""zkinfer: zero-knowledge proofs of ONNX model inference, from Python.

The same pipeline as the ``zkinfer`` CLI: calibrate, set up keys, prove, verify natively or on
an in-process EVM. Inputs are numpy arrays or nested lists; outputs come back as numpy arrays.
Failures raise :class:`ZkinferError` with the CLI's message (node, op and what to do).

One shot::

    import zkinfer
    result = zkinfer.prove_model("network.onnx", [x])
    assert zkinfer.verify(result.proof, result.vk)
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np

from . import _zkinfer
from ._zkinfer import ZkinferError

__all__ = [
    "ZkinferError",
    "Settings",
    "Output",
    "RunResult",
    "Keys",
    "ProofResult",
    "PartResult",
    "BundleResult",
    "BundleCheck",
    "EvmVerifier",
    "EvmResult",
    "BundleEvmResult",
    "Digests",
    "__version__",
    "inspect",
    "calibrate",
    "run",
    "digests",
    "gen_srs",
    "setup",
    "prove",
    "verify",
    "prove_parts",
    "verify_bundle",
    "create_evm_verifier",
    "verify_evm",
    "verify_bundle_evm",
    "encode_calldata",
    "prove_model",
    "TorchModel",
]

__version__: str = _zkinfer.version()

PathLike = Union[str, "os.PathLike[str]"]
#: A model: a path to an .onnx file, the file's bytes, or an in-memory model with
#: ``SerializeToString()`` (an ``onnx.ModelProto``), whose weights must then be embedded.
ModelLike = Union[str, "os.PathLike[str]", bytes, bytearray, Any]
Inputs = Union[np.ndarray, Sequence[Any]]


@dataclass(frozen=True)
class Settings:
    """Calibrated fixed-point settings (the contents of settings.json)."""

    target: str
    batch: int
    activation_bits: int
    weight_bits: int
    table_bits: int
    headroom: float
    model_sha256: str
    max_lanes: Optional[int] = None
    input_visibility: str = "private"
    output_visibility: str = "public"
    linear_check: str = "auto"
    weights_visibility: str = "fixed"
    link_visibility: str = "hashed"
    input_bits: Optional[int] = None
    output_bits: Optional[int] = None
    path: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, text: str, path: Optional[PathLike] = None) -> "Settings":
        raw = json.loads(text)
        p = raw.get("params", {})
        return cls(
            target=raw["target"],
            batch=raw["batch"],
            activation_bits=p["activation_bits"],
            weight_bits=p["weight_bits"],
            table_bits=p["table_bits"],
            headroom=p["headroom"],
            model_sha256=raw["model_sha256"],
            max_lanes=raw.get("max_lanes"),
            input_visibility=raw.get("visibility", {}).get("input", "private"),
            output_visibility=raw.get("visibility", {}).get("output", "public"),
            linear_check=raw.get("linear_check", "auto"),
            weights_visibility=raw.get("visibility", {}).get("weights", "fixed"),
            link_visibility=raw.get("visibility", {}).get("link", "hashed"),
            input_bits=p.get("input_bits"),
            output_bits=p.get("output_bits"),
            path=None if path is None else os.fspath(path),
            raw=raw,
        )

    @classmethod
    def load(cls, path: PathLike) -> "Settings":
        """Reads a settings.json written by ``calibrate`` or the CLI."""
        return cls.from_json(Path(path).read_text(), path)

    def to_json(self) -> str:
        """settings.json text, with any field changed by ``dataclasses.replace`` applied."""
        raw = json.loads(json.dumps(self.raw))
        raw["target"] = self.target
        raw["batch"] = self.batch
        params = raw.setdefault("params", {})
        params["activation_bits"] = self.activation_bits
        params["weight_bits"] = self.weight_bits
        params["table_bits"] = self.table_bits
        params["headroom"] = self.headroom
        for name in ("input_bits", "output_bits"):
            if getattr(self, name) is None:
                params.pop(name, None)
            else:
                params[name] = getattr(self, name)
        raw["model_sha256"] = self.model_sha256
        if self.max_lanes is None:
            raw.pop("max_lanes", None)
        else:
            raw["max_lanes"] = self.max_lanes
        raw["visibility"] = {"input": self.input_visibility, "output": self.output_visibility}
        if self.weights_visibility != "fixed":
            raw["visibility"]["weights"] = self.weights_visibility
        if self.link_visibility != "hashed":
            raw["visibility"]["link"] = self.link_visibility
        if self.linear_check == "auto":
            raw.pop("linear_check", None)
        else:
            raw["linear_check"] = self.linear_check
        return json.dumps(raw)

    def save(self, path: PathLike) -> "Settings":
        """Writes settings.json and returns the settings bound to that path."""
        Path(path).write_text(self.to_json())
        return Settings.from_json(self.to_json(), path)


@dataclass(frozen=True)
class Output:
    """One model output: the quantized (proven) values beside the float model's."""

    name: str
    values: np.ndarray
    float_values: np.ndarray
    scale: int
    max_abs_error: float
    max_rel_error: float


@dataclass(frozen=True)
class RunResult:
    outputs: List[Output]


@dataclass(frozen=True)
class Keys:
    pk: str
    vk: str
    circuit_hash: str
    model_identity: str
    k: int
    insecure_srs: bool
    msm: str = "cpu"
    msm_fallback: Optional[str] = None


@dataclass(frozen=True)
class ProofResult:
    """A written, self-verified proof and its outputs."""

    proof: str
    vk: Optional[str]
    circuit_hash: str
    model_identity: str
    k: int
    keys_cached: bool
    proof_bytes: int
    insecure_srs: bool
    outputs: List[Output]
    msm: str = "cpu"
    msm_fallback: Optional[str] = None
    # Seconds per phase, as `zkinfer prove --json` reports them: prove_phases always,
    # setup_phases when the keys were generated rather than loaded.
    prove_phases: Dict[str, float] = field(default_factory=dict)
    setup_phases: Optional[Dict[str, float]] = None


@dataclass(frozen=True)
class PartResult:
    """One part of a partitioned proof: its nodes, circuit, files and times."""

    first_node: str
    last_node: str
    primitives: int
    model_identity: str
    k: int
    handed_on: int
    proof: str
    vk: str
    setup_seconds: float
    prove_seconds: float
    reused: bool = False
    """Kept from an earlier run (``resume=True``) instead of proven again."""
    node: Optional[str] = None
    """The machine that proved it, in a distributed run."""
    peak_memory_bytes: Optional[int] = None
    """Peak resident memory of the process that proved it, while it ran (parts proven one at a
    time per process, on Linux; otherwise None)."""
    circuit: Dict[str, int] = field(default_factory=dict)
    """Its circuit's size: k, lanes of each kind and the estimated peak memory of proving it."""


@dataclass(frozen=True)
class BundleResult:
    """A model proven in parts: the bundle file, its identity (what a verifier pins), each
    part, and the outputs against the float model."""

    bundle: str
    identity: str
    parts: List[PartResult]
    outputs: List[Output]
    peak_memory_bytes: Optional[int] = None


@dataclass(frozen=True)
class BundleCheck:
    """A verified bundle: its identity, its parts' model identities, the last part's listed
    outputs (name → values), and what was compared with the verifier's own model and input."""

    identity: str
    identity_pinned: bool
    parts: List[str]
    outputs: Dict[str, np.ndarray]
    #: Each part's weights digest (decimal) when its weights are hashed, else None.
    weights_digests: List[Optional[str]] = field(default_factory=list)
    #: Parts whose hashed weights were checked against ``model`` (0 without it).
    weights_checked: int = 0
    #: Whether the first part's hashed input was checked against ``inputs``.
    input_checked: bool = False


@dataclass(frozen=True)
class EvmVerifier:
    solidity: str
    abi: str
    bytecode: Optional[str]
    deployed_bytes: Optional[int]
    instances: int
    not_compiled: Optional[str] = None
    parts: List[str] = field(default_factory=list)
    part_bytes: List[int] = field(default_factory=list)
    # A reusable verifier's key contract (source, bytecode, deployed size) and layout id.
    key: Optional[str] = None
    key_bytecode: Optional[str] = None
    key_bytes: Optional[int] = None
    layout: Optional[str] = None


@dataclass(frozen=True)
class EvmResult:
    accepted: bool
    gas_used: int
    deployed_bytes: int
    deploy_gas: int
    part_bytes: List[int] = field(default_factory=list)
    key_bytes: Optional[int] = None


@dataclass(frozen=True)
class BundleEvmResult:
    """A bundle on the in-process EVM: whether the bundle contract accepted every part and
    link in one transaction (else ``reason`` names the part or link), its gas, and each part's
    verifier called alone (``accepted``, ``gas_used``, ``deployed_bytes``)."""

    accepted: bool
    reason: Optional[str]
    gas_used: int
    parts: List[Dict[str, Any]]
    bundle_bytes: int
    deploy_gas: int


@dataclass(frozen=True)
class Digests:
    """Poseidon digests of an input, its outputs and the model's weights: the public instance
    a proof carries for a ``hashed`` group (compare with ``int(proof_json["instances"][i])``)."""

    input: int
    output: int
    weights: int


def _flat_inputs(inputs: Inputs) -> List[List[float]]:
    """One flat float list per model input.

    A numpy array is one model input; a list of arrays is one per input; a flat list of
    numbers is one input; other nested lists follow input.json's ``input_data`` layout (one
    entry per model input).
    """
    try:
        if isinstance(inputs, np.ndarray):
            return [np.asarray(inputs, dtype=np.float64).ravel().tolist()]
        items = list(inputs)
        if all(np.ndim(x) == 0 for x in items):
            return [np.asarray(items, dtype=np.float64).ravel().tolist()]
        return [np.asarray(x, dtype=np.float64).ravel().tolist() for x in items]
    except (TypeError, ValueError) as e:
        raise ZkinferError(f"inputs must be numbers, arrays or nested lists of numbers: {e}") from e


def _settings_path(settings: Union["Settings", PathLike, None], keep: List[Any]) -> Optional[str]:
    """A path the native side can read; Settings objects go through a temporary file so that
    edited fields take effect."""
    if settings is None:
        return None
    if not isinstance(settings, Settings):
        return os.fspath(settings)
    fd, name = tempfile.mkstemp(suffix=".json")
    keep.append(name)
    with os.fdopen(fd, "w") as f:
        f.write(settings.to_json())
    return name


class TorchModel:
    """A ``torch.nn.Module`` with example inputs, accepted wherever zkinfer takes a model.

    zkinfer exports it with torch's default exporter (``torch.onnx.export(module, args,
    path)``, weights in ``network.onnx.data`` beside it) into a temporary folder each time a
    function reads it; the export is deterministic, so calibration settings made from one
    call fit the next. Functions that take inputs (``run``, ``calibrate``, ``prove``,
    ``digests``) also accept a bare module and export it with those inputs; ``setup`` and
    ``inspect`` need this wrapper. torch is not a dependency of zkinfer: install it to use
    this, or export the model yourself and pass the .onnx path.
    """

    def __init__(self, module: Any, example_inputs: Any) -> None:
        self.module = module
        self.example_inputs = _example_list(example_inputs)

    def export(self, folder: PathLike) -> Path:
        """Writes ``network.onnx`` (and its weight file) into ``folder``; returns its path."""
        try:
            import torch
        except ImportError as e:
            raise ZkinferError(
                "exporting a torch.nn.Module needs torch (pip install torch); or export it "
                "with torch.onnx.export and pass the .onnx path"
            ) from e
        path = Path(folder) / "network.onnx"
        args = tuple(_torch_tensor(torch, a) for a in self.example_inputs)
        training = bool(getattr(self.module, "training", False))
        self.module.eval()
        try:
            with torch.no_grad():
                torch.onnx.export(self.module, args, str(path))
        except Exception as e:  # noqa: BLE001 - any exporter failure becomes a typed error
            raise ZkinferError(f"torch.onnx.export failed: {e}") from e
        finally:
            self.module.train(training)
        return path


def _example_list(inputs: Any) -> List[Any]:
    """Example inputs as one entry per model input, keeping their shapes."""
    if isinstance(inputs, (list, tuple)):
        items = list(inputs)
        if items and all(np.ndim(x) == 0 for x in items):
            return [np.asarray(items)]
        return items
    return [inputs]


def _torch_tensor(torch: Any, a: Any) -> Any:
    """An example input as a torch tensor: floats as float32, integers as int64 (the dtypes
    models are trained with)."""
    if isinstance(a, torch.Tensor):
        return a
    arr = np.asarray(a)
    arr = arr.astype(np.float32) if arr.dtype.kind == "f" else arr.astype(np.int64)
    return torch.from_numpy(np.ascontiguousarray(arr))


def _torch_model(model: Any, inputs: Any) -> Optional[TorchModel]:
    if isinstance(model, TorchModel):
        return model
    torch = sys.modules.get("torch")
    if torch is None or not isinstance(model, torch.nn.Module):
        return None
    if inputs is None:
        raise ZkinferError(
            "a torch.nn.Module needs example inputs here: pass zkinfer.TorchModel(module, "
            "example_inputs)"
        )
    return TorchModel(model, inputs)


def _model_path(model: ModelLike, keep: List[Any], inputs: Any = None) -> str:
    """A path the native side can read: a path as given; ONNX bytes or a model object with
    ``SerializeToString()`` through a temporary .onnx file (the same bytes, so the same model
    hash as the file they came from); a torch module exported by torch into a temporary
    folder (``inputs`` are its example inputs when it is not a :class:`TorchModel`)."""
    torch_model = _torch_model(model, inputs)
    if torch_model is not None:
        folder = tempfile.mkdtemp(prefix="zkinfer-torch-")
        keep.append(folder)
        return os.fspath(torch_model.export(folder))
    if isinstance(model, (bytes, bytearray, memoryview)):
        data = bytes(model)
    elif hasattr(model, "SerializeToString"):
        data = model.SerializeToString()
    else:
        return os.fspath(model)
    fd, name = tempfile.mkstemp(suffix=".onnx")
    keep.append(name)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return name


def _cleanup(paths: List[Any]) -> None:
    for p in paths:
        try:
            if os.path.isdir(p):
                shutil.rmtree(p, ignore_errors=True)
            else:
                os.unlink(p)
        except OSError:
            pass


def _outputs(items: List[Dict[str, Any]]) -> List[Output]:
    return [
        Output(
            name=o["name"],
            values=np.asarray(o["values"], dtype=np.float64).reshape(o["shape"]),
            float_values=np.asarray(o["float_values"], dtype=np.float64).reshape(o["shape"]),
            scale=o["scale"],
            max_abs_error=o["error"]["max_abs"],
            max_rel_error=o["error"]["max_rel"],
        )
        for o in items
    ]


def inspect(
    model: ModelLike,
    inputs: Optional[Inputs] = None,
    settings: Union[Settings, PathLike, None] = None,
    batch: int = 1,
) -> Dict[str, Any]:
    """Inputs, outputs, nodes and the circuit plan (k, lanes, rows) of a model."""
    keep: List[Any] = []
    try:
        flat = None if inputs is None else _flat_inputs(inputs)
        return json.loads(
            _zkinfer.inspect(
                _model_path(model, keep, inputs), flat, _settings_path(settings, keep), batch
            )
        )
    finally:
        _cleanup(keep)


def calibrate(
    model: ModelLike,
    data: Optional[Inputs] = None,
    output: Optional[PathLike] = None,
    target: str = "balanced",
    batch: int = 1,
    samples: Optional[Sequence[Inputs]] = None,
    max_lanes: Optional[int] = None,
    input_visibility: str = "private",
    output_visibility: str = "public",
    linear_check: str = "auto",
    weights_visibility: str = "fixed",
    activation_bits: Optional[int] = None,
    weight_bits: Optional[int] = None,
    table_bits: Optional[int] = None,
    headroom: Optional[float] = None,
    link_visibility: str = "hashed",
    input_bits: Optional[int] = None,
    output_bits: Optional[int] = None,
) -> Settings:
    """Chooses fixed-point scales from sample inputs.

    ``activation_bits``, ``input_bits``, ``output_bits``, ``weight_bits``, ``table_bits`` and
    ``headroom`` override the target's defaults (as ``zkinfer calibrate``'s flags of the same
    names do).

    ``data`` is one sample, given as for :func:`run`; ``samples`` is a list of them. Give one
    or the other (or both: they are pooled). ``max_lanes`` caps the circuit's gate lanes
    (advice columns): a smaller EVM verifier at a larger k. ``input_visibility`` ("private" or
    "public") and ``output_visibility`` ("public" or "private") choose what the proof makes
    public: public inputs bind a proof to its input, private outputs keep the result hidden.
    ``linear_check`` ("auto", "freivalds" or "dot") chooses how linear layers are proven:
    a Freivalds random check (far fewer cells on large layers, a second proof phase) or
    plain multiply-accumulate chains; "auto" picks per layer. Either visibility may also be
    "hashed": one public instance, the group's Poseidon digest (see :func:`digests`), or
    "packed": public values several to an instance (a fraction of the EVM gas and code of
    "public" for groups of hundreds of values; the proof's ``packed_bits`` gives the layout).
    ``weights_visibility`` ("fixed", "private" or "hashed") chooses whether the weights are
    pinned by the verifying key, hidden, or hidden and bound by their digest.
    ``link_visibility`` ("hashed", "public" or "packed") is how :func:`prove_parts` links
    parts: by digests (activations hidden) or by the activations themselves (no hashing in
    the parts).
    """
    pooled = ([] if data is None else [_flat_inputs(data)]) + [
        _flat_inputs(x) for x in (samples or [])
    ]
    if not pooled:
        raise ZkinferError("calibrate needs data= (one sample) or samples= (a list of samples)")
    out = None if output is None else os.fspath(output)
    keep: List[Any] = []
    try:
        text = _zkinfer.calibrate(
            _model_path(model, keep, data if data is not None else (samples or [None])[0]),
            pooled,
            target,
            out,
            batch,
            max_lanes,
            input_visibility,
            output_visibility,
            linear_check,
            weights_visibility,
            activation_bits,
            weight_bits,
            table_bits,
            headroom,
            link_visibility,
            input_bits,
            output_bits,
        )
    finally:
        _cleanup(keep)
    return Settings.from_json(text, out)


def run(
    model: ModelLike,
    inputs: Inputs,
    settings: Union[Settings, PathLike, None] = None,
    batch: int = 1,
    target: str = "balanced",
) -> RunResult:
    """Exact quantized inference, compared with the float model. Without ``settings`` it
    calibrates on the input for ``target`` ("balanced", "accuracy" or "resources")."""
    keep: List[Any] = []
    try:
        text = _zkinfer.run(
            _model_path(model, keep, inputs),
            _flat_inputs(inputs),
            _settings_path(settings, keep),
            batch,
            target,
        )
    finally:
        _cleanup(keep)
    return RunResult(outputs=_outputs(json.loads(text)["outputs"]))


def digests(
    model: ModelLike, inputs: Inputs, settings: Union[Settings, PathLike], batch: int = 1
) -> Digests:
    """The Poseidon digests of ``inputs`` and of the model's outputs on them, quantized as
    ``settings`` say: what a proof with hashed inputs or outputs publishes, computed from the
    data, so a verifier holding the data can check which input a proof is about."""
    keep: List[Any] = []
    try:
        path = _settings_path(settings, keep)
        text = _zkinfer.digests(
            _model_path(model, keep, inputs), _flat_inputs(inputs), path, batch
        )
    finally:
        _cleanup(keep)
    v = json.loads(text)
    return Digests(input=int(v["input"]), output=int(v["output"]), weights=int(v["weights"]))


def gen_srs(k: int, output: PathLike, seed: Optional[int] = None) -> str:
    """Writes an INSECURE seeded development SRS of size 2^k (for tests and demos only)."""
    if seed is None:
        _zkinfer.gen_srs(k, os.fspath(output))
    else:
        _zkinfer.gen_srs(k, os.fspath(output), seed)
    return os.fspath(output)


def setup(
    model: ModelLike,
    settings: Union[Settings, PathLike],
    output_dir: PathLike = ".",
    srs: Optional[PathLike] = None,
    batch: int = 1,
    device: str = "cpu",
) -> Keys:
    """Generates the proving key ``output_dir/pk`` and verifying key ``output_dir/vk``.

    ``device`` is where the commitments' MSMs run: "cpu", "gpu" (any adapter, else an error)
    or "auto" (a hardware GPU when there is one, for MSMs of 2^20 points or more, where it is
    faster, and the CPU for the rest and for columns of small integers; without one the CPU,
    and ``msm_fallback`` says why).
    """
    keep: List[Any] = []
    try:
        sp = _settings_path(settings, keep)
        assert sp is not None
        v = json.loads(
            _zkinfer.setup(
                _model_path(model, keep),
                sp,
                os.fspath(output_dir),
                None if srs is None else os.fspath(srs),
                batch,
                device,
            )
        )
    finally:
        _cleanup(keep)
    return Keys(
        pk=os.fspath(v["pk"]),
        vk=os.fspath(v["vk"]),
        circuit_hash=v["circuit_hash"],
        model_identity=v["model_identity"],
        k=v["k"],
        insecure_srs=v["insecure_srs"],
        msm=v["msm"],
        msm_fallback=v["msm_fallback"],
    )


def prove(
    model: ModelLike,
    inputs: Inputs,
    output: PathLike = "proof.json",
    settings: Union[Settings, PathLike, None] = None,
    pk: Optional[PathLike] = None,
    srs: Optional[PathLike] = None,
    batch: int = 1,
    progress: bool = False,
    target: str = "balanced",
    device: str = "cpu",
) -> ProofResult:
    """Proves an inference, self-verifies and writes proof.json.

    Without ``pk`` keys are generated once per circuit and cached (``ZKINFER_CACHE`` or
    ``~/.cache/zkinfer``); without ``settings`` it calibrates on the input for ``target``
    ("balanced", "accuracy" or "resources"). ``device`` is where the MSMs run, as for :func:`setup`.
    The GIL is released while proving.
    """
    keep: List[Any] = []
    try:
        v = json.loads(
            _zkinfer.prove(
                _model_path(model, keep, inputs),
                _flat_inputs(inputs),
                os.fspath(output),
                _settings_path(settings, keep),
                None if pk is None else os.fspath(pk),
                None if srs is None else os.fspath(srs),
                batch,
                progress,
                target,
                device,
            )
        )
    finally:
        _cleanup(keep)
    return ProofResult(
        proof=os.fspath(v["proof"]),
        vk=None if v["vk"] is None else os.fspath(v["vk"]),
        circuit_hash=v["circuit_hash"],
        model_identity=v["model_identity"],
        k=v["k"],
        keys_cached=v["keys_cached"],
        proof_bytes=v["proof_bytes"],
        insecure_srs=v["insecure_srs"],
        outputs=_outputs(v["outputs"]),
        msm=v["msm"],
        msm_fallback=v["msm_fallback"],
        prove_phases=v.get("prove_phases") or {},
        setup_phases=v.get("setup_phases"),
    )


def verify(
    proof: PathLike,
    vk: PathLike,
    identity: Optional[str] = None,
    srs: Optional[PathLike] = None,
) -> bool:
    """Verifies proof.json with a verifying key: False for an invalid proof, an error for
    unreadable or altered files, or a key of another circuit, model or SRS.

    ``identity`` pins the model identity (hex) the key must hash to; ``srs`` names the SRS file
    whose s·G2 the key must carry. Without them the key is trusted as given (a development
    SRS is still recomputed from its seed)."""
    return _zkinfer.verify(
        os.fspath(proof), os.fspath(vk), identity, None if srs is None else os.fspath(srs)
    )


def prove_parts(
    model: ModelLike,
    inputs: Inputs,
    parts: Optional[int] = None,
    output: PathLike = "bundle",
    settings: Union[Settings, PathLike, None] = None,
    srs: Optional[PathLike] = None,
    batch: int = 1,
    progress: bool = False,
    target: str = "balanced",
    device: str = "cpu",
    cut: Optional[Sequence[str]] = None,
    jobs: int = 1,
    resume: bool = False,
    max_memory_gib: Optional[float] = None,
) -> BundleResult:
    """Proves an inference in parts, each its own circuit and keys, linked by Poseidon digests
    of the tensors crossing each cut; writes ``output``/bundle.json with each part's proof and
    verifying key (see docs/partition.md). Give ``parts`` (balanced cuts), ``cut`` (ONNX
    node names to cut before) or ``max_memory_gib`` (the fewest balanced parts that keep the
    run within it by estimate: ``jobs`` parts at once). ``jobs`` parts are proven at once; ``resume`` keeps parts an
    earlier run already proved for the same values. :func:`zkinfer.distributed.prove` does
    the same on Ray. The GIL is released while proving."""
    keep: List[Any] = []
    try:
        v = json.loads(
            _zkinfer.prove_parts(
                _model_path(model, keep, inputs),
                _flat_inputs(inputs),
                parts,
                os.fspath(output),
                _settings_path(settings, keep),
                None if srs is None else os.fspath(srs),
                batch,
                progress,
                target,
                device,
                None if cut is None else [str(c) for c in cut],
                jobs,
                resume,
                max_memory_gib,
            )
        )
    finally:
        _cleanup(keep)
    return BundleResult(
        bundle=os.fspath(v["bundle"]),
        identity=v["identity"],
        parts=[PartResult(**p) for p in v["parts"]],
        outputs=_outputs(v["outputs"]),
        peak_memory_bytes=v.get("peak_memory_bytes"),
    )


def verify_bundle(
    bundle: PathLike,
    identity: Optional[str] = None,
    srs: Optional[PathLike] = None,
    model: Optional[ModelLike] = None,
    settings: Union[Settings, PathLike, None] = None,
    inputs: Optional[Inputs] = None,
) -> BundleCheck:
    """Verifies a bundle from :func:`prove_parts`: every part's proof with its key, and that
    each part received what the one before it handed on. ``identity`` pins the bundle
    identity. With ``model`` and ``settings`` (the ones it was proven with), every part's
    hashed weights are checked to be that model's weights in that part: with hashed weights
    the parts' keys fix only the architecture. ``inputs`` also checks the first part's hashed
    input. Raises :class:`ZkinferError` naming the failing part, link, weights or input."""
    if (model is None) != (settings is None):
        raise ZkinferError("verify_bundle: give model and settings together")
    if inputs is not None and model is None:
        raise ZkinferError("verify_bundle: inputs are checked against model and settings")
    keep: List[Any] = []
    try:
        v = json.loads(
            _zkinfer.verify_bundle(
                os.fspath(bundle),
                identity,
                None if srs is None else os.fspath(srs),
                None if model is None else _model_path(model, keep, inputs),
                _settings_path(settings, keep),
                None if inputs is None else _flat_inputs(inputs),
            )
        )
    finally:
        _cleanup(keep)
    return BundleCheck(
        identity=v["identity"],
        identity_pinned=v["identity_pinned"],
        parts=list(v["parts"]),
        outputs={o["name"]: np.asarray(o["values"], dtype=np.float64) for o in v["outputs"]},
        weights_digests=list(v["weights_digests"]),
        weights_checked=v["weights_checked"],
        input_checked=v["input_checked"],
    )


def create_evm_verifier(
    vk: PathLike,
    output: PathLike = "Verifier.sol",
    settings: Union[Settings, PathLike, None] = None,
    allow_oversize: bool = False,
    split: bool = False,
    reusable: bool = False,
    identity: Optional[str] = None,
) -> EvmVerifier:
    """Writes a Solidity verifier, its ABI and (with the pinned solc) its bytecode.

    With ``split`` the verifier is spread over parts that each fit the EIP-170 limit
    (``parts``: their bytecode files, deployed in order before the entry contract). With
    ``reusable`` it is the verifier shared by every key of the circuit's layout, and the key
    goes to a contract of its own (``key``, ``key_bytecode``); calls pass that contract's
    address first (:func:`encode_calldata` with ``key=``). ``identity`` refuses a key that is
    not that model's (see :func:`verify`).
    """
    keep: List[Any] = []
    try:
        v = json.loads(
            _zkinfer.create_evm_verifier(
                os.fspath(vk),
                os.fspath(output),
                _settings_path(settings, keep),
                allow_oversize,
                split,
                reusable,
                identity,
            )
        )
    finally:
        _cleanup(keep)
    if v["not_compiled"]:
        warnings.warn(f"zkinfer: wrote the Solidity only: {v['not_compiled']}", stacklevel=2)
    return EvmVerifier(
        solidity=os.fspath(v["solidity"]),
        abi=os.fspath(v["abi"]),
        bytecode=None if v["bytecode"] is None else os.fspath(v["bytecode"]),
        deployed_bytes=v["deployed_bytes"],
        instances=v["instances"],
        not_compiled=v["not_compiled"],
        parts=[os.fspath(p) for p in v["parts"]],
        part_bytes=v["part_bytes"],
        key=None if v["key"] is None else os.fspath(v["key"]),
        key_bytecode=None if v["key_bytecode"] is None else os.fspath(v["key_bytecode"]),
        key_bytes=v["key_bytes"],
        layout=v["layout"],
    )


def verify_evm(
    proof: PathLike,
    verifier: PathLike,
    allow_oversize: bool = False,
    split: bool = False,
    reusable: bool = False,
) -> EvmResult:
    """Deploys the verifier (``.bin`` with any ``.partN.bin`` or ``.key.bin`` beside it, ``.sol``,
    or a verifying key, split or reusable as asked) on an in-process EVM and verifies
    proof.json with it."""
    v = json.loads(
        _zkinfer.verify_evm(
            os.fspath(proof), os.fspath(verifier), allow_oversize, split, reusable
        )
    )
    return EvmResult(
        accepted=v["accepted"],
        gas_used=v["gas_used"],
        deployed_bytes=v["deployed_bytes"],
        deploy_gas=v["deploy_gas"],
        part_bytes=v["part_bytes"],
        key_bytes=v["key_bytes"],
    )


def verify_bundle_evm(
    bundle: PathLike, allow_oversize: bool = False, split: bool = False
) -> BundleEvmResult:
    """Verifies a bundle from :func:`prove_parts` on an in-process EVM: deploys each part's
    verifier (generated from its key; ``split`` spreads each over contracts that fit EIP-170)
    and the bundle contract, which checks every part and link in one transaction. A rejected
    bundle is ``accepted=False`` with the failing part or link in ``reason``."""
    v = json.loads(_zkinfer.verify_bundle_evm(os.fspath(bundle), allow_oversize, split))
    return BundleEvmResult(**v)


def encode_calldata(proof: PathLike, key: Optional[bytes] = None) -> bytes:
    """Calldata for the Solidity verifier: public outputs as 32-byte words, then the proof;
    for a reusable verifier, ``key`` (the key contract's 20-byte address) goes first."""
    data = _zkinfer.encode_calldata(os.fspath(proof))
    if key is None:
        return data
    if len(key) != 20:
        raise ValueError(f"key: a 20-byte address, got {len(key)} bytes")
    return bytes(12) + bytes(key) + data


def prove_model(
    model_path: ModelLike,
    inputs: Inputs,
    output: PathLike = "proof.json",
    progress: bool = True,
    device: str = "cpu",
) -> ProofResult:
    """One shot: calibrate on the input, set up (keys cached by circuit), prove, verify."""
    return prove(model_path, inputs, output=output, progress=progress, device=device)
from . import receipts as receipts  # noqa: E402  (zkinfer.receipts: decision receipts and the log)
from . import distributed as distributed  # noqa: E402  (zkinfer.distributed: parts proven on Ray)
