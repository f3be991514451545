#!/usr/bin/env bash
# The one command that runs every test on a fresh machine (README: "make test").
#  1. installs what is missing (Debian packages, the Python virtualenv),
#  2. builds the Kubernetes control plane from the Go module proxy, or reuses the cached build,
#  3. builds the local images (pause, the Spilo-compatible Postgres image, the operator, a helper),
#     or reuses the cached ones,
#  4. runs the unit and integration tests (real kube-apiserver, real PostgreSQL 15),
#  5. runs the end-to-end tests on a local node (kubelet, containerd, real Patroni pods, the
#     operator in the cluster),
#  6. builds the collection, renders every module's docs and runs ansible-test sanity.
# Exits non-zero when any step fails.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

status=0
step() { printf '\n===== %s =====\n' "$*"; }
fail() { echo "FAILED: $*"; status=1; }

step "bootstrap"
bash scripts/bootstrap.sh || { echo "bootstrap failed"; exit 1; }

step "Kubernetes binaries build (cached by the hash of controlplane/go.sum and cmd/)"
KUBE_BIN_DIR=$(bash controlplane/build.sh | tail -n 1) || { echo "Kubernetes binaries build failed"; exit 1; }
export KUBE_BIN_DIR
echo "binaries: $KUBE_BIN_DIR"

step "images build (cached by the hash of their inputs)"
bash images/build.sh || { echo "images build failed"; exit 1; }

step "pytest: unit and integration tests"
# shellcheck disable=SC2086  # PYTEST_ARGS holds several words on purpose
.venv/bin/python -m pytest tests -q -p no:cacheprovider --ignore=tests/e2e ${PYTEST_ARGS:-} || fail "pytest"

step "pytest: end-to-end tests on a local node"
# shellcheck disable=SC2086  # E2E_ARGS holds several words on purpose
.venv/bin/python -m pytest tests/e2e -q -p no:cacheprovider ${E2E_ARGS:-} || fail "pytest e2e"

step "collection build, ansible-doc, ansible-test sanity"
bash scripts/sanity.sh || fail "sanity"

step "result"
if [ "$status" -ne 0 ]; then echo "some test steps failed"; else echo "all test steps passed"; fi
exit "$status"
