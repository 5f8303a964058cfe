#!/usr/bin/env bash
# Regenerates test/fixtures/gasflux-0.2.2-reference.json by running the real gasflux 0.2.2 (from PyPI) on the
# corpus of tools/reference/corpus.ts. Run on demand, never from the test suite:
#
#   tools/reference/run.sh                  # every case -> test/fixtures/gasflux-0.2.2-reference.json
#   tools/reference/run.sh case-name ...    # only these -> tools/reference/.venv/reference-subset.json
#
# Needs Python 3.11 (PYTHON overrides), Node with this repo's node_modules, and PyPI. The virtual environment lives
# in tools/reference/.venv (git-ignored) and is reused; delete it to reinstall.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python3.11}"
venv="$here/.venv"
output="$root/test/fixtures/gasflux-0.2.2-reference.json"
if [[ $# -gt 0 ]]; then output="$venv/reference-subset.json"; fi  # a subset never replaces the fixture

if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  # gasflux pins its direct requirements; constraints.txt pins the rest to the versions the fixture was made with.
  "$venv/bin/pip" install --quiet -c "$here/constraints.txt" "gasflux==0.2.2"
fi

corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
(cd "$root" && node --import tsx tools/reference/write-corpus.ts "$corpus" "$@")

# One BLAS thread: the machine is shared, and the numbers do not depend on it.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONWARNINGS=ignore
mkdir -p "$(dirname "$output")"
start=$SECONDS
"$venv/bin/python" "$here/generate_reference.py" "$corpus" "$output.tmp" 2> >(grep --line-buffered -v '^INFO:' >&2)
mv "$output.tmp" "$output"
echo "reference written to ${output#"$root"/} in $((SECONDS - start)) s"
