#!/usr/bin/env bash
# The agent example from one command on a fresh clone: builds and installs the zkinfer Python
# package into its own virtual environment (target/agent-venv; the first build compiles the
# Rust extension in release mode, minutes on a small machine), installs the pinned Solidity
# compiler the registry needs, then runs examples/agent/agent.py with any arguments given.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${CARGO_TARGET_DIR:-$PWD/target}/agent-venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import zkinfer.receipts" >/dev/null 2>&1; then
    echo "installing the zkinfer Python package into $venv (builds the Rust extension)" >&2
    "$venv/bin/pip" install -q --disable-pip-version-check ./python
fi
if [ ! -f tools/solc/node_modules/solc/soljson.js ] && [ -z "${ZKINFER_SOLC:-}" ]; then
    echo "installing the pinned Solidity compiler (tools/solc)" >&2
    npm ci --prefix tools/solc --no-audit --no-fund --loglevel=error
fi
exec "$venv/bin/python" examples/agent/agent.py "$@"
