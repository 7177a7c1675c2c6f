#!/usr/bin/env bash
# zkinfer against EZKL in one command: installs EZKL (pinned, benches/compare/requirements.txt)
# into its own virtual environment from PyPI, builds the release zkinfer, and runs both tools
# on the same models one after the other (default: every one-op model, 4l_relu_conv_fc,
# lenet_5 and corpus/cifar10_cnn; or the models named on the command line). Writes
# benches/compare/results.json, results.md (the full table), chart.png and the summary table
# in README.md.
#
#   benches/compare/run.sh [--timeout SECONDS] [MODEL ...]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
venv="$root/target/compare-venv"
if [ ! -x "$venv/bin/python" ] || ! cmp -s benches/compare/requirements.txt "$venv/requirements.txt"; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet -r benches/compare/requirements.txt
    cp benches/compare/requirements.txt "$venv/requirements.txt"
fi
cargo build --release --locked --bin zkinfer
exec "$venv/bin/python" benches/compare/compare.py --exe "$root/target/release/zkinfer" "$@"
