#!/usr/bin/env bash
# Everything oreradar needs on a fresh Debian machine, idempotent (fast when already done):
#   - Java 17+ and Maven (Debian packages) for the local Apache Kafka,
#   - a virtualenv in .venv with oreradar and its test tools,
#   - Apache Kafka's jars from Maven Central (deploy/kafka/pom.xml).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

apt_install() {
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    say "missing $*; install them as root: apt-get install -y $*"; exit 1
  fi
  local SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  say "installing Debian packages: $*"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

java_ok() {
  command -v java >/dev/null 2>&1 || return 1
  local v; v="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')"
  [ "${v%%.*}" -ge 17 ] 2>/dev/null
}

PY="${PYTHON:-python3}"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { say "oreradar needs Python 3.11+ ($PY is $("$PY" -V 2>&1)); set PYTHON=/path/to/python3.11"; exit 1; }

need=()
java_ok || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
"$PY" -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
# a C compiler and Python's headers, to compile the classifier (setup.py)
command -v cc >/dev/null 2>&1 || need+=(gcc)
"$PY" -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
  || need+=(python3-dev)
# Prometheus (with promtool) and Alertmanager (with amtool): `oreradar monitor`, the rule
# tests and the dashboard-query proof run the real ones.
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
[ "${#need[@]}" -eq 0 ] || apt_install "${need[@]}"

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PY" -m venv .venv
fi
stamp=".venv/.oreradar-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing oreradar and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  echo "$want" >"$stamp"
fi

# The classifier's modules compiled in place with Cython (setup.py): recompiles only what
# changed since the last build, and warns, not fails, where there is no C compiler.
build_log=".venv/.oreradar-build.log"
if ! .venv/bin/python setup.py -q build_ext --inplace >"$build_log" 2>&1; then
  cat "$build_log" >&2; say "compiling the classifier failed (above)"; exit 1
fi
grep -e '^WARNING' "$build_log" >&2 || true  # e.g. no C compiler: it runs as plain Python

bash deploy/kafka/broker.sh fetch
say "ready (activate with: . .venv/bin/activate)"
