#!/usr/bin/env bash
# zkinfer's test command (README "Testing"): checks formatting and lints, then runs every
# test of the workspace. It installs what it needs: the Rust toolchain's rustfmt and clippy,
# and the pinned Solidity compiler (npm package solc, tools/solc) the EVM tests compile with.
#
# The shared ONNX corpus is read from ../shared/models (beside the repository) unless
# ZKINFER_MODELS points elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in rustfmt cargo-clippy; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "installing the Rust component for $tool" >&2
        rustup component add "${tool#cargo-}"
    fi
done
if [ ! -f tools/solc/node_modules/solc/soljson.js ]; then
    if ! command -v npm >/dev/null 2>&1; then
        if command -v apt-get >/dev/null 2>&1; then
            echo "installing Node.js and npm (Debian) for the pinned solc" >&2
            apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
        else
            echo "error: npm (Node.js) is needed to install the pinned solc; install nodejs and npm" >&2
            exit 1
        fi
    fi
    echo "installing the pinned Solidity compiler (tools/solc)" >&2
    npm ci --prefix tools/solc --no-audit --no-fund --loglevel=error
fi
models="${ZKINFER_MODELS:-../shared/models}"
if [ ! -f "$models/lenet_5/network.onnx" ]; then
    echo "error: the shared model corpus was not found at $models; set ZKINFER_MODELS" >&2
    exit 1
fi

echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy --all-targets -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"
# cargo's last lines are per-crate doc-test summaries (often "0 passed"); close with the
# total over every test binary so the result reads unambiguously.
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f; exit (f > 0) }' "$log"
