#!/usr/bin/env bash
# Quick start on a fresh machine (README: "make run"):
#  1. starts the local Kubernetes control plane (built from the Go module proxy, cached),
#  2. installs the CRDs and the operator's configuration (ConfigMap),
#  3. starts the watcher (native engine) in the background, REST API on localhost:8080,
#  4. applies the minimal example cluster and waits until the watcher reports it Running,
#  5. shows the objects, the status and the Events.
# There is no kubelet on the local control plane: the cluster's pods stay Pending.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/bootstrap.sh
BIN=$(bash controlplane/build.sh | tail -n 1)
export PATH=$BIN:$ROOT/.venv/bin:$PATH
.venv/bin/python tools/controlplane.py up
export KUBECONFIG=$ROOT/.controlplane/kubeconfig K8S_AUTH_KUBECONFIG=$ROOT/.controlplane/kubeconfig
mkdir -p .build/collections/ansible_collections/pgkube
ln -sfn "$ROOT" .build/collections/ansible_collections/pgkube/operator

kubectl apply --server-side -f manifests/crds/
kubectl wait --for condition=established --timeout=60s crd/postgresqls.acid.zalan.do
kubectl create namespace postgres-operator --dry-run=client -o yaml | kubectl apply -f -
kubectl apply -n postgres-operator -f manifests/config/configmap.yaml

if [ -f .controlplane/watcher.pid ] && kill -0 "$(cat .controlplane/watcher.pid)" 2>/dev/null; then
  echo "watcher already running (pid $(cat .controlplane/watcher.pid))"
else
  CONFIG_MAP_NAME=postgres-operator/postgres-operator OPERATOR_NAMESPACE=postgres-operator WATCHED_NAMESPACE='*' \
    PYTHONPATH=watcher nohup .venv/bin/python -m pgkube_watcher --watches watches.yaml --engine native \
    --kubeconfig "$KUBECONFIG" --no-leader-elect --api-port 8080 > .controlplane/watcher.log 2>&1 &
  echo $! > .controlplane/watcher.pid
  echo "watcher started (pid $!), log: .controlplane/watcher.log"
fi

kubectl apply -n default -f manifests/examples/minimal-postgres-manifest.yaml
for _ in $(seq 1 60); do
  status=$(kubectl get pg acid-minimal-cluster -n default -o jsonpath='{.status.PostgresClusterStatus}' 2>/dev/null || true)
  [ "$status" = "Running" ] && break
  sleep 1
done
echo
kubectl get pg -n default
echo
kubectl get statefulset,service,endpoints,secret,pdb,pods -n default -l cluster-name=acid-minimal-cluster
echo
kubectl get events -n default --field-selector involvedObject.kind=postgresql
echo
echo "REST API: curl -s localhost:8080/clusters/    metrics: curl -s localhost:8080/metrics"
echo "The cluster's objects exist and the operator reports it; its pods stay Pending: the local control plane has no kubelet."
echo "kubectl: export KUBECONFIG=$KUBECONFIG PATH=$BIN:\$PATH"
echo "stop: make stop   (the watcher and the control plane)"
