#!/usr/bin/env bash
# Quick start on a fresh machine (README: "make run"), as root:
#  1. installs what is missing, builds (or reuses) the Kubernetes binaries and the local images;
#  2. starts a local single-node Kubernetes (tools/localcluster.py: control plane, kubelet,
#     containerd, kube-proxy, CoreDNS, a PVC provisioner), the images imported (no registry);
#  3. installs the operator in the cluster from manifests/ (CRDs, RBAC, configuration, Deployment)
#     with the local operator image, and the local Spilo-compatible image as docker_image;
#  4. applies the minimal example cluster and waits until both pods are Ready, Patroni has a leader
#     and a streaming replica;
#  5. prints how to connect with psql from this machine through the master Service.
# Running it again while the cluster runs changes nothing and prints the same. `make stop` stops
# everything and puts the machine back as it was.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
NS=default
CLUSTER=acid-minimal-cluster
STATE=$ROOT/.controlplane
log() { printf '[run] %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  echo "make run needs root: it starts a kubelet, containerd and kube-proxy on this machine" >&2
  exit 1
fi
bash scripts/bootstrap.sh >&2
BIN=$(bash controlplane/build.sh | tail -n 1)
bash images/build.sh >/dev/null
export PATH=$BIN:$ROOT/.venv/bin:$PATH KUBECONFIG=$STATE/kubeconfig

log "local cluster"
.venv/bin/python tools/localcluster.py --dir "$STATE" up >/dev/null
images() { bash images/build.sh --print | awk -v n="$1" '$1 == n {print $2}'; }
OPERATOR_IMAGE=$(images operator)
SPILO_IMAGE=$(images spilo)

log "operator (in the cluster, from manifests/)"
OVERLAY=$ROOT/.build/operator-overlay   # git-ignored; outlives make stop (only a kustomization)
mkdir -p "$OVERLAY"
# kustomize: the shipped bundle with the local images patched in (the manifests name a placeholder)
cat > "$OVERLAY/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../manifests
images:
  - name: ghcr.io/pgkube/operator
    newName: ${OPERATOR_IMAGE%:*}
    newTag: ${OPERATOR_IMAGE##*:}
patches:
  - target: {kind: ConfigMap, name: postgres-operator}
    patch: |-
      - {op: replace, path: /data/docker_image, value: "${SPILO_IMAGE}"}
YAML
kubectl apply --server-side --force-conflicts -k "$OVERLAY" >/dev/null
kubectl -n postgres-operator rollout status deployment/postgres-operator --timeout=180s >&2

# The CRD was applied with the bundle: wait until the API server serves it. A loop on the
# condition, not `kubectl wait`: right after a create the CRD may have no status yet, and
# `kubectl wait` then fails (".status.conditions accessor error") instead of waiting.
for _ in $(seq 1 120); do
  established=$(kubectl get crd postgresqls.acid.zalan.do \
    -o 'jsonpath={.status.conditions[?(@.type=="Established")].status}' 2>/dev/null || true)
  [ "$established" = True ] && break
  sleep 0.5
done
[ "$established" = True ] || { echo "the postgresql CRD is not established after 60s" >&2; exit 1; }

log "cluster $NS/$CLUSTER (manifests/examples/minimal-postgres-manifest.yaml)"
kubectl apply -n "$NS" -f manifests/examples/minimal-postgres-manifest.yaml >/dev/null
.venv/bin/python scripts/wait_cluster.py --kubeconfig "$KUBECONFIG" --namespace "$NS" --timeout 300 "$CLUSTER" >&2

MASTER_IP=$(kubectl get service -n "$NS" "$CLUSTER" -o 'jsonpath={.spec.clusterIP}')
SECRET=postgres.$CLUSTER.credentials.postgresql.acid.zalan.do
echo
kubectl get pg -n "$NS"
echo
kubectl get pods -n "$NS" -l "cluster-name=$CLUSTER" -L spilo-role -o wide
echo
cat <<EOF
The cluster runs. Connect from this machine through the master Service:

  export KUBECONFIG=$KUBECONFIG PATH=$BIN:\$PATH
  export PGPASSWORD=\$(kubectl get secret -n $NS $SECRET -o 'jsonpath={.data.password}' | base64 -d)
  psql "host=$MASTER_IP port=5432 user=postgres dbname=postgres sslmode=require"

Inside a pod:   kubectl exec -it -n $NS $CLUSTER-0 -- psql -U postgres
Patroni:        kubectl exec -n $NS $CLUSTER-0 -- patronictl list
Operator log:   kubectl logs -n postgres-operator deployment/postgres-operator
Stop it all:    make stop
EOF
