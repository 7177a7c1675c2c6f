"""zkinfer.distributed: a model proven in parts as Ray tasks on a local Ray.

The test command installs Ray (the package's `ray` extra) and sets ZKINFER_REQUIRE_RAY, so
there these tests run; elsewhere they are skipped when Ray is not installed.
"""

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import zkinfer

if os.environ.get("ZKINFER_REQUIRE_RAY"):
    import ray  # noqa: F401  (fails loudly when the test command did not install it)
else:
    pytest.importorskip("ray")

MODELS = Path(__file__).resolve().parents[2] / "corpus"
# A small local Ray: no dashboard, a small object store, the machine's two cores.
RAY = {"num_cpus": 2, "include_dashboard": False, "object_store_memory": 100 * 2**20}


def model(name):
    d = MODELS / name
    return str(d / "network.onnx"), json.loads((d / "input.json").read_text())["input_data"]


@pytest.fixture(autouse=True)
def key_cache(tmp_path_factory, monkeypatch):
    # Set before Ray starts, so its workers share this session's key cache.
    monkeypatch.setenv("ZKINFER_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


def test_parts_proven_as_ray_tasks_make_the_bundle_prove_parts_makes(tmp_path, capsys):
    path, x = model("conv_fc")
    settings = zkinfer.calibrate(path, x, output=tmp_path / "settings.json")
    result = zkinfer.distributed.prove(
        path, x, parts=2, output=tmp_path / "ray", settings=settings, ray_init=RAY
    )
    assert len(result.parts) == 2 and all(p.node for p in result.parts)
    assert not any(p.reused for p in result.parts)
    # Each worker measures the peak of its own part (Linux).
    if sys.platform.startswith("linux"):
        assert all(p.peak_memory_bytes and p.peak_memory_bytes > 0 for p in result.parts)
    # Progress names each part and the machine that proved it.
    err = capsys.readouterr().err
    assert "part 1/2" in err and "part 2/2" in err and " on " in err, err
    check = zkinfer.verify_bundle(result.bundle, identity=result.identity)
    assert check.parts == [p.model_identity for p in result.parts]
    out = result.outputs[0]
    assert np.allclose(check.outputs[out.name], out.values) and out.max_rel_error < 1e-3
    # The same parts, keys and identity as proving them in this process.
    local = zkinfer.prove_parts(path, x, 2, output=tmp_path / "local", settings=settings)
    assert local.identity == result.identity

    # Resuming keeps every part (each worker re-checks the earlier proof before keeping it).
    again = zkinfer.distributed.prove(
        path, x, parts=2, output=tmp_path / "ray", settings=settings, resume=True, ray_init=RAY
    )
    assert all(p.reused for p in again.parts) and again.identity == result.identity
    zkinfer.verify_bundle(again.bundle, identity=result.identity)

    # A part proven on another input is not kept: it is proven again, and the bundle holds.
    other = zkinfer.prove_parts(
        path, [np.asarray(x[0]) * 0.5], 2, output=tmp_path / "other", settings=settings
    )
    stale = tmp_path / "ray" / "part-1.proof.json"
    stale.write_bytes((tmp_path / "other" / "part-1.proof.json").read_bytes())
    with pytest.raises(zkinfer.ZkinferError, match="link part 1 → part 2"):
        zkinfer.verify_bundle(tmp_path / "ray" / "bundle.json")
    fixed = zkinfer.distributed.prove(
        path, x, parts=2, output=tmp_path / "ray", settings=settings, resume=True, ray_init=RAY
    )
    assert [p.reused for p in fixed.parts] == [True, False]
    zkinfer.verify_bundle(fixed.bundle, identity=result.identity)
    assert other.identity == result.identity


def test_a_failing_part_is_named_with_its_machine(tmp_path):
    path, x = model("conv_fc")
    # An SRS too small for either part: every task fails, after its retries.
    small = zkinfer.gen_srs(4, tmp_path / "small.srs", seed=1)
    with pytest.raises(zkinfer.ZkinferError, match=r"part \d/2 \(.*\) failed after 1 retries") as e:
        zkinfer.distributed.prove(
            path, x, parts=2, output=tmp_path / "b", srs=small, retries=1, ray_init=RAY
        )
    assert " on " in str(e.value) and "SRS" in str(e.value).upper(), str(e.value)
