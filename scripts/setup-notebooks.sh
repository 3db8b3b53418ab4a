#!/usr/bin/env bash
# Installs what notebooks/run.sh needs, once, outside the clone under $HOME/.cache/margflow-tools:
# the Rust Jupyter kernel evcxr_jupyter (cargo install --locked) and Jupyter's nbconvert (pip, in
# a virtual environment); registers the kernel. A second run finds them and does nothing.
set -euo pipefail
TOOLS="${MARGFLOW_TOOLS:-$HOME/.cache/margflow-tools}"
mkdir -p "$TOOLS"
if [ ! -x "$TOOLS/bin/evcxr_jupyter" ]; then
  echo "installing evcxr_jupyter into $TOOLS (about 10 minutes on two cores)" >&2
  CARGO_TARGET_DIR="$TOOLS/target" cargo install --locked --quiet evcxr_jupyter --version 0.22.0 --root "$TOOLS"
  rm -rf "$TOOLS/target"
fi
if [ ! -x "$TOOLS/venv/bin/jupyter-nbconvert" ]; then
  echo "installing Jupyter's nbconvert into $TOOLS/venv" >&2
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install --quiet jupyter_client nbconvert nbclient nbformat ipykernel
fi
PATH="$TOOLS/bin:$TOOLS/venv/bin:$PATH" evcxr_jupyter --install >/dev/null
