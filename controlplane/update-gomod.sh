#!/usr/bin/env bash
# Regenerate controlplane/go.mod and go.sum for a Kubernetes release.
#
#   bash controlplane/update-gomod.sh v1.34.4
#
# The staging replace list is derived from the go.mod of k8s.io/kubernetes as the Go module
# proxy serves it (its "k8s.io/<m> => ./staging/..." lines); each staging module is pinned to
# v0.<minor>.<patch>, the published counterpart of k8s 1.<minor>.<patch>.  etcd is pinned to the
# go.etcd.io/etcd/server/v3 version k8s.io/kubernetes itself requires.
# The local node's programs come from the same module set: kubelet, kube-scheduler and kube-proxy
# from k8s.io/kubernetes, rancher's local-path-provisioner (PVC provisioner) and CoreDNS, whose
# main package is our own cmd/coredns (only the plugins the local cluster uses, so the build does
# not pull every cloud SDK CoreDNS's full plugin set needs).
# Set GOSUMDB=off in the environment if the checksum database is unreachable; the committed
# go.sum is what later builds verify against.
set -euo pipefail

K8S_VERSION="${1:?usage: update-gomod.sh vX.Y.Z}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export GOTOOLCHAIN=local GOWORK=off GOFLAGS=-mod=mod
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="$PATH:/usr/local/go/bin"
fi

STAGING_VERSION="v0.${K8S_VERSION#v1.}"
# CoreDNS: the release whose k8s.io/client-go has the same minor as the control plane.
COREDNS_VERSION="${COREDNS_VERSION:-v1.12.4}"
LOCAL_PATH_PROVISIONER_VERSION="${LOCAL_PATH_PROVISIONER_VERSION:-v0.0.30}"
cd "$HERE"
rm -f go.mod go.sum
go mod init pgkube.invalid/controlplane-bins >/dev/null 2>&1

K8S_GOMOD="$(go mod download -json "k8s.io/kubernetes@${K8S_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
[ -f "$K8S_GOMOD" ] || { echo "could not locate the go.mod of k8s.io/kubernetes@${K8S_VERSION}" >&2; exit 1; }

# Same go / godebug lines as k8s.io/kubernetes, so GODEBUG defaults match what upstream ships.
GO_LINE="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$K8S_GOMOD" | head -n1)"
GODEBUG_LINE="$(sed -n 's/^godebug \(.*\)$/\1/p' "$K8S_GOMOD" | head -n1)"
go mod edit -go="$GO_LINE"
if [ -n "$GODEBUG_LINE" ]; then
  go mod edit -godebug="$GODEBUG_LINE"
fi

STAGING="$(sed -n 's|^[[:space:]]*\(k8s.io/[^[:space:]]*\) => \./staging/.*|\1|p' "$K8S_GOMOD" | sort -u)"
[ -n "$STAGING" ] || { echo "no staging replaces found in $K8S_GOMOD" >&2; exit 1; }
for m in $STAGING; do
  go mod edit -replace="$m=$m@$STAGING_VERSION"
done

go get "k8s.io/kubernetes@${K8S_VERSION}"
for cmd in kube-apiserver kube-controller-manager kubectl kubelet kube-scheduler kube-proxy; do
  go get -tool "k8s.io/kubernetes/cmd/${cmd}@${K8S_VERSION}"
done
ETCD_VERSION="$(go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)"
go get -tool "go.etcd.io/etcd/server/v3@${ETCD_VERSION}"
go get -tool "github.com/rancher/local-path-provisioner@${LOCAL_PATH_PROVISIONER_VERSION}"
go get "github.com/coredns/coredns@${COREDNS_VERSION}"   # built from ./cmd/coredns
go mod tidy
echo "go.mod pinned to k8s.io/kubernetes ${K8S_VERSION}, staging ${STAGING_VERSION}, etcd ${ETCD_VERSION}," \
     "coredns ${COREDNS_VERSION}, local-path-provisioner ${LOCAL_PATH_PROVISIONER_VERSION}"
