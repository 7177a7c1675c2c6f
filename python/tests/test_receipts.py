"""Decision receipts from Python: made here and verified by the CLI and the other way round,
validated against docs/receipt.schema.json, replayed, and kept in a log whose tampering is
named."""

import base64
import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest

import zkinfer
from zkinfer import receipts

REPO = Path(__file__).resolve().parents[2]
MLP = REPO / "corpus" / "mlp"
SCHEMA = json.loads((REPO / "docs" / "receipt.schema.json").read_text())


def cli():
    from test_zkinfer import cli as find

    return find()


def run(*args):
    out = subprocess.run([cli(), *map(str, args)], capture_output=True, text=True)
    return out


@pytest.fixture(scope="module")
def proved(tmp_path_factory):
    d = tmp_path_factory.mktemp("receipts")
    env = dict(os.environ, ZKINFER_CACHE=str(d / "cache"))
    model, inp = MLP / "network.onnx", MLP / "input.json"
    settings, proof = d / "settings.json", d / "proof.json"
    for args in (
        ["calibrate", model, "--data", inp, "--input-visibility", "hashed", "-o", settings],
        ["prove", model, "--input", inp, "--settings", settings, "-o", proof, "--json"],
    ):
        out = subprocess.run([cli(), *map(str, args)], capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    vk = d / "cache" / "keys" / summary["circuit_hash"] / "vk"
    return dict(dir=d, model=model, input=inp, settings=settings, proof=proof, vk=vk, env=env)


def statement(path):
    env = json.loads(Path(path).read_text())
    return json.loads(base64.b64decode(env["payload"]))


def test_python_receipt_verifies_in_cli_and_back(proved, tmp_path):
    p = proved
    agent = receipts.keygen(tmp_path / "agent.key")
    assert agent.startswith("0x") and len(agent) == 42
    assert (os.stat(tmp_path / "agent.key").st_mode & 0o077) == 0
    with pytest.raises(zkinfer.ZkinferError):
        receipts.keygen(tmp_path / "agent.key")  # never overwritten
    source = receipts.keygen(tmp_path / "source.key", scheme="ed25519")
    att = tmp_path / "commitment.json"
    assert receipts.commit_input(p["model"], p["input"], p["settings"], att, key=tmp_path / "source.key") == source
    receipt = tmp_path / "receipt.json"
    made = receipts.create(
        p["proof"], p["vk"], p["model"], p["input"], p["settings"], output=receipt,
        key=tmp_path / "agent.key", labels=["low", "mid", "high"],
        context={"agent_id": "py-agent"}, input_attestation=att,
    )
    assert made["signer"] == agent
    jsonschema.validate(statement(receipt), SCHEMA)
    out = run("receipt", "verify", receipt, "--vk", p["vk"], "--agent", agent, "--source", source,
              "--model", p["model"], "--input", p["input"], "--json", "--allow-insecure-srs")
    assert out.returncode == 0, out.stdout + out.stderr
    assert all(c["status"] == "pass" for c in json.loads(out.stdout)["checks"])

    # The CLI's receipt, by digest, verified from Python.
    cli_receipt = tmp_path / "cli-receipt.json"
    out = subprocess.run(
        [cli(), "receipt", "create", str(p["model"]), "--input", str(p["input"]), "--proof",
         str(p["proof"]), "--vk", str(p["vk"]), "--settings", str(p["settings"]), "--decision",
         "threshold:0.1@2", "--proof-by-digest", "-o", str(cli_receipt)],
        capture_output=True, text=True, env=dict(p["env"], ZKINFER_SIGNING_KEY="ed25519:" + "07" * 32),
    )
    assert out.returncode == 0, out.stderr
    assert "07" * 32 not in out.stdout + out.stderr  # the secret is never printed
    jsonschema.validate(statement(cli_receipt), SCHEMA)
    report = receipts.verify(cli_receipt, p["vk"], proof=p["proof"], model=p["model"],
                             input=p["input"], allow_insecure_srs=True)
    assert report.verified, report.first_failure
    assert report["decision"].status == "pass" and report["signature"].detail.startswith("signed by ed25519:")
    assert report["source-signature"].status == "skipped"
    missing = receipts.verify(cli_receipt, p["vk"])
    assert not missing.verified and missing.first_failure.check == "proof"
    strict = receipts.verify(cli_receipt, p["vk"], proof=p["proof"])
    assert strict.first_failure.check == "srs" and "INSECURE" in strict.first_failure.detail
    pinned = receipts.verify(cli_receipt, p["vk"], proof=p["proof"], agents=[agent], allow_insecure_srs=True)
    assert pinned.first_failure.check == "signature"

    replayed = receipts.replay(receipt, p["model"], p["input"])
    assert replayed.identical and all(o.stated == o.replayed for o in replayed.outputs)
    assert replayed.decision["label"] in ("low", "mid", "high")


def test_python_log_names_tampering(proved, tmp_path):
    p = proved
    receipts.keygen(tmp_path / "agent.key")
    receipt = tmp_path / "receipt.json"
    receipts.create(p["proof"], p["vk"], p["model"], p["input"], p["settings"], output=receipt,
                    key=tmp_path / "agent.key")
    log = receipts.Log(tmp_path / "log.jsonl")
    heads = [log.append(receipt) for _ in range(3)]
    assert [h.seq for h in heads] == [0, 1, 2]
    assert log.verify(head=heads[1].hash).entries == 3
    lines = Path(log.path).read_text().splitlines(keepends=True)
    Path(log.path).write_text(lines[0] + lines[2])
    with pytest.raises(zkinfer.ZkinferError, match="line 2"):
        log.verify()
    # A torn final line (a crash mid-append) is skipped by verify and removed by the next append.
    Path(log.path).write_text("".join(lines) + lines[0][:40])
    assert log.verify().torn_tail_bytes == 40
    assert log.append(receipt).repaired_bytes == 40
    assert log.verify().entries == 4
