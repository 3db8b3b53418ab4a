#!/usr/bin/env bash
# The test command of README.md: installs the system libraries the tests need (HDF5), then runs
# every test with every optional feature that works without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! dpkg -s libhdf5-dev >/dev/null 2>&1 || ! command -v pkg-config >/dev/null 2>&1; then
  echo "installing libhdf5-dev and pkg-config (needed by the hdf5 feature)" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libhdf5-dev pkg-config
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/margflow-target}"
cargo test --no-fail-fast --features polars,hdf5 "$@"
