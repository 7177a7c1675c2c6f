#!/usr/bin/env bash
# zkinfer's test command (README "Testing"): checks formatting and lints, then runs every
# test of the workspace. It installs what it needs; today that is only the Rust toolchain's
# rustfmt and clippy, which it checks for.
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
cargo test --workspace --locked
