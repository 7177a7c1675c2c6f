#!/usr/bin/env bash
# A model beyond one machine, proven in parts: exports the large corpus (torchvision
# resnet18 on a 224x224 image, tools/corpus/export.py --large, pinned exporters in their own
# virtual environment from PyPI) unless it is there, builds the release zkinfer, shows the
# whole model's estimate and the parts a memory budget gives, proves them one at a time
# (each part's setup, proof and peak memory measured), verifies the bundle, and writes
# benches/partition/results.md and results.json.
#
#   benches/partition/run.sh [--max-memory GIB] [--link-visibility V] [MODEL]
#
# Defaults: 16 GiB, packed links, resnet18. Packed links publish the activations that cross
# each cut, several to an instance; the default `hashed` keeps them hidden behind a Poseidon
# digest, which for a CNN's early activations (200,704 values at a cut) costs far more rows
# than the layers themselves (docs/partition.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
budget=16
link=packed
while [ $# -gt 0 ]; do
    case "$1" in
        --max-memory) budget="$2"; shift 2 ;;
        --link-visibility) link="$2"; shift 2 ;;
        *) break ;;
    esac
done
name="${1:-resnet18}"
dir="corpus-large/$name"
if [ ! -f "$dir/network.onnx" ]; then
    venv="$root/target/corpus-venv"
    if [ ! -x "$venv/bin/python" ] || ! cmp -s tools/corpus/requirements.txt "$venv/requirements.txt"; then
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet -r tools/corpus/requirements.txt
        cp tools/corpus/requirements.txt "$venv/requirements.txt"
    fi
    "$venv/bin/python" tools/corpus/export.py --large "$name"
fi
cargo build --release --locked --bin zkinfer
exe="$root/target/release/zkinfer"
work="$root/target/partition-bench/$name"
rm -rf "$work"
mkdir -p "$work"
# A key cache of its own, so every part's keys are generated (setup is measured).
export ZKINFER_CACHE="$work/cache"
/usr/bin/time -v "$exe" calibrate "$dir/network.onnx" --data "$dir/input.json" \
    --link-visibility "$link" -o "$work/settings.json" 2>"$work/calibrate.time"
/usr/bin/time -v "$exe" prove "$dir/network.onnx" --input "$dir/input.json" \
    --settings "$work/settings.json" --max-memory "$budget" -o "$work/bundle" --json \
    >"$work/prove.json" 2>"$work/prove.time"
identity="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["identity"])' "$work/prove.json")"
/usr/bin/time -v "$exe" verify --bundle "$work/bundle/bundle.json" --identity "$identity" \
    >"$work/verify.txt" 2>"$work/verify.time"
exec python3 benches/partition/report.py --model "$dir" --budget "$budget" --link "$link" \
    --work "$work" --out benches/partition
