#!/usr/bin/env bash
# Build (or reuse) the local Kubernetes binaries from the Go module proxy, at the versions pinned
# in controlplane/go.mod + go.sum: the control plane (kube-apiserver, kube-controller-manager,
# kubectl, etcd) and the local node (kubelet, kube-scheduler, kube-proxy, coredns,
# local-path-provisioner).
#
#   bash controlplane/build.sh              build if needed; last stdout line = bin dir
#   bash controlplane/build.sh --print-dir  print the bin dir if it is built (exit 0),
#                                           otherwise explain what to do (exit 1)
#
# Binaries are cached outside the repository in
#   ${PGKUBE_CACHE:-$HOME/.cache/pgkube}/k8s-bins/<k8s-version>-<sha256(go.sum, cmd/), 16 hex>/
# so a second run takes seconds.  If KUBEBUILDER_ASSETS names a directory that already holds
# kube-apiserver and etcd (envtest layout), that directory is used instead and nothing is built.
# Everything except the final directory goes to stderr.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODE=build
case "${1:-}" in
  "") ;;
  --print-dir) MODE=print ;;
  -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "build.sh: unknown argument '$1' (use --print-dir or nothing)" >&2; exit 2 ;;
esac

REQUIRED_BINS=(kube-apiserver kube-controller-manager kubectl etcd
               kubelet kube-scheduler kube-proxy coredns local-path-provisioner)

have_bins() {  # dir, names...
  local dir="$1"; shift
  local b
  for b in "$@"; do
    [ -x "$dir/$b" ] || return 1
  done
}

# 1. Pre-provisioned binaries (envtest layout: etcd, kube-apiserver, kubectl; KCM optional).
if [ -n "${KUBEBUILDER_ASSETS:-}" ] && have_bins "$KUBEBUILDER_ASSETS" kube-apiserver etcd; then
  if ! have_bins "$KUBEBUILDER_ASSETS" kube-controller-manager; then
    echo "build.sh: note: $KUBEBUILDER_ASSETS has no kube-controller-manager;" \
         "garbage collection and namespace deletion will not run" >&2
  fi
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

# 2. The cache key: Kubernetes version + hash of the committed go.sum and of cmd/.
K8S_VERSION="$(sed -n 's/^[[:space:]]*k8s.io\/kubernetes \(v[0-9][^[:space:]]*\).*/\1/p' "$HERE/go.mod" | head -n1)"
if [ -z "$K8S_VERSION" ]; then
  echo "build.sh: cannot read the k8s.io/kubernetes version from $HERE/go.mod" >&2
  exit 1
fi
# go.sum pins every module; cmd/ holds our own main packages (CoreDNS with the plugins we use).
SUM_HASH="$(cd "$HERE" && find go.sum cmd -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)"
CACHE_ROOT="${PGKUBE_CACHE:-$HOME/.cache/pgkube}"
BIN_DIR="$CACHE_ROOT/k8s-bins/${K8S_VERSION}-${SUM_HASH}"

if [ -f "$BIN_DIR/.complete" ] && have_bins "$BIN_DIR" "${REQUIRED_BINS[@]}"; then
  echo "build.sh: using cached binaries (k8s $K8S_VERSION)" >&2
  echo "$BIN_DIR"
  exit 0
fi

# 3. Need Go: $GO, then PATH, then the official tarball location
#    (${PGKUBE_GO_FALLBACK:-/usr/local/go}/bin/go).
GO="${GO:-}"
if [ -z "$GO" ]; then
  if command -v go >/dev/null 2>&1; then
    GO="$(command -v go)"
  elif [ -x "${PGKUBE_GO_FALLBACK:-/usr/local/go}/bin/go" ]; then
    GO="${PGKUBE_GO_FALLBACK:-/usr/local/go}/bin/go"
  fi
fi
NO_GO_MSG="build.sh: the Kubernetes control plane binaries for $K8S_VERSION are not built
(expected in $BIN_DIR) and no Go toolchain was found on PATH or in ${PGKUBE_GO_FALLBACK:-/usr/local/go}/bin.
Install Go >= 1.24 (https://go.dev/dl/, e.g. /usr/local/go; Debian bookworm's golang is too old)
and run:  make controlplane-build   (bash controlplane/build.sh; ~20-35 min cold on 2 cores).
Alternatively point KUBEBUILDER_ASSETS at a directory holding kube-apiserver, etcd,
kube-controller-manager and kubectl."
if [ -z "$GO" ]; then
  echo "$NO_GO_MSG" >&2
  exit 1
fi

if [ "$MODE" = print ]; then
  echo "build.sh: the Kubernetes control plane binaries for $K8S_VERSION are not built yet" >&2
  echo "(expected in $BIN_DIR). Run:  make controlplane-build   (bash controlplane/build.sh;" >&2
  echo "~20-35 min cold on 2 cores, seconds once cached)." >&2
  exit 1
fi

# 4. Build.
export GOTOOLCHAIN=local GOWORK=off GOFLAGS="-mod=mod -buildvcs=false -modcacherw" CGO_ENABLED=0
MINOR="$(echo "$K8S_VERSION" | cut -d. -f2)"
BUILD_DATE="2000-01-01T00:00:00Z"   # fixed: a changing date would force a relink every run
LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDFLAGS="$LDFLAGS -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$MINOR"
  LDFLAGS="$LDFLAGS -X $pkg.gitTreeState=clean -X $pkg.buildDate=$BUILD_DATE"
done

mkdir -p "$CACHE_ROOT/k8s-bins"
exec 9>"$CACHE_ROOT/k8s-bins/.build.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9   # one build at a time; a second caller waits and then finds the cache
  if [ -f "$BIN_DIR/.complete" ] && have_bins "$BIN_DIR" "${REQUIRED_BINS[@]}"; then
    echo "$BIN_DIR"
    exit 0
  fi
fi

TMP_DIR="$BIN_DIR.tmp.$$"
rm -rf "$TMP_DIR"
mkdir -p "$TMP_DIR"
trap 'rm -rf "$TMP_DIR"' EXIT
echo "build.sh: building ${REQUIRED_BINS[*]} ($K8S_VERSION) with $("$GO" version)" >&2
START=$(date +%s)
(
  cd "$HERE"
  # The module's tools (go.mod's tool block) and our CoreDNS main package (cmd/coredns: only the
  # plugins we use). local-path-provisioner goes in a go install of its own: it imports logrus as
  # github.com/Sirupsen/logrus, the rest as github.com/sirupsen/logrus, and one build refuses
  # two import paths that differ only in case.
  mapfile -t TOOLS < <(sed -n '/^tool (/,/^)/{/^tool (/d;/^)/d;s/^[[:space:]]*//;p}' go.mod)
  [ "${#TOOLS[@]}" -gt 0 ] || { echo "build.sh: no tool block in go.mod" >&2; exit 1; }
  MAIN=() SEPARATE=()
  for t in "${TOOLS[@]}"; do
    case "$t" in github.com/rancher/local-path-provisioner*) SEPARATE+=("$t") ;; *) MAIN+=("$t") ;; esac
  done
  GOBIN="$TMP_DIR" "$GO" install -trimpath -tags selinux,notest -ldflags "$LDFLAGS" "${MAIN[@]}" ./cmd/coredns 1>&2
  if [ "${#SEPARATE[@]}" -gt 0 ]; then
    GOBIN="$TMP_DIR" "$GO" install -trimpath -ldflags "-s -w" "${SEPARATE[@]}" 1>&2
  fi
)
# etcd's main package is go.etcd.io/etcd/server/v3; go install names it after the element
# before the major-version suffix ("server").
for name in server v3; do
  if [ -x "$TMP_DIR/$name" ] && [ ! -e "$TMP_DIR/etcd" ]; then
    mv "$TMP_DIR/$name" "$TMP_DIR/etcd"
  fi
done
have_bins "$TMP_DIR" "${REQUIRED_BINS[@]}" || { echo "build.sh: build finished without all of: ${REQUIRED_BINS[*]}" >&2; exit 1; }
echo "$K8S_VERSION" > "$TMP_DIR/.complete"
rm -rf "$BIN_DIR"
mv "$TMP_DIR" "$BIN_DIR"
trap - EXIT
echo "build.sh: built in $(( $(date +%s) - START ))s into $BIN_DIR" >&2
echo "$BIN_DIR"
