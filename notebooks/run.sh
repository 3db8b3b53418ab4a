#!/usr/bin/env bash
# Executes every notebook (or those named) headless with the Rust kernel (evcxr), in the quick
# tier unless MARGFLOW_TIER=full, and fails if any cell fails. `--inplace` keeps the outputs in
# the notebooks (how the committed ones were made, with MARGFLOW_TIER=full); otherwise the
# executed copies go to a temporary folder.
#
# Needs evcxr_jupyter and Jupyter's nbconvert: scripts/setup-notebooks.sh installs both under
# $HOME/.cache/margflow-tools. One persistent evcxr build folder (EVCXR_TMPDIR) is shared by all
# notebooks, so margflow and its dependencies are compiled once, not once a notebook.
set -euo pipefail
cd "$(dirname "$0")"
TOOLS="${MARGFLOW_TOOLS:-$HOME/.cache/margflow-tools}"
export PATH="$TOOLS/bin:$TOOLS/venv/bin:$HOME/.cargo/bin:$PATH"
export EVCXR_TMPDIR="${EVCXR_TMPDIR:-$HOME/.cache/margflow-evcxr}"
export MARGFLOW_TIER="${MARGFLOW_TIER:-quick}"
mkdir -p "$EVCXR_TMPDIR"
# evcxr links each cell against the toolchain's dynamic libstd through a RUNPATH relative to the
# cell's library, which points one folder too high once cargo copies the library up from deps/
# and the build folder lies under the home that holds .rustup (as ~/.cache does): "dlopen
# failed" at the kernel's start. Naming the toolchain's lib folder makes the lookup independent
# of where the build folder is.
export LD_LIBRARY_PATH="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n "s/^host: //p")/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
inplace=0
names=()
for a in "$@"; do
  case "$a" in
    --inplace) inplace=1 ;;
    *) names+=("$a") ;;
  esac
done
[ ${#names[@]} -gt 0 ] || names=(quickstart.ipynb closed_forms.ipynb piecewise_flows.ipynb marginal_cosmology.ipynb nested_sampling.ipynb)
# marginal_cosmology.ipynb reads the real chains at run time (never copied into the repository).
chains="${MARGFLOW_CHAINS:-$(cd .. && pwd)/../shared/data/cosmology_chains}"
if ! command -v jupyter >/dev/null || ! command -v evcxr_jupyter >/dev/null; then
  echo "notebooks/run.sh: evcxr_jupyter or jupyter missing; run scripts/setup-notebooks.sh first" >&2
  exit 2
fi
jupyter kernelspec list 2>/dev/null | grep -q '^ *rust ' || evcxr_jupyter --install >/dev/null
out=$(mktemp -d)
for nb in "${names[@]}"; do
  start=$(date +%s)
  if [ "$nb" = marginal_cosmology.ipynb ] && [ ! -d "$chains" ]; then
    echo "$nb: SKIPPED: no chains at $chains (tensiometer's test_chains, GPL-3: https://github.com/mraveri/tensiometer; set MARGFLOW_CHAINS)"
    continue
  fi
  if [ "$inplace" = 1 ]; then dest=(--inplace); else dest=(--output-dir "$out"); fi
  jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=rust \
    --ExecutePreprocessor.timeout="${CELL_TIMEOUT:-1800}" "${dest[@]}" "$nb"
  executed="$nb"
  [ "$inplace" = 1 ] || executed="$out/$nb"
  # evcxr reports an error returned through `?` on stderr without failing the cell: any stderr
  # output of a cell fails the run too.
  python3 - "$executed" <<'PY'
import json, sys
nb = json.load(open(sys.argv[1]))
bad = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
       if o.get("output_type") == "error" or o.get("name") == "stderr"]
if bad:
    print(f"{sys.argv[1]}: {len(bad)} failing outputs: {bad[:2]}", file=sys.stderr)
    sys.exit(1)
PY
  echo "$nb: ran in $(( $(date +%s) - start )) s (tier $MARGFLOW_TIER)"
done
