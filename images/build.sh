#!/usr/bin/env bash
# Build pgkube's local OCI image archives (pause, spilo, operator, helper), each cached by a
# hash of its inputs; see docs/images.md.
#
#   bash images/build.sh [NAME...]        build what is missing (default: all four)
#   bash images/build.sh --print [NAME...] only report; exit 1 when something is not built
#   bash images/build.sh --prune          also delete archives of older inputs
#
# The last stdout lines are "<name> <image ref> <absolute archive path>", one per image;
# everything else goes to stderr. Import an archive with: ctr -n k8s.io images import <archive>
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
# The repository's virtualenv: it has ansible-galaxy and kubernetes.core for the operator image.
python=${PGKUBE_PYTHON:-$repo/.venv/bin/python}
if [ ! -x "$python" ]; then
  echo "images/build.sh: no Python at $python (create the .venv, or set PGKUBE_PYTHON)" >&2
  exit 1
fi
exec "$python" "$here/build.py" "$@"
