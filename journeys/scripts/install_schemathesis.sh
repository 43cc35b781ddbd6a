#!/usr/bin/env bash
# Installs schemathesis, the contract fuzzer ContractFuzzIT runs against every service's OpenAPI, into a virtual
# environment of its own in the cache (pinned; PyPI is the only source). Idempotent. Prints the CLI's path on stdout.
set -euo pipefail

VERSION=4.32.5
VENV="${COMPUTEPOOL_CACHE_DIR:-$HOME/.cache/computepool}/venvs/schemathesis-$VERSION"
PYTHON="${PYTHON:-python3}"

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$VERSION"; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$VERSION" >&2
fi
echo "$VENV/bin/schemathesis"
