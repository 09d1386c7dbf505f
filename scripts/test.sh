#!/usr/bin/env bash
# One command on a fresh machine: set everything up, then run every test (unit and
# integration; the integration tests start their own real Kafka broker) and mypy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m mypy
status=0
.venv/bin/python -m pytest -q -ra --durations=10 "$@" || status=$?
# pytest exits 5 when it collected nothing: that is a failure here, not a pass.
exit "$status"
