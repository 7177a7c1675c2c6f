"""The Python package end to end: corpus models proven and verified from Python, artifacts
exchanged with the CLI both ways, the EVM path, user errors as ZkinferError, the GIL released
while proving, and the stubs matching the native module."""

import ast
import dataclasses
import inspect as pyinspect
import json
import os
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import zkinfer
from zkinfer import _zkinfer

REPO = Path(__file__).resolve().parents[2]
# The repository's own corpus (tools/corpus/export.py): present in every clone.
MODELS = REPO / "corpus"


def cli() -> str:
    exe = os.environ.get("ZKINFER_BIN")
    if exe:
        return exe
    for profile in ("debug", "release"):
        target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
        p = target / profile / "zkinfer"
        if p.exists():
            return str(p)
    pytest.fail("the zkinfer CLI was not found: set ZKINFER_BIN or build it with cargo")


def model(name):
    d = MODELS / name
    return str(d / "network.onnx"), json.loads((d / "input.json").read_text())["input_data"]


@pytest.fixture(autouse=True)
def key_cache(tmp_path_factory, monkeypatch):
    # One key cache per test session keeps tests independent of the user's cache.
    monkeypatch.setenv("ZKINFER_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.mark.parametrize("name", ["mlp", "conv_fc"])
def test_prove_model_and_verify_corpus_models(name, tmp_path):
    path, x = model(name)
    result = zkinfer.prove_model(path, x, output=tmp_path / "proof.json", progress=False)
    assert zkinfer.verify(result.proof, result.vk)
    # The proven outputs are the exact quantized inference, bit for bit.
    exact = zkinfer.run(path, x)
    for proven, ran in zip(result.outputs, exact.outputs):
        assert isinstance(proven.values, np.ndarray)
        np.testing.assert_array_equal(proven.values, ran.values)
        assert proven.max_rel_error < 1e-3
    written = json.loads(Path(result.proof).read_text())
    assert written["model_identity"] == result.model_identity
    # Where the time went: every phase measured, the MSMs inside them.
    phases = result.prove_phases
    assert {"synthesis", "advice_commit", "lookups", "permutation", "quotient", "opening"} <= set(phases)
    assert phases["quotient"] > 0 and phases["opening"] > 0 and 0 < phases["msm"] < sum(
        t for name, t in phases.items() if name != "msm"
    )


def test_numpy_and_nested_list_inputs_agree(tmp_path):
    path, x = model("conv_fc")
    as_array = np.asarray(x[0], dtype=np.float64).reshape(1, 1, 28, 28)
    a = zkinfer.run(path, as_array)
    b = zkinfer.run(path, x)
    c = zkinfer.run(path, [as_array])
    np.testing.assert_array_equal(a.outputs[0].values, b.outputs[0].values)
    np.testing.assert_array_equal(a.outputs[0].values, c.outputs[0].values)


def test_explicit_pipeline_and_tampering(tmp_path):
    path, x = model("mlp")
    settings = zkinfer.calibrate(path, x, output=tmp_path / "settings.json")
    assert settings.target == "balanced" and settings.path is not None
    assert (settings.input_bits, settings.output_bits) == (16, 24)
    assert zkinfer.Settings.load(tmp_path / "settings.json") == settings
    # Several samples, and an edited field that must reach the native side.
    pooled = zkinfer.calibrate(path, samples=[x, [[0.5, -0.5, 0.25, 1.0]]], max_lanes=1)
    assert pooled.model_sha256 == settings.model_sha256 and pooled.max_lanes == 1
    assert zkinfer.inspect(path, settings=pooled)["plan"]["lanes"] == 1
    coarse = dataclasses.replace(settings, activation_bits=10, weight_bits=8, output_bits=None)
    fine = zkinfer.run(path, x, settings=settings).outputs[0]
    rough = zkinfer.run(path, x, settings=coarse).outputs[0]
    assert rough.scale < fine.scale
    assert zkinfer.run(path, x, target="resources").outputs[0].scale < fine.scale
    zkinfer.gen_srs(12, tmp_path / "dev.srs")
    keys = zkinfer.setup(path, settings, tmp_path / "keys", srs=tmp_path / "dev.srs")
    assert keys.insecure_srs and Path(keys.pk).exists()
    proof = zkinfer.prove(
        path, x, tmp_path / "proof.json", settings=settings, pk=keys.pk, srs=tmp_path / "dev.srs"
    )
    assert zkinfer.verify(proof.proof, keys.vk)
    assert proof.setup_phases is None, "keys were given: no setup was timed"

    doc = json.loads(Path(proof.proof).read_text())
    byte = int(doc["proof"][200:202], 16) ^ 1
    doc["proof"] = doc["proof"][:200] + f"{byte:02x}" + doc["proof"][202:]
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    assert zkinfer.verify(tmp_path / "bad.json", keys.vk) is False

    other_path, other_x = model("relu")
    other = zkinfer.prove_model(other_path, other_x, output=tmp_path / "relu.json", progress=False)
    with pytest.raises(zkinfer.ZkinferError, match="circuit"):
        zkinfer.verify(other.proof, keys.vk)


def _g2_offset(vk: bytes) -> int:
    """Where G2 and s·G2 start in a verifying-key file: after the header, the plan and g0."""
    at = 8 + 1 + 2
    for _ in range(2):  # tool version, SRS label
        at += 2 + int.from_bytes(vk[at : at + 2], "little")
    at += 32 + 4
    plan = int.from_bytes(vk[at : at + 4], "little")
    return at + 4 + plan + 32


def test_doctored_keys_and_pins(tmp_path):
    path, x = model("mlp")
    result = zkinfer.prove_model(path, x, output=tmp_path / "proof.json", progress=False)
    vk = Path(result.vk).read_bytes()
    # The honest proof verifies with its identity and its SRS pinned.
    zkinfer.gen_srs(10, tmp_path / "dev.srs")
    assert zkinfer.verify(result.proof, result.vk, identity=result.model_identity)
    assert zkinfer.verify(result.proof, result.vk, srs=tmp_path / "dev.srs")
    # Another identity pinned.
    other = "0x" + "00" * 32
    with pytest.raises(zkinfer.ZkinferError, match="model identity mismatch"):
        zkinfer.verify(result.proof, result.vk, identity=other)
    with pytest.raises(zkinfer.ZkinferError, match="model identity mismatch"):
        zkinfer.create_evm_verifier(result.vk, tmp_path / "V.sol", identity=other)
    # G2 and s·G2 as the identity point (zero but the infinity flag): every pairing would
    # drop out. Refused as an altered key.
    at = _g2_offset(vk)
    infinity = bytes(63) + b"\x80"
    doctored = vk[:at] + infinity + infinity + vk[at + 128 :]
    (tmp_path / "doctored.vk").write_bytes(doctored)
    with pytest.raises(zkinfer.ZkinferError, match="G2 generator"):
        zkinfer.verify(result.proof, tmp_path / "doctored.vk")
    # One changed byte in the plan region: refused, or another model.
    edited = bytearray(vk)
    edited[at - 40] ^= 1
    (tmp_path / "edited.vk").write_bytes(bytes(edited))
    with pytest.raises(zkinfer.ZkinferError):
        zkinfer.verify(result.proof, tmp_path / "edited.vk", identity=result.model_identity)


def test_models_as_bytes_protos_and_external_data(tmp_path):
    import onnx

    example = REPO / "examples" / "credit_score"
    path = example / "network.onnx"
    x = json.loads((example / "input.json").read_text())["input_data"]
    expected = zkinfer.run(path, x).outputs[0].values
    # The file's bytes (the same hash as the file), and the onnx library's in-memory model
    # (re-serialized by onnx, so a hash of its own): the same outputs.
    data = path.read_bytes()
    proto = onnx.load(str(path))
    for model in (data, proto):
        np.testing.assert_array_equal(zkinfer.run(model, x).outputs[0].values, expected)
    assert zkinfer.calibrate(data, x).model_sha256 == zkinfer.calibrate(path, x).model_sha256
    settings = zkinfer.calibrate(proto, x)
    proof = zkinfer.prove(proto, x, tmp_path / "proof.json", settings=settings)
    assert zkinfer.verify(proof.proof, proof.vk, identity=proof.model_identity)
    # Weights saved by the onnx library into an external file, as torch.onnx.export does:
    # loaded from the path, and from onnx.load's in-memory model.
    ext = tmp_path / "ext" / "network.onnx"
    ext.parent.mkdir()
    raw = onnx.load(str(path))
    for i, t in enumerate(raw.graph.initializer):  # onnx moves raw_data only, as torch writes it
        raw.graph.initializer[i].CopyFrom(
            onnx.numpy_helper.from_array(onnx.numpy_helper.to_array(t), t.name)
        )
    onnx.save_model(
        raw,
        str(ext),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="network.onnx.data",
        size_threshold=0,
    )
    assert (ext.parent / "network.onnx.data").exists()
    np.testing.assert_array_equal(zkinfer.run(ext, x).outputs[0].values, expected)
    np.testing.assert_array_equal(zkinfer.run(onnx.load(str(ext)), x).outputs[0].values, expected)
    # Not a model.
    with pytest.raises(zkinfer.ZkinferError, match="not a valid ONNX model"):
        zkinfer.run(b"definitely not onnx", x)


def test_artifacts_round_trip_with_the_cli(tmp_path):
    path, x = model("mlp")
    input_json = str(MODELS / "mlp" / "input.json")
    # Python proves, the CLI verifies.
    py = zkinfer.prove_model(path, x, output=tmp_path / "py.json", progress=False)
    out = subprocess.run(
        [cli(), "verify", "--proof", py.proof, "--vk", py.vk],
        capture_output=True, text=True, env=os.environ,
    )
    assert out.returncode == 0, out.stderr
    assert "proof verified" in out.stdout
    # The CLI proves, Python verifies (same cache, so same keys).
    cli_proof = tmp_path / "cli.json"
    out = subprocess.run(
        [cli(), "prove", path, "--input", input_json, "-o", str(cli_proof), "--json"],
        capture_output=True, text=True, env=os.environ,
    )
    assert out.returncode == 0, out.stderr
    outcome = json.loads(out.stdout)
    assert outcome["keys_cached"] is True
    assert zkinfer.verify(cli_proof, py.vk)
    # One proving flow: the CLI prints the outcome Python's ProofResult is read from, so every
    # field of the dataclass is a field of it.
    fields = {f.name for f in dataclasses.fields(zkinfer.ProofResult)}
    assert fields <= set(outcome), fields - set(outcome)
    assert outcome["vk"] == py.vk and outcome["insecure_srs"] is True


def test_evm_verifier_from_python(tmp_path):
    path, x = model("relu")
    proof = zkinfer.prove_model(path, x, output=tmp_path / "proof.json", progress=False)
    v = zkinfer.create_evm_verifier(proof.vk, tmp_path / "Verifier.sol")
    assert v.bytecode is not None and v.deployed_bytes and v.deployed_bytes <= 24576
    result = zkinfer.verify_evm(proof.proof, v.bytecode)
    assert result.accepted and 0 < result.gas_used < 546_000
    calldata = zkinfer.encode_calldata(proof.proof)
    assert len(calldata) == 32 * v.instances + proof.proof_bytes
    # The split layout (for verifiers over the EIP-170 limit) verifies the same proof.
    split = zkinfer.create_evm_verifier(proof.vk, tmp_path / "Split.sol", split=True)
    assert split.parts and all(0 < b <= 24576 for b in split.part_bytes)
    result = zkinfer.verify_evm(proof.proof, split.bytecode)
    assert result.accepted and result.part_bytes == split.part_bytes
    # The reusable verifier with this key's contract beside it.
    reusable = zkinfer.create_evm_verifier(proof.vk, tmp_path / "Reusable.sol", reusable=True)
    assert reusable.key_bytecode and reusable.key_bytes and reusable.layout
    result = zkinfer.verify_evm(proof.proof, reusable.bytecode)
    assert result.accepted and result.key_bytes == reusable.key_bytes
    keyed = zkinfer.encode_calldata(proof.proof, key=bytes(range(20)))
    assert keyed == bytes(12) + bytes(range(20)) + calldata


def test_public_inputs_and_private_outputs(tmp_path):
    path, x = model("mlp")
    settings = zkinfer.calibrate(
        path, x, input_visibility="public", output_visibility="private"
    )
    assert (settings.input_visibility, settings.output_visibility) == ("public", "private")
    saved = settings.save(tmp_path / "settings.json")
    assert zkinfer.Settings.load(tmp_path / "settings.json") == saved
    proof = zkinfer.prove(path, x, tmp_path / "proof.json", settings=saved, progress=False)
    assert zkinfer.verify(proof.proof, proof.vk)
    doc = json.loads(Path(proof.proof).read_text())
    assert doc["outputs"] == [] and len(doc["inputs"]) == 1
    assert len(doc["instances"]) == np.asarray(x).size
    # The proof is bound to its input: another input (changed consistently) is rejected.
    doc["instances"][0] = str(int(doc["instances"][0]) + 1)
    scale = doc["inputs"][0]["scale"]
    doc["inputs"][0]["values"][0] = int(doc["instances"][0]) / 2.0**scale
    (tmp_path / "other_input.json").write_text(json.dumps(doc))
    assert zkinfer.verify(tmp_path / "other_input.json", proof.vk) is False
    with pytest.raises(zkinfer.ZkinferError, match="'public', 'private', 'hashed' or 'packed'"):
        zkinfer.calibrate(path, x, input_visibility="secret")
    with pytest.raises(zkinfer.ZkinferError, match="both private"):
        zkinfer.calibrate(path, x, output_visibility="private")


def test_packed_outputs(tmp_path):
    path, x = model("concat")
    settings = zkinfer.calibrate(path, x, output_visibility="packed")
    saved = settings.save(tmp_path / "settings.json")
    proof = zkinfer.prove(path, x, tmp_path / "proof.json", settings=saved, progress=False)
    assert zkinfer.verify(proof.proof, proof.vk)
    doc = json.loads(Path(proof.proof).read_text())
    # 144 outputs in a few words: value i of a word is its i-th digit of `bits` bits, offset.
    bits = doc["packed_bits"]["output"]
    out = doc["outputs"][0]
    per = 248 // bits
    words = [int(w) for w in doc["instances"]]
    assert len(words) == -(-len(out["values"]) // per)
    digits = [(w >> (bits * i)) & ((1 << bits) - 1) for w in words for i in range(per)]
    values = [(d - (1 << (bits - 1))) / 2.0 ** out["scale"] for d in digits]
    assert values[: len(out["values"])] == out["values"]
    assert zkinfer.verify_evm(proof.proof, proof.vk).accepted
    doc["outputs"][0]["values"][3] += 2.0 ** -out["scale"]
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(zkinfer.ZkinferError, match="do not pack"):
        zkinfer.verify(tmp_path / "bad.json", proof.vk)


def test_hashed_inputs_and_outputs(tmp_path):
    path, x = model("mlp")
    settings = zkinfer.calibrate(path, x, input_visibility="hashed", output_visibility="hashed")
    saved = settings.save(tmp_path / "settings.json")
    proof = zkinfer.prove(path, x, tmp_path / "proof.json", settings=saved, progress=False)
    assert zkinfer.verify(proof.proof, proof.vk)
    doc = json.loads(Path(proof.proof).read_text())
    # Two instances: the digests, which anyone holding the data recomputes.
    d = zkinfer.digests(path, x, saved)
    assert [int(i) for i in doc["instances"]] == [d.input, d.output]
    assert "inputs" not in doc and len(doc["outputs"]) == 1
    other = zkinfer.digests(path, np.asarray(x) * 0.5, saved)
    assert other.input != d.input and other.output != d.output
    # Listed outputs that do not hash to the proven digest are refused on reading: a value
    # changed alone disagrees with its listed integer, both changed miss the digest.
    doc["outputs"][0]["values"][0] += 2.0 ** -doc["outputs"][0]["scale"]
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(zkinfer.ZkinferError, match="is not its integer"):
        zkinfer.verify(tmp_path / "bad.json", proof.vk)
    doc["outputs"][0]["integers"][0] += 1
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(zkinfer.ZkinferError, match="do not hash"):
        zkinfer.verify(tmp_path / "bad.json", proof.vk)
    # Hashed weights: the last instance is the model's digest.
    hidden = zkinfer.calibrate(path, x, weights_visibility="hashed")
    assert hidden.weights_visibility == "hashed"
    saved = hidden.save(tmp_path / "hidden.json")
    assert zkinfer.Settings.load(tmp_path / "hidden.json").weights_visibility == "hashed"
    proof = zkinfer.prove(path, x, tmp_path / "hidden_proof.json", settings=saved, progress=False)
    assert zkinfer.verify(proof.proof, proof.vk)
    doc = json.loads(Path(proof.proof).read_text())
    assert int(doc["instances"][-1]) == zkinfer.digests(path, x, saved).weights


def test_linear_check_choice(tmp_path):
    path, x = model("mlp")
    settings = zkinfer.calibrate(path, x, linear_check="freivalds")
    assert settings.linear_check == "freivalds"
    saved = settings.save(tmp_path / "settings.json")
    assert zkinfer.Settings.load(tmp_path / "settings.json").linear_check == "freivalds"
    plan = zkinfer.inspect(path, settings=saved)["plan"]
    assert plan["late_lanes"] >= 1 and plan["linear"] == "freivalds"
    proof = zkinfer.prove(path, x, tmp_path / "proof.json", settings=saved, progress=False)
    assert zkinfer.verify(proof.proof, proof.vk)
    # The default keeps this small layer on plain chains: no second phase.
    assert zkinfer.inspect(path, x)["plan"]["late_lanes"] == 0
    with pytest.raises(zkinfer.ZkinferError, match="linear check"):
        zkinfer.calibrate(path, x, linear_check="fast")


def test_user_errors_raise_zkinfer_error(tmp_path):
    path, _ = model("mlp")
    with pytest.raises(zkinfer.ZkinferError, match="expected 4 values"):
        zkinfer.run(path, [1.0, 2.0])
    with pytest.raises(zkinfer.ZkinferError, match="nope.onnx"):
        zkinfer.run(tmp_path / "nope.onnx", [1.0, 2.0, 3.0])
    with pytest.raises(zkinfer.ZkinferError, match="fastest"):
        zkinfer.calibrate(path, [[0.1, 0.2, 0.3, 0.4]], target="fastest")
    with pytest.raises(zkinfer.ZkinferError, match="fastest"):
        zkinfer.run(path, [[0.1, 0.2, 0.3, 0.4]], target="fastest")
    with pytest.raises(zkinfer.ZkinferError, match="out of range"):
        zkinfer.gen_srs(25, tmp_path / "x.srs")
    with pytest.raises(zkinfer.ZkinferError, match="inputs must be numbers"):
        zkinfer.run(path, [["a", "b", "c"]])
    with pytest.raises(zkinfer.ZkinferError, match="calibrate needs"):
        zkinfer.calibrate(path)
    (tmp_path / "junk.json").write_text("{}")
    with pytest.raises(zkinfer.ZkinferError):
        zkinfer.verify(tmp_path / "junk.json", tmp_path / "junk.json")


def test_gil_is_released_while_proving(tmp_path):
    path, x = model("conv_fc")
    zkinfer.prove_model(path, x, output=tmp_path / "warm.json", progress=False)  # cache keys
    done = threading.Event()

    def work():
        zkinfer.prove(path, x, output=tmp_path / "proof.json")
        done.set()

    t = threading.Thread(target=work)
    ticks = 0
    start = time.perf_counter()
    t.start()
    while t.is_alive():
        ticks += 1
        time.sleep(0.001)
    t.join()
    assert done.is_set(), "proving failed in the worker thread"
    elapsed = time.perf_counter() - start
    # With the GIL held the loop could not tick until proving ended.
    assert elapsed > 0.2 and ticks > elapsed * 100, (ticks, elapsed)


def test_stubs_match_the_native_module():
    stub = Path(zkinfer.__file__).with_name("_zkinfer.pyi")
    tree = ast.parse(stub.read_text())
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    classes = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    native = {n for n in dir(_zkinfer) if not n.startswith("_")}
    assert set(funcs) | classes == native
    for name, node in funcs.items():
        params = [a.arg for a in node.args.args]
        actual = list(pyinspect.signature(getattr(_zkinfer, name)).parameters)
        assert params == actual, name
    assert issubclass(_zkinfer.ZkinferError, Exception)
    for name in zkinfer.__all__:
        assert hasattr(zkinfer, name), name
    assert (Path(zkinfer.__file__).with_name("py.typed")).exists()


def test_device_choice_is_reported(tmp_path):
    path, x = model("relu")
    result = zkinfer.prove(path, x, output=tmp_path / "proof.json", device="auto")
    assert zkinfer.verify(result.proof, result.vk)
    if result.msm == "cpu":
        # Only a software adapter (lavapipe in CI) or none: auto says why it stayed on the CPU.
        assert result.msm_fallback
    else:
        assert result.msm.startswith("wgpu") and result.msm_fallback is None
    with pytest.raises(zkinfer.ZkinferError, match="expected cpu, gpu or auto"):
        zkinfer.prove(path, x, output=tmp_path / "proof.json", device="tpu")


def test_errors_hint_keyword_arguments_and_calibrate_takes_them(tmp_path):
    path, x = model("mlp")
    settings = zkinfer.calibrate(path, x, table_bits=10, headroom=3.0, activation_bits=14)
    assert (settings.table_bits, settings.headroom, settings.activation_bits) == (10, 3.0, 14)
    big = [[1000.0, -1000.0, 1000.0, -1000.0]]
    with pytest.raises(zkinfer.ZkinferError, match="outside the allowed range") as e:
        zkinfer.run(path, big, settings=settings)
    # What to change, as this package's keyword arguments rather than command-line flags.
    assert "headroom=" in str(e.value) and "--" not in str(e.value), str(e.value)



def test_bundle_weights_and_input_checked_against_the_verifiers_copy(tmp_path):
    path, x = model("conv_fc")
    settings = zkinfer.calibrate(
        path,
        x,
        output=tmp_path / "settings.json",
        weights_visibility="hashed",
        input_visibility="hashed",
    )
    result = zkinfer.prove_parts(path, x, 2, output=tmp_path / "a", settings=settings)
    plain = zkinfer.verify_bundle(result.bundle)
    assert plain.weights_checked == 0 and all(plain.weights_digests), plain
    check = zkinfer.verify_bundle(result.bundle, model=path, settings=settings, inputs=x)
    assert check.weights_checked == 2 and check.input_checked, check
    with pytest.raises(zkinfer.ZkinferError, match="the bundle is about another input"):
        zkinfer.verify_bundle(
            result.bundle, model=path, settings=settings, inputs=[np.asarray(x[0]) * 0.5]
        )
    with pytest.raises(zkinfer.ZkinferError, match="give model and settings together"):
        zkinfer.verify_bundle(result.bundle, model=path)


def test_parts_linked_by_public_activations(tmp_path):
    path, x = model("conv_fc")
    settings = zkinfer.calibrate(path, x, link_visibility="public")
    assert settings.link_visibility == "public"
    assert json.loads(settings.to_json())["visibility"]["link"] == "public"
    result = zkinfer.prove_parts(path, x, 2, output=tmp_path / "a", settings=settings)
    inner = json.loads((tmp_path / "a" / "part-0.proof.json").read_text())
    assert inner["visibility"]["output"] == "public" and inner["outputs"], inner["visibility"]
    assert zkinfer.verify_bundle(result.bundle, identity=result.identity).identity_pinned
    with pytest.raises(zkinfer.ZkinferError, match="private link"):
        zkinfer.calibrate(path, x, link_visibility="private")


def test_bundle_of_parts_from_python(tmp_path):
    path, x = model("conv_fc")
    settings = zkinfer.calibrate(path, x, output=tmp_path / "settings.json")
    result = zkinfer.prove_parts(path, x, 2, output=tmp_path / "a", settings=settings)
    assert len(result.parts) == 2 and result.parts[0].handed_on > 0
    # The CLI prints the outcome the dataclasses are read from.
    assert {f.name for f in dataclasses.fields(zkinfer.PartResult)} >= {"first_node", "k", "vk"}
    check = zkinfer.verify_bundle(result.bundle, identity=result.identity)
    assert check.identity_pinned and check.parts == [p.model_identity for p in result.parts]
    out = result.outputs[0]
    assert np.allclose(check.outputs[out.name], out.values)
    assert out.max_rel_error < 1e-3
    with pytest.raises(zkinfer.ZkinferError, match="you pinned bundle"):
        zkinfer.verify_bundle(result.bundle, identity="00" * 32)
    # A part proven on another input breaks its link, and the error names it.
    other = zkinfer.prove_parts(
        path, [np.asarray(x[0]) * 0.5], 2, output=tmp_path / "b", settings=settings
    )
    assert other.identity == result.identity
    (tmp_path / "a" / "part-1.proof.json").write_bytes(
        (tmp_path / "b" / "part-1.proof.json").read_bytes()
    )
    with pytest.raises(zkinfer.ZkinferError, match="link part 1 → part 2"):
        zkinfer.verify_bundle(result.bundle)
    # On the EVM: each part's verifier accepts its proof, the bundle contract the link not.
    evm = zkinfer.verify_bundle_evm(result.bundle, split=True)
    assert not evm.accepted and "link part 1 → part 2" in evm.reason, evm
    assert [p["accepted"] for p in evm.parts] == [True, True]
    # A memory budget picks the parts (planned here without proving); no way to cut is refused.
    budget = json.loads(_zkinfer.plan_parts(path, x, max_memory_gib=1.0))
    assert len(budget["parts"]) >= 2
    assert all(p["estimated_peak_bytes"] <= 2**30 for p in budget["parts"])
    with pytest.raises(zkinfer.ZkinferError, match="give one of parts=N"):
        zkinfer.prove_parts(path, x, output=tmp_path / "none")
    intact = zkinfer.verify_bundle_evm(other.bundle, split=True)
    assert intact.accepted and intact.gas_used < sum(p["gas_used"] for p in intact.parts)
