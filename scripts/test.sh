#!/usr/bin/env bash
# The test command of README.md. Installs what the tests need (Debian's libhdf5-dev for the hdf5
# feature; evcxr_jupyter and Jupyter's nbconvert for the notebooks, under
# $HOME/.cache/margflow-tools), then runs every test with every optional feature that works
# without a GPU (the quick tier of every paper reproduction among them, with their snapshots),
# and executes every notebook in its quick tier. Tests and drivers share the release profile and
# one target directory outside the clone, so each heavy dependency is compiled once.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! dpkg -s libhdf5-dev >/dev/null 2>&1 || ! command -v pkg-config >/dev/null 2>&1; then
  echo "installing libhdf5-dev and pkg-config (needed by the hdf5 feature)" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libhdf5-dev pkg-config
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/margflow-target}"
start=$(date +%s)
# The notebook tools (a 10-20 minute cargo install on a fresh machine) build beside the tests:
# each build leaves a core idle now and then, which the other takes.
setup_log=$(mktemp)
bash scripts/setup-notebooks.sh >"$setup_log" 2>&1 &
setup=$!
trap 'kill "$setup" 2>/dev/null || true' EXIT
cargo test --release --no-fail-fast --features polars,hdf5 "$@"
echo "scripts/test.sh: cargo tests done after $(( $(date +%s) - start )) s" >&2
if ! wait "$setup"; then
  cat "$setup_log" >&2
  echo "scripts/test.sh: installing the notebook tools failed (scripts/setup-notebooks.sh)" >&2
  exit 1
fi
cat "$setup_log" >&2
echo "scripts/test.sh: notebook tools ready after $(( $(date +%s) - start )) s" >&2
bash notebooks/run.sh
echo "scripts/test.sh: notebooks done after $(( $(date +%s) - start )) s" >&2
