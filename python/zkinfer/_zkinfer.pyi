# Types of the native module (python/src/lib.rs). Functions return JSON text that
# zkinfer/__init__.py turns into dataclasses; tests check this file against the module.
from typing import List, Optional

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
    target: str = "accuracy",
    output: Optional[str] = None,
    batch: int = 1,
    max_lanes: Optional[int] = None,
    input_visibility: str = "private",
    output_visibility: str = "public",
    linear_check: str = "auto",
    weights_visibility: str = "fixed",
) -> str: ...
def run(
    model: str,
    inputs: List[List[float]],
    settings: Optional[str] = None,
    batch: int = 1,
    target: str = "accuracy",
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
    target: str = "accuracy",
    device: str = "cpu",
) -> str: ...
def verify(
    proof: str, vk: str, identity: Optional[str] = None, srs: Optional[str] = None
) -> bool: ...
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
