#!/usr/bin/env bash
# Installs the official x402 clients X402PaymentsIT pays the gateway with, pinned: npm's @x402/fetch and @x402/evm
# from journeys/x402-clients/package-lock.json into that folder's node_modules, and PyPI's x402 (httpx, EVM) into a
# virtual environment of its own in the cache. Idempotent. Prints the virtual environment's python on stdout.
set -euo pipefail

CLIENTS="$(cd "$(dirname "$0")/../x402-clients" && pwd)"
VERSION=$(sed -n 's/^x402\[[a-z,]*\]==//p' "$CLIENTS/requirements.txt")
VENV="${COMPUTEPOOL_CACHE_DIR:-$HOME/.cache/computepool}/venvs/x402-$VERSION"
PYTHON="${PYTHON:-python3}"

command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or later" >&2; exit 1; }
lock=$(sha256sum "$CLIENTS/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$CLIENTS/node_modules/.installed-lock" 2>/dev/null || true)" != "$lock" ]; then
  (cd "$CLIENTS" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
  echo "$lock" >"$CLIENTS/node_modules/.installed-lock"
fi

if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('x402') != '$VERSION')" 2>/dev/null; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$CLIENTS/requirements.txt" >&2
fi
echo "$VENV/bin/python"
