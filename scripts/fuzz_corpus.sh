#!/usr/bin/env bash
# Regenerates the fuzzing seeds of tests/fuzz/corpus from the credit-scoring example: one
# valid artifact per reader (ONNX model, settings, input.json, verifying key, SRS, snarkjs
# .ptau, proof.json, calldata, bundle.json; the proving-key seed, megabytes, is made by the test from the
# model and settings here). Run it only when an artifact format changes; the
# readers' fuzz test (tests/fuzz_readers.rs) starts from these files.
set -euo pipefail
cd "$(dirname "$0")/.."
out=tests/fuzz/corpus
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cargo build --quiet --bin zkinfer
z="${CARGO_TARGET_DIR:-target}/debug/zkinfer"
export ZKINFER_CACHE="$tmp/cache"
m=examples/credit_score
mkdir -p "$out"/{onnx,settings,input,vk,srs,ptau,proof,calldata,bundle,plan}
cp "$m/network.onnx" "$out/onnx/credit_score.onnx"
cp "$m/input.json" "$out/input/credit_score.json"
"$z" calibrate "$m/network.onnx" --data "$m/input.json" -o "$out/settings/credit_score.json" >/dev/null
"$z" srs gen --k 4 -o "$out/srs/dev_k4.srs" 2>/dev/null >/dev/null
"$z" setup "$m/network.onnx" --settings "$out/settings/credit_score.json" -o "$tmp/keys" >/dev/null 2>&1
cp "$tmp/keys/vk" "$out/vk/credit_score.vk"
"$z" prove "$m/network.onnx" --input "$m/input.json" --settings "$out/settings/credit_score.json" \
    --pk "$tmp/keys/pk" -o "$out/proof/credit_score.json" >/dev/null 2>&1
"$z" encode-calldata --proof "$out/proof/credit_score.json" -o "$out/calldata/credit_score.bin"
# A bundle of two parts, and its first part's proof (hashed outputs, withheld).
"$z" prove "$m/network.onnx" --input "$m/input.json" --settings "$out/settings/credit_score.json" \
    --parts 2 -o "$tmp/bundle" >/dev/null 2>&1
cp "$tmp/bundle/bundle.json" "$out/bundle/credit_score.json"
cp "$tmp/bundle/part-0.proof.json" "$out/proof/credit_score_part0.json"
# A partition plan of the same model.
"$z" partition "$m/network.onnx" --input "$m/input.json" --settings "$out/settings/credit_score.json" \
    --parts 2 -o "$out/plan/credit_score.json" >/dev/null 2>&1
snarkjs=tools/snarkjs/node_modules/snarkjs/build/cli.cjs
node "$snarkjs" powersoftau new bn128 4 "$tmp/pot4_0.ptau" >/dev/null
node "$snarkjs" powersoftau contribute "$tmp/pot4_0.ptau" "$out/ptau/pot4.ptau" \
    --name=zkinfer -e="fuzz corpus" >/dev/null
ls -l "$out"/*
