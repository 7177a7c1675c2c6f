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
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"
# cargo's last lines are per-crate doc-test summaries (often "0 passed"); close with the
# total over every test binary so the result reads unambiguously.
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f; exit (f > 0) }' "$log"
