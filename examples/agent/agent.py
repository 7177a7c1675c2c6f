"""An AI agent whose every decision carries a proof, a signed receipt, a log entry and an
on-chain record — and what an auditor sees afterwards.

The cast: a data source (a bank feed) that signs each applicant record it sends, a credit agent
that runs the policy model (policy.onnx, trained by train.py) on it, proves the inference, signs
a decision receipt, appends it to a tamper-evident log and submits it to the DecisionRegistry on
an in-process EVM; and an auditor who checks the log, every receipt and the chain. One command
on a fresh clone (bash examples/agent/run.sh), or with the package installed:

    python examples/agent/agent.py            # --requests N, --workdir DIR
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import zkinfer
from zkinfer import receipts

HERE = Path(__file__).resolve().parent
POLICY = HERE / "policy.onnx"
LABELS = ["deny", "approve"]


def say(text=""):
    print(text, flush=True)


def operator_setup(work):
    """Once: identities, the policy's settings and keys, and its verifier on chain."""
    source = receipts.keygen(work / "bank-feed.key", scheme="ed25519")
    agent = receipts.keygen(work / "agent.key")
    samples = json.loads((HERE / "calibration.json").read_text())["samples"]
    # Hashed input: the proof publishes the Poseidon digest of the applicant record (which the
    # bank feed signs), not the record itself.
    zkinfer.calibrate(POLICY, samples=samples, output=work / "settings.json", input_visibility="hashed")
    keys = zkinfer.setup(POLICY, work / "settings.json", work / "keys")
    verifier = zkinfer.create_evm_verifier(keys.vk, work / "Verifier.sol")
    if verifier.bytecode is None:
        raise SystemExit(f"no Solidity compiler: {verifier.not_compiled}")
    registry = receipts.LocalRegistry(verifier.bytecode, keys.model_identity, verifier.instances)
    say(f"policy model identity  {keys.model_identity}")
    say(f"bank feed (source)     {source}")
    say(f"credit agent           {agent}")
    say(f"DecisionRegistry       {registry.address} (in-process EVM, chain {registry.chain_id})")
    return source, agent, keys, registry


def bank_feed_sends(work, request):
    """The data source writes the applicant record and signs its commitment."""
    rid = request["request_id"]
    record = work / f"{rid}.input.json"
    record.write_text(json.dumps({"input_data": [list(request["applicant"].values())]}))
    commitment = work / f"{rid}.commitment.json"
    receipts.commit_input(POLICY, record, work / "settings.json", commitment,
                          key=work / "bank-feed.key", source_name="bank-feed")
    return record, commitment


def agent_decides(work, keys, registry, log, request, record, commitment):
    """The agent proves its decision, signs a receipt, logs it and registers it on chain."""
    rid = request["request_id"]
    x = json.loads(record.read_text())["input_data"]
    t = time.perf_counter()
    proof = zkinfer.prove(POLICY, x, output=work / f"{rid}.proof.json",
                          settings=work / "settings.json", pk=keys.pk)
    prove_s = time.perf_counter() - t
    receipt = work / f"{rid}.receipt.json"
    made = receipts.create(proof.proof, keys.vk, POLICY, record, work / "settings.json",
                           output=receipt, key=work / "agent.key", labels=LABELS,
                           context={"agent_id": "credit-agent-1", "request_id": rid},
                           input_attestation=commitment)
    head = log.append(receipt)
    sub = registry.submit(receipt, key=work / "agent.key")
    if not sub.accepted:
        raise SystemExit(f"{rid}: the registry refused the decision: {sub.reason}")
    say(f"{rid}: {made['decision']['label']:<8} proved in {prove_s:.2f}s, log entry {head.seq}, "
        f"registered ({sub.gas_used} gas)")
    return receipt


def auditor(work, keys, registry, log, source, agent, receipt_files):
    """Checks the log's chain, every receipt, and the registry's record of each."""
    say("\n== what the auditor sees")
    report = log.verify()
    say(f"log {log.path}: {report.entries} entries, chain intact, head {report.head[:16]}…")
    ok = True
    for r in receipt_files:
        record = Path(str(r).replace(".receipt.json", ".input.json"))
        # The demo runs on the development SRS; a production auditor drops allow_insecure_srs
        # and pins the ceremony SRS (srs=...).
        v = receipts.verify(r, keys.vk, identity=keys.model_identity, agents=[agent],
                            sources=[source], model=POLICY, input=record, allow_insecure_srs=True,
                            expect_decision="argmax", expect_labels=LABELS)
        on_chain = registry.decision(r, agent)
        passed = sum(c.status == "pass" for c in v.checks)
        registered = on_chain is not None and on_chain["agent"] == agent
        ok &= v.verified and registered
        label = (v.decision or {}).get("label", "?")
        say(f"  {Path(r).name:<24} {label:<8} {passed}/{len(v.checks)} checks pass, "
            f"{'on chain' if registered else 'NOT on chain'}"
            + ("" if v.verified else f"  FAILED: {v.first_failure.check}: {v.first_failure.detail}"))
    # Someone rewrites a decision in a copy of the log: the auditor names the entry.
    forged = work / "decisions.forged.jsonl"
    lines = Path(log.path).read_text().splitlines(keepends=True)
    lines[0] = lines[0].replace('"time":"', '"time":"1', 1)
    forged.write_text("".join(lines))
    try:
        receipts.Log(forged).verify()
        say("a rewritten log verified: this is a bug")
        ok = False
    except zkinfer.ZkinferError as e:
        say(f"a rewritten copy of the log is caught: {e}")
    # Replaying a receipt's computation on its revealed input gives the same bits.
    first = receipt_files[0]
    rep = receipts.replay(first, POLICY, work / (Path(first).name.replace(".receipt.json", ".input.json")))
    say(f"replay of {Path(first).name}: outputs identical = {rep.identical}")
    return ok and rep.identical


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=3, help="how many applicants to decide on")
    ap.add_argument("--workdir", help="where to keep keys, proofs, receipts and the log")
    args = ap.parse_args()
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="zkinfer-agent-"))
    if work.exists() and any(work.iterdir()):
        raise SystemExit(f"{work} is not empty")
    work.mkdir(parents=True, exist_ok=True)
    requests = json.loads((HERE / "requests.json").read_text())[: args.requests]
    source, agent, keys, registry = operator_setup(work)
    log = receipts.Log(work / "decisions.jsonl")
    say("")
    files = []
    for request in requests:
        record, commitment = bank_feed_sends(work, request)
        files.append(agent_decides(work, keys, registry, log, request, record, commitment))
    ok = auditor(work, keys, registry, log, source, agent, files)
    say(f"\nfiles in {work}")
    if not ok:
        raise SystemExit("the audit failed")


if __name__ == "__main__":
    main()
