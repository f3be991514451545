# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The install of docs/deployment.md, against a real kube-apiserver: `kubectl apply --server-side
-k manifests/` succeeds, the API server accepts every object, and the ReplicaSet controller
creates the operator's pods (they stay Pending: the local control plane has no scheduler and no
kubelet). The ansible-operator alternative passes a server-side dry run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess

import pytest

from kubernetes import client

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
MANIFESTS = os.path.join(REPO, "manifests")
OPERATOR_NS = "postgres-operator"
FIELD_MANAGER = "pgkube-deployment-test"


@pytest.fixture(scope="module")
def kubectl(controlplane_tool, kubeconfig):
    try:
        bin_dir = controlplane_tool.find_bin_dir()
    except controlplane_tool.ControlPlaneError as exc:
        pytest.fail("no kubectl: %s" % exc, pytrace=False)
    binary = os.path.join(bin_dir, "kubectl")
    if not os.path.isfile(binary):
        pytest.fail("no kubectl in %s (controlplane/build.sh builds it)" % bin_dir, pytrace=False)

    def run(*args):
        return subprocess.run([binary, "--kubeconfig", kubeconfig] + list(args), check=False, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True, timeout=120)

    return run


def apply_bundle(kubectl):
    # --force-conflicts: the session fixtures may already own the CRDs and RBAC (same values).
    proc = kubectl("apply", "--server-side", "--force-conflicts", "--field-manager", FIELD_MANAGER, "-k", MANIFESTS)
    assert proc.returncode == 0, "kubectl apply -k manifests/ failed:\n%s%s" % (proc.stdout, proc.stderr)
    return proc.stdout


@pytest.fixture(scope="module")
def installed(kubectl, api_client):
    output = apply_bundle(kubectl)
    yield output
    # The shared objects (Namespace, CRDs, RBAC, ConfigMap) stay, as the session fixtures leave them;
    # the operator's own objects go, so a reused control plane keeps no Pending pods.
    proc = kubectl("delete", "--ignore-not-found", "--wait=false", "-k", os.path.join(MANIFESTS, "operator"))
    assert proc.returncode == 0, proc.stderr


def test_apply_creates_every_object(installed, api_client):
    for line in ("customresourcedefinition.apiextensions.k8s.io/postgresqls.acid.zalan.do",
                 "customresourcedefinition.apiextensions.k8s.io/operatorconfigurations.acid.zalan.do",
                 "serviceaccount/postgres-operator", "clusterrole.rbac.authorization.k8s.io/postgres-operator",
                 "role.rbac.authorization.k8s.io/postgres-operator-leader-election",
                 "configmap/postgres-operator", "service/postgres-operator", "deployment.apps/postgres-operator",
                 "poddisruptionbudget.policy/postgres-operator"):
        assert line in installed, installed
    core = client.CoreV1Api(api_client)
    configmap = core.read_namespaced_config_map("postgres-operator", OPERATOR_NS)
    assert configmap.data["workers"] == "8"
    service = core.read_namespaced_service("postgres-operator", OPERATOR_NS)
    assert [(p.port, p.target_port) for p in service.spec.ports] == [(8080, "http")]


def test_operator_pods_are_created_and_stay_pending(installed, api_client, wait_for):
    apps = client.AppsV1Api(api_client)
    core = client.CoreV1Api(api_client)
    deployment = apps.read_namespaced_deployment("postgres-operator", OPERATOR_NS)
    assert deployment.spec.replicas == 2
    selector = ",".join("%s=%s" % kv for kv in sorted(deployment.spec.selector.match_labels.items()))

    def pods():
        items = core.list_namespaced_pod(OPERATOR_NS, label_selector=selector).items
        live = [p for p in items if not p.metadata.deletion_timestamp]
        return live if len(live) == 2 else None

    created = wait_for(pods, timeout=90, what="the ReplicaSet controller to create 2 operator pods")
    for pod in created:
        # Admission accepted the pod template as written: ServiceAccount, security context, probes.
        assert pod.spec.service_account_name == "postgres-operator"
        assert pod.status.phase == "Pending"
        assert not pod.spec.node_name
        container = pod.spec.containers[0]
        assert container.image == "ghcr.io/pgkube/operator:0.1.0"
        assert container.security_context.read_only_root_filesystem is True
        assert pod.spec.security_context.run_as_non_root is True
        assert container.readiness_probe.http_get.path == "/readyz"
        env = {e.name: e for e in container.env}
        assert env["OPERATOR_NAMESPACE"].value_from.field_ref.field_path == "metadata.namespace"

    # The API Service selects exactly these pods.
    service = core.read_namespaced_service("postgres-operator", OPERATOR_NS)
    service_selector = ",".join("%s=%s" % kv for kv in sorted(service.spec.selector.items()))
    selected = core.list_namespaced_pod(OPERATOR_NS, label_selector=service_selector).items
    assert sorted(p.metadata.name for p in selected if not p.metadata.deletion_timestamp) == \
        sorted(p.metadata.name for p in created)

    def rolled_out_status():
        current = apps.read_namespaced_deployment("postgres-operator", OPERATOR_NS)
        status = current.status
        if status.observed_generation == current.metadata.generation and status.replicas == 2:
            return status
        return None

    status = wait_for(rolled_out_status, timeout=60, what="the Deployment controller to observe the Deployment")
    assert not status.ready_replicas


def test_second_apply_changes_nothing(installed, kubectl, api_client):
    apps = client.AppsV1Api(api_client)
    before = apps.read_namespaced_deployment("postgres-operator", OPERATOR_NS).metadata.generation
    apply_bundle(kubectl)
    after = apps.read_namespaced_deployment("postgres-operator", OPERATOR_NS).metadata.generation
    assert before == after


def test_ansible_operator_deployment_is_accepted(installed, kubectl):
    path = os.path.join(MANIFESTS, "operator", "ansible-operator-deployment.yaml")
    proc = kubectl("apply", "--server-side", "--dry-run=server", "--field-manager", FIELD_MANAGER, "-f", path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "deployment.apps/postgres-operator-ansible serverside-applied (server dry run)" in proc.stdout


def test_standalone_namespace_file_is_accepted(installed, kubectl):
    # manifests/operator/namespace.yaml equals the Namespace of the RBAC file: applying it changes nothing.
    proc = kubectl("apply", "--server-side", "--dry-run=server", "--field-manager", FIELD_MANAGER,
                   "-f", os.path.join(MANIFESTS, "operator", "namespace.yaml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
