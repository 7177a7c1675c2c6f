"""The agent example (examples/agent) end to end: signed inputs, proofs, receipts, the log and
the on-chain registry, then the auditor's checks; and the training script."""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
AGENT = REPO / "examples" / "agent"


def test_agent_loop_and_audit(tmp_path):
    out = subprocess.run(
        [sys.executable, str(AGENT / "agent.py"), "--requests", "2", "--workdir", str(tmp_path / "run")],
        capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout
    assert "loan-000:" in text and "loan-001:" in text
    assert text.count("checks pass, on chain") == 2, text
    assert "13/13 checks pass" in text, text
    assert "a rewritten copy of the log is caught" in text and "line 1" in text, text
    assert "outputs identical = True" in text
    log = (tmp_path / "run" / "decisions.jsonl").read_text().splitlines()
    assert [json.loads(line)["entry"]["seq"] for line in log] == [0, 1]


def test_train_script_learns_a_policy(tmp_path):
    # The checked-in files come from this script; numpy does not promise the same random
    # streams across versions, so the test checks what it writes, not its bytes.
    import shutil

    copy = tmp_path / "agent"
    shutil.copytree(AGENT, copy)
    out = subprocess.run([sys.executable, str(copy / "train.py")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    accuracy = float(out.stdout.split("held-out accuracy ")[1].split()[0])
    assert accuracy > 0.8, out.stdout
    requests = json.loads((copy / "requests.json").read_text())
    assert len(requests) == 6 and len(requests[0]["applicant"]) == 6
