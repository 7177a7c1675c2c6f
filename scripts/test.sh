#!/usr/bin/env bash
# zkinfer's test command (docs/testing.md): checks formatting and lints, then runs every
# test of the workspace, then builds and installs the Python package (`pip install ./python`
# into a virtual environment) and runs its pytest suite. It installs what it needs: the Rust
# toolchain's rustfmt and clippy, the pinned Solidity compiler (npm package solc, tools/solc)
# the EVM tests compile with, the pinned snarkjs (tools/snarkjs) whose .ptau files the SRS
# import is tested on, Mesa's software Vulkan driver (lavapipe) and the Khronos
# validation layer the GPU MSM tests run on (Debian), and maturin, pytest, numpy, onnx (the
# Python tests hand models over as onnx.ModelProto and run the operator tests the onnx package
# ships), onnxruntime (which decides which of those operator tests count), jsonschema (which
# checks receipts against docs/receipt.schema.json) and Ray (zkinfer.distributed proves parts
# as tasks on a local Ray) from PyPI.
#
# The tests run on the repository's own model corpus (corpus/, written by
# tools/corpus/export.py); the shared corpus at ../shared/models (or $ZKINFER_MODELS) is an
# extra corpus, tested too when present.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in rustfmt cargo-clippy; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "installing the Rust component for $tool" >&2
        rustup component add "${tool#cargo-}"
    fi
done
need_npm() {
    if ! command -v npm >/dev/null 2>&1; then
        if command -v apt-get >/dev/null 2>&1; then
            echo "installing Node.js and npm (Debian) for the pinned solc and snarkjs" >&2
            apt-get update -qq || { echo "error: apt-get update failed; install nodejs and npm" >&2; exit 1; }
            apt-get install -y -qq nodejs npm >/dev/null
        else
            echo "error: npm (Node.js) is needed to install the pinned solc and snarkjs; install nodejs and npm" >&2
            exit 1
        fi
    fi
}
if [ ! -f tools/solc/node_modules/solc/soljson.js ]; then
    need_npm
    echo "installing the pinned Solidity compiler (tools/solc)" >&2
    npm ci --prefix tools/solc --no-audit --no-fund --loglevel=error
fi
# snarkjs runs a small Powers-of-Tau ceremony whose .ptau file the SRS import test reads.
if [ ! -f tools/snarkjs/node_modules/snarkjs/build/cli.cjs ]; then
    need_npm
    echo "installing the pinned snarkjs (tools/snarkjs)" >&2
    npm ci --prefix tools/snarkjs --no-audit --no-fund --loglevel=error
fi
# The GPU MSM tests need a Vulkan driver; without a GPU that is lavapipe. They run under the
# Khronos validation layer (ZKINFER_GPU_VALIDATION=1), whose errors fail them.
layer=/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json
if ! ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 || [ ! -f "$layer" ]; then
    if command -v apt-get >/dev/null 2>&1; then
        echo "installing lavapipe and the Vulkan validation layer (Debian)" >&2
        apt-get update -qq || { echo "error: apt-get update failed; install mesa-vulkan-drivers" >&2; exit 1; }
        apt-get install -y -qq mesa-vulkan-drivers libvulkan1 vulkan-validationlayers >/dev/null
    else
        echo "error: the GPU tests need a Vulkan driver and validation layer (Mesa lavapipe)" >&2
        exit 1
    fi
fi
export ZKINFER_GPU_VALIDATION=1
models="${ZKINFER_MODELS:-../shared/models}"
if [ -d "$models" ]; then
    echo "== extra corpus: $models"
else
    echo "== no shared corpus at $models: testing on the repository's corpus/ alone"
fi

echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy --all-targets -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
rc=0
# The full tier: the fast tests and the `#[ignore]`d ones (corpus proofs, EVM, GPU, ceremony).
cargo test --workspace --locked -- --include-ignored 2>&1 | tee "$log" || rc=$?

echo "== Python package: pip install ./python, pytest"
target="${CARGO_TARGET_DIR:-$PWD/target}"
venv="$target/python-venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check "maturin>=1.5,<2" "pytest>=7" "numpy>=1.21" \
    "onnx>=1.16" "onnxruntime>=1.17" "jsonschema>=4" "ray==2.52.0"
# The dev profile reuses what `cargo test` just built (dependencies are optimised there too).
PATH="$venv/bin:$PATH" MATURIN_PEP517_ARGS="--profile dev" \
    "$venv/bin/pip" install -q --disable-pip-version-check --no-build-isolation --force-reinstall --no-deps ./python
# Ray (the package's `ray` extra) is installed above, so zkinfer.distributed's tests must run.
ZKINFER_REQUIRE_RAY=1 ZKINFER_BIN="$target/debug/zkinfer" "$venv/bin/python" -m pytest -q -p no:cacheprovider python/tests 2>&1 \
    | tee -a "$log" || rc=$?
# cargo's last lines are per-crate doc-test summaries (often "0 passed"); close with the
# total over every test binary so the result reads unambiguously.
# pytest's summary reads "N passed" or "M failed, N passed" followed by " in 9.1s".
awk '/^test result:/ { p += $4; f += $6 }
     !/^test result:/ && / in [0-9.]+s/ && /(passed|failed|error)/ {
         for (i = 1; i < NF; i++) {
             if ($(i + 1) ~ /^passed/) p += $i
             if ($(i + 1) ~ /^(failed|errors?)/) f += $i
         }
     }
     END { printf "tests: %d passed, %d failed\n", p, f; exit (f > 0) }' "$log" || rc=1
exit "$rc"
