#!/usr/bin/env bash
# ansible-test sanity (and the collection build and ansible-doc checks) on a copy of the
# tracked files laid out as ansible_collections/pgkube/operator, next to kubernetes.core.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv
PYVER=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
WORK=$(mktemp -d /tmp/pgkube-sanity.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
DEST=$WORK/ansible_collections/pgkube/operator
mkdir -p "$DEST"
# Tracked and new (not ignored) files only, as they are in the working tree.
git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ "$DEST/"
# The dependency collection sits in the same ansible_collections root, as ansible-test wants.
KC=$("$VENV/bin/python" -c 'import ansible_collections.kubernetes.core as m, os; print(os.path.dirname(m.__file__) if m.__file__ else list(m.__path__)[0])')
mkdir -p "$WORK/ansible_collections/kubernetes"
cp -r "$KC" "$WORK/ansible_collections/kubernetes/core"
export PATH=$VENV/bin:$PATH
cd "$DEST"
git init -q . && git add -A >/dev/null 2>&1   # ansible-test reads the file list from git

echo "== ansible-galaxy collection build"
ansible-galaxy collection build --force --output-path "$WORK" . >/dev/null
ls "$WORK"/pgkube-operator-*.tar.gz

echo "== ansible-doc"
export ANSIBLE_COLLECTIONS_PATH=$WORK
for m in plugins/modules/*.py; do
  name=$(basename "$m" .py)
  ansible-doc "pgkube.operator.$name" >/dev/null
  echo "ansible-doc pgkube.operator.$name: ok"
done

echo "== ansible-test sanity"
# ansible-test bootstraps pip in its venvs with a script it downloads; this machine reaches only
# PyPI, so put our stand-in where ansible-test looks for a cached copy.
PIPV=$("$VENV/bin/python" -c 'from ansible_test._internal.python_requirements import get_venv_packages as g
class P: version = None
print(g(P())["pip"])')
mkdir -p ~/.ansible/test/cache
cp "$ROOT/scripts/ansible_test_get_pip.py" "$HOME/.ansible/test/cache/get_pip_${PIPV//./_}.py"
# shellcheck disable=SC2086  # SANITY_ARGS holds several words on purpose
ansible-test sanity --venv --requirements --python "$PYVER" --color no ${SANITY_ARGS:-}
