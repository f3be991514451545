#!/usr/bin/env bash
# Quick start on a fresh machine (README: "make run"):
# starts the local Kubernetes control plane, installs the CRDs, applies the minimal example
# cluster and converges its objects with the postgres_cluster module, then shows them.
# There is no kubelet on the local control plane: the pods stay Pending.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
BIN=$(bash controlplane/build.sh | tail -n 1)
export PATH=$BIN:$PWD/.venv/bin:$PATH
.venv/bin/python tools/controlplane.py up
export KUBECONFIG=$PWD/.controlplane/kubeconfig K8S_AUTH_KUBECONFIG=$PWD/.controlplane/kubeconfig
mkdir -p .build/collections/ansible_collections/pgkube
ln -sfn "$PWD" .build/collections/ansible_collections/pgkube/operator
export ANSIBLE_COLLECTIONS_PATH=$PWD/.build/collections
kubectl apply -f manifests/crds/
kubectl wait --for condition=established --timeout=60s crd/postgresqls.acid.zalan.do
ansible-playbook playbooks/apply_cluster.yml -e manifest_file="$PWD/manifests/examples/minimal-postgres-manifest.yaml" -e namespace=default
kubectl get pg,statefulset,service,endpoints,secret,pdb,pods -l cluster-name=acid-minimal-cluster -o wide
echo
echo "The cluster's objects exist. The pods stay Pending: the local control plane has no kubelet."
echo "kubectl: export KUBECONFIG=$KUBECONFIG PATH=$BIN:\$PATH    stop: make controlplane-down"
