#!/usr/bin/env bash
# One command on a fresh machine: set everything up, then run the embedded default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/oreradar demo "$@"
