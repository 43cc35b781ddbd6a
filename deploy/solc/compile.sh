#!/usr/bin/env bash
# Installs solc-js and OpenZeppelin (pinned by package-lock.json) when they are missing or stale, then
# compiles the contracts: compile.sh <source dir> <abi/bin dir> <json dir>
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if ! cmp -s "$HERE/package-lock.json" "$HERE/node_modules/.package-lock.json.installed" 2>/dev/null; then
  command -v npm >/dev/null || { echo "deploy: npm is needed to compile the contracts (Node.js 18 or newer)" >&2; exit 1; }
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$HERE/package-lock.json" "$HERE/node_modules/.package-lock.json.installed"
fi
exec node "$HERE/compile.js" "$@"
