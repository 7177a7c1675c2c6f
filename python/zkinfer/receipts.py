"""Decision receipts, signing keys and the tamper-evident receipt log, from Python.

The same checks as ``zkinfer receipt``, ``zkinfer keygen`` and ``zkinfer log``; a receipt made
here verifies with the CLI and the other way round. A receipt is an in-toto Statement v1 in a
DSSE envelope (see docs/receipts.md)::

    from zkinfer import receipts
    agent = receipts.keygen("agent.key")               # an Ethereum address
    receipts.create("proof.json", vk, "model.onnx", "input.json", "settings.json",
                    output="receipt.json", key="agent.key", labels=["deny", "approve"])
    report = receipts.verify("receipt.json", vk, agents=[agent])
    assert report.verified, report.first_failure
    log = receipts.Log("decisions.jsonl")
    log.append("receipt.json")
    log.verify()
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Union

from . import _zkinfer

PathLike = Union[str, "os.PathLike[str]"]

__all__ = [
    "Check",
    "VerifyReport",
    "ReplayedOutput",
    "ReplayResult",
    "LogHead",
    "LogReport",
    "Log",
    "Submitted",
    "LocalRegistry",
    "keygen",
    "commit_input",
    "create",
    "verify",
    "replay",
]


def _opt(p: Optional[PathLike]) -> Optional[str]:
    return None if p is None else os.fspath(p)


@dataclass
class Check:
    """One named check of :func:`verify`: ``status`` is ``pass``, ``fail`` or ``skipped``."""

    check: str
    status: str
    detail: str


@dataclass
class VerifyReport:
    """What :func:`verify` found; ``verified`` is true when no check failed and every
    required one ran."""

    verified: bool
    checks: List[Check]
    decision: Optional[Dict[str, Any]]

    @property
    def first_failure(self) -> Optional[Check]:
        return next((c for c in self.checks if c.status == "fail"), None)

    def __getitem__(self, name: str) -> Check:
        for c in self.checks:
            if c.check == name:
                return c
        raise KeyError(name)


@dataclass
class ReplayedOutput:
    """One output: the integers the receipt states and the ones the replay computed."""

    name: str
    stated: List[int]
    replayed: List[int]
    identical: bool


@dataclass
class ReplayResult:
    """What :func:`replay` found."""

    identical: bool
    outputs: List[ReplayedOutput]
    decision: Dict[str, Any]
    input: str


@dataclass
class LogHead:
    """An appended entry: its position and hash (the log's new head)."""

    seq: int
    hash: str
    repaired_bytes: int


@dataclass
class LogReport:
    """A verified log."""

    entries: int
    head: str
    torn_tail_bytes: int
    checkpoints: List[Any]


def keygen(output: PathLike, scheme: str = "secp256k1") -> str:
    """Writes a new signing key (an owner-only file, never overwritten) and returns its key id:
    an Ethereum address for secp256k1, ``ed25519:<hex>`` for Ed25519."""
    return _zkinfer.keygen(scheme, os.fspath(output))


def commit_input(
    model: PathLike,
    input: PathLike,
    settings: PathLike,
    output: PathLike = "input-commitment.json",
    key: Optional[PathLike] = None,
    source_name: Optional[str] = None,
) -> str:
    """As a data source: signs the Poseidon digest that a hashed-input proof of ``input`` will
    publish (and the input file's SHA-256); returns the signer's key id."""
    return _zkinfer.commit_input(
        os.fspath(model), os.fspath(input), os.fspath(settings), os.fspath(output),
        _opt(key), source_name,
    )


def create(
    proof: PathLike,
    vk: PathLike,
    model: PathLike,
    input: PathLike,
    settings: PathLike,
    output: PathLike = "receipt.json",
    key: Optional[PathLike] = None,
    decision: str = "argmax",
    labels: Sequence[str] = (),
    decision_output: Optional[str] = None,
    context: Optional[Dict[str, str]] = None,
    input_attestation: Optional[PathLike] = None,
    inline_proof: bool = True,
    identity: Optional[str] = None,
    srs: Optional[PathLike] = None,
) -> Dict[str, Any]:
    """Verifies the proof, checks the files are the ones it is about, decodes the decision
    (``argmax``, ``threshold:T[@ELEMENT]`` or ``none``) and writes a signed receipt. The key
    comes from ``key`` or the ``ZKINFER_SIGNING_KEY`` variable."""
    return json.loads(
        _zkinfer.receipt_create(
            os.fspath(proof), os.fspath(vk), os.fspath(model), os.fspath(input),
            os.fspath(settings), os.fspath(output), _opt(key), decision, list(labels),
            decision_output, dict(context or {}), _opt(input_attestation), inline_proof,
            identity, _opt(srs),
        )
    )


def verify(
    receipt: PathLike,
    vk: PathLike,
    proof: Optional[PathLike] = None,
    identity: Optional[str] = None,
    srs: Optional[PathLike] = None,
    agents: Sequence[str] = (),
    sources: Sequence[str] = (),
    model: Optional[PathLike] = None,
    input: Optional[PathLike] = None,
    allow_insecure_srs: bool = False,
    expect_decision: Optional[str] = None,
    expect_labels: Sequence[str] = (),
) -> VerifyReport:
    """Runs every check of a receipt and reports each by name (a failed check is reported,
    not raised; unreadable files raise :class:`zkinfer.ZkinferError`). A key made with the
    insecure development SRS fails the ``srs`` check unless ``allow_insecure_srs``.
    ``expect_decision`` (``argmax``, ``threshold:T[@I]``, ``none``) with ``expect_labels`` pins the
    decision rule; without it the agent's rule and labels are trusted."""
    v = json.loads(
        _zkinfer.receipt_verify(
            os.fspath(receipt), os.fspath(vk), _opt(proof), identity, _opt(srs),
            list(agents), list(sources), _opt(model), _opt(input), allow_insecure_srs,
            expect_decision, list(expect_labels),
        )
    )
    return VerifyReport(v["verified"], [Check(**c) for c in v["checks"]], v["decision"])


def replay(
    receipt: PathLike, model: PathLike, input: PathLike, proof: Optional[PathLike] = None
) -> ReplayResult:
    """Re-runs the exact integer evaluator on the revealed input with the receipt's settings
    and compares the output integers with the receipt's."""
    v = json.loads(
        _zkinfer.receipt_replay(os.fspath(receipt), os.fspath(model), os.fspath(input), _opt(proof))
    )
    return ReplayResult(
        v["identical"], [ReplayedOutput(**o) for o in v["outputs"]], v["decision"], v["input"]
    )


class Log:
    """An append-only, hash-chained JSON-lines log of receipts (``zkinfer log``)."""

    def __init__(self, path: PathLike) -> None:
        self.path = os.fspath(path)

    def append(self, receipt: PathLike) -> LogHead:
        """Appends a receipt file under an exclusive lock; returns the new head."""
        return LogHead(**json.loads(_zkinfer.log_append(self.path, os.fspath(receipt))))

    def checkpoint(self, key: Optional[PathLike] = None) -> LogHead:
        """Appends a signed checkpoint of the current head."""
        return LogHead(**json.loads(_zkinfer.log_checkpoint(self.path, _opt(key))))

    def verify(self, head: Optional[str] = None, checkpoint_keys: Sequence[str] = ()) -> LogReport:
        """Verifies the chain; raises :class:`zkinfer.ZkinferError` naming the first removed,
        reordered, inserted or edited entry."""
        return LogReport(**json.loads(_zkinfer.log_verify(self.path, head, list(checkpoint_keys))))


@dataclass
class Submitted:
    """What a registry submission did: ``reason`` is the revert reason of a refusal."""

    accepted: bool
    gas_used: int
    reason: Optional[str]
    receipt_digest: str
    agent: str


class LocalRegistry:
    """The on-chain ``DecisionRegistry`` (examples/evm/DecisionRegistry.sol) on an in-process
    EVM, with one model's verifier registered for proofs with ``instances`` public instances
    (:attr:`zkinfer.EvmVerifier.instances`): the verifier is a ``.bin`` or ``.sol`` from
    :func:`zkinfer.create_evm_verifier`, or a verifying key."""

    def __init__(
        self, verifier: PathLike, model_identity: str, instances: int, verify_gas: int = 5_000_000
    ) -> None:
        self._inner = _zkinfer.LocalRegistry(os.fspath(verifier), model_identity, instances, verify_gas)

    @property
    def address(self) -> str:
        return self._inner.address

    @property
    def chain_id(self) -> int:
        return self._inner.chain_id

    def submit(
        self, receipt: PathLike, key: Optional[PathLike] = None, proof: Optional[PathLike] = None
    ) -> Submitted:
        """Signs the receipt's submission with the agent's secp256k1 key and sends it."""
        return Submitted(**json.loads(self._inner.submit(os.fspath(receipt), _opt(key), _opt(proof))))

    def decision(self, receipt: PathLike, agent: str) -> Optional[Dict[str, str]]:
        """The registry's record of ``agent``'s receipt (model, agent, instances hash), or None."""
        v = self._inner.decision(os.fspath(receipt), agent)
        return None if v is None else json.loads(v)
