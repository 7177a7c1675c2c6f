# Types of the native module (python/src/lib.rs). Functions return JSON text that
# zkinfer/__init__.py turns into dataclasses; tests check this file against the module.
from typing import Dict, List, Optional

class ZkinferError(Exception): ...

def version() -> str: ...
def inspect(
    model: str,
    inputs: Optional[List[List[float]]] = None,
    settings: Optional[str] = None,
    batch: int = 1,
) -> str: ...
def calibrate(
    model: str,
    samples: List[List[List[float]]],
    target: str = "balanced",
    output: Optional[str] = None,
    batch: int = 1,
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
) -> str: ...
def run(
    model: str,
    inputs: List[List[float]],
    settings: Optional[str] = None,
    batch: int = 1,
    target: str = "balanced",
) -> str: ...
def digests(model: str, inputs: List[List[float]], settings: str, batch: int = 1) -> str: ...
def gen_srs(k: int, output: str, seed: int = ...) -> None: ...
def setup(
    model: str,
    settings: str,
    output_dir: str = ".",
    srs: Optional[str] = None,
    batch: int = 1,
    device: str = "cpu",
) -> str: ...
def prove(
    model: str,
    inputs: List[List[float]],
    output: str = "proof.json",
    settings: Optional[str] = None,
    pk: Optional[str] = None,
    srs: Optional[str] = None,
    batch: int = 1,
    progress: bool = False,
    target: str = "balanced",
    device: str = "cpu",
) -> str: ...
def verify(
    proof: str, vk: str, identity: Optional[str] = None, srs: Optional[str] = None
) -> bool: ...
def prove_parts(
    model: str,
    inputs: List[List[float]],
    parts: Optional[int] = None,
    output: str = "bundle",
    settings: Optional[str] = None,
    srs: Optional[str] = None,
    batch: int = 1,
    progress: bool = False,
    target: str = "balanced",
    device: str = "cpu",
    cut: Optional[List[str]] = None,
    jobs: int = 1,
    resume: bool = False,
    max_memory_gib: Optional[float] = None,
) -> str: ...
def plan_parts(
    model: str,
    inputs: List[List[float]],
    parts: Optional[int] = None,
    cut: Optional[List[str]] = None,
    settings: Optional[str] = None,
    batch: int = 1,
    target: str = "balanced",
    max_memory_gib: Optional[float] = None,
) -> str: ...
def prove_part(
    model: str,
    inputs: List[List[float]],
    settings: str,
    cuts: List[int],
    index: int,
    output: str,
    srs: Optional[str] = None,
    batch: int = 1,
    progress: bool = False,
    device: str = "cpu",
    resume: bool = False,
) -> str: ...
def write_bundle(output: str, parts: str) -> str: ...
def model_files(model: str) -> List[str]: ...
def verify_bundle_evm(bundle: str, allow_oversize: bool = False, split: bool = False) -> str: ...
def verify_bundle(
    bundle: str,
    identity: Optional[str] = None,
    srs: Optional[str] = None,
    model: Optional[str] = None,
    settings: Optional[str] = None,
    inputs: Optional[List[List[float]]] = None,
    batch: int = 1,
) -> str: ...
def create_evm_verifier(
    vk: str,
    output: str = "Verifier.sol",
    settings: Optional[str] = None,
    allow_oversize: bool = False,
    split: bool = False,
    reusable: bool = False,
    identity: Optional[str] = None,
) -> str: ...
def verify_evm(
    proof: str,
    verifier: str,
    allow_oversize: bool = False,
    split: bool = False,
    reusable: bool = False,
) -> str: ...
def encode_calldata(proof: str) -> bytes: ...
def receipt_create(
    proof: str,
    vk: str,
    model: str,
    input: str,
    settings: str,
    output: str,
    key: Optional[str] = None,
    decision: str = "argmax",
    labels: List[str] = ...,
    decision_output: Optional[str] = None,
    context: Dict[str, str] = ...,
    input_attestation: Optional[str] = None,
    inline_proof: bool = True,
    identity: Optional[str] = None,
    srs: Optional[str] = None,
) -> str: ...
def receipt_verify(
    receipt: str,
    vk: str,
    proof: Optional[str] = None,
    identity: Optional[str] = None,
    srs: Optional[str] = None,
    agents: List[str] = ...,
    sources: List[str] = ...,
    model: Optional[str] = None,
    input: Optional[str] = None,
    allow_insecure_srs: bool = False,
    expect_decision: Optional[str] = None,
    expect_labels: List[str] = ...,
) -> str: ...
def receipt_replay(receipt: str, model: str, input: str, proof: Optional[str] = None) -> str: ...
def commit_input(
    model: str,
    input: str,
    settings: str,
    output: str,
    key: Optional[str] = None,
    source_name: Optional[str] = None,
) -> str: ...
def keygen(scheme: str, output: str) -> str: ...
def log_append(log: str, receipt: str) -> str: ...
def log_checkpoint(log: str, key: Optional[str] = None) -> str: ...
def log_verify(log: str, head: Optional[str] = None, checkpoint_keys: List[str] = ...) -> str: ...

class LocalRegistry:
    def __init__(
        self, verifier: str, model_identity: str, instances: int, verify_gas: int = 5_000_000
    ) -> None: ...
    @property
    def address(self) -> str: ...
    @property
    def chain_id(self) -> int: ...
    def submit(self, receipt: str, key: Optional[str] = None, proof: Optional[str] = None) -> str: ...
    def decision(self, receipt: str, agent: str) -> Optional[str]: ...
