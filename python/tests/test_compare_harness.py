"""The EZKL comparison harness (benches/compare/compare.py): its error measure, proof sizes
and ratio table, without EZKL (the harness imports it only when it runs)."""

import importlib.util
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def load():
    spec = importlib.util.spec_from_file_location("compare", ROOT / "benches/compare/compare.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def measured(k, setup, prove, err):
    return {"k": k, "setup_s": setup, "prove_s": prove, "verify_s": 0.01, "peak_bytes": 2**20,
            "pk_bytes": 2**21, "vk_bytes": 2048, "proof_bytes": 1984, "max_rel_err": err}


def test_relative_error_is_against_the_largest_expected_magnitude():
    c = load()
    expected = [np.array([1.0, -4.0]), np.array([2.0])]
    assert c.rel_err([[1.0, -3.0], [2.0]], expected) == 0.25
    assert c.rel_err([[1.0, -4.0], [2.5]], expected) == 0.25
    assert np.isnan(c.rel_err([[1.0], [2.0]], expected)), "a shape mismatch must not pass"


def test_proof_size_reads_both_encodings():
    c = load()
    assert c.proof_size({"hex_proof": "0x" + "ab" * 10}) == 10
    assert c.proof_size({"proof": [1, 2, 3]}) == 3
    assert c.proof_size({}) == 0


def test_table_shows_ratios_and_failures():
    c = load()
    results = [
        {"model": "m", "ezkl": measured(15, 4.0, 10.0, 1e-3), "zkinfer": measured(12, 0.5, 2.0, 1e-5)},
        {"model": "broken", "ezkl": "EZKL setup failed: out of memory", "zkinfer": measured(10, 0.1, 0.2, 0.0)},
    ]
    text = c.table(results, "2 cores", "2026-12-03")
    ratio = next(l for l in text.splitlines() if "EZKL ÷ zkinfer" in l)
    assert "**8.0×**" in ratio and "**5.0×**" in ratio and "100.0×" in ratio, ratio
    assert "| `broken` | ezkl | failed: EZKL setup failed: out of memory |" in text
    assert not any("`broken` | **EZKL" in l for l in text.splitlines()), "no ratio without both"
    json.dumps(results)  # what results.json holds must serialise
