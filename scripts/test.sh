#!/usr/bin/env bash
# The one command that runs every test on a fresh machine (README: "make test").
#  1. installs what is missing (Debian packages, the Python virtualenv),
#  2. builds the Kubernetes control plane from the Go module proxy, or reuses the cached build,
#  3. runs the unit and integration tests (real kube-apiserver, real PostgreSQL 15),
#  4. builds the collection, renders every module's docs and runs ansible-test sanity.
# Exits non-zero when any step fails.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

status=0
step() { printf '\n===== %s =====\n' "$*"; }
fail() { echo "FAILED: $*"; status=1; }

step "bootstrap"
bash scripts/bootstrap.sh || { echo "bootstrap failed"; exit 1; }

step "control plane build (cached by go.sum hash)"
KUBE_BIN_DIR=$(bash controlplane/build.sh | tail -n 1) || { echo "control plane build failed"; exit 1; }
export KUBE_BIN_DIR
echo "binaries: $KUBE_BIN_DIR"

step "pytest: unit and integration tests"
# shellcheck disable=SC2086  # PYTEST_ARGS holds several words on purpose
.venv/bin/python -m pytest tests -q -p no:cacheprovider ${PYTEST_ARGS:-} || fail "pytest"

step "collection build, ansible-doc, ansible-test sanity"
bash scripts/sanity.sh || fail "sanity"

step "result"
if [ "$status" -ne 0 ]; then echo "some test steps failed"; else echo "all test steps passed"; fi
exit "$status"
