"""A manifest of the shape of the Zalando operator's own complete example (tests/fixtures, our copy of
its shape) is stored by the CRD, converged, and then adopted with zero planned changes, by the module
and by a reconcile; accepted fields with no effect yet are warned about (issue 12, defects 8 and 13)."""

import copy
import os
import sys

import pytest
import yaml
from kubernetes import client as k8s

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from playbook_runner import ROOT, run_module  # noqa: E402
from reconcile_helpers import kube_api, read_cr, resource_versions  # noqa: E402

from ansible_collections.pgkube.operator.plugins.module_utils.events import EventRecorder  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.reconcile import reconcile_cluster  # noqa: E402

FIXTURE = os.path.join(ROOT, "tests", "fixtures", "upstream-complete-manifest.yaml")
NAME = "acid-upstream-shape"


def upstream_manifest(namespace):
    with open(FIXTURE) as handle:
        manifest = yaml.safe_load(handle)
    manifest["metadata"]["namespace"] = namespace
    return manifest


def store(api_client, manifest):
    """Stored with fieldValidation=Strict: the CRD must know every field."""
    custom = k8s.CustomObjectsApi(api_client)
    return custom.create_namespaced_custom_object("acid.zalan.do", "v1", manifest["metadata"]["namespace"], "postgresqls",
                                                  manifest, field_validation="Strict")


@pytest.mark.ansible
def test_the_module_adopts_it_with_zero_planned_changes(kubeconfig, api_client, namespace, crds):
    manifest = upstream_manifest(namespace)
    store(api_client, manifest)
    args = {"definition": manifest, "namespace": namespace}
    first = run_module("postgres_cluster", args, kubeconfig)
    assert not first.failed, first.output
    assert first.result["changed"] is True
    assert not [w for w in first.result.get("warnings") or [] if "not implemented" in str(w)], first.result.get("warnings")
    before = resource_versions(api_client, namespace, events=False)
    second = run_module("postgres_cluster", args, kubeconfig, check=True, diff=True)
    assert not second.failed, second.output
    assert (second.result["changed"], second.result["actions"]) == (False, [])
    assert second.result["api_requests"]["write"] == 0
    assert resource_versions(api_client, namespace, events=False) == before


def test_a_reconcile_adopts_it_with_zero_writes(kubeconfig, api_client, namespace, crds):
    store(api_client, upstream_manifest(namespace))
    cfg = OperatorConfig.defaults()
    api = kube_api(kubeconfig)
    first = reconcile_cluster(api, read_cr(api_client, namespace, NAME), cfg, recorder=EventRecorder(api, instance="test"))
    assert first.error is None and first.status == "Creating", first.error   # no kubelet here: no pod gets ready
    api = kube_api(kubeconfig)
    second = reconcile_cluster(api, read_cr(api_client, namespace, NAME), cfg, recorder=EventRecorder(api, instance="test"))
    assert (second.changed, second.actions, second.events, api.requests["write"]) == (False, [], [], 0)


@pytest.mark.ansible
def test_the_module_warns_about_fields_with_no_effect(kubeconfig, namespace, crds):
    manifest = copy.deepcopy(upstream_manifest(namespace))
    manifest["spec"].update({"enableConnectionPooler": True, "enableLogicalBackup": True})
    result = run_module("postgres_cluster", {"definition": manifest, "namespace": namespace}, kubeconfig, check=True)
    assert not result.failed, result.output
    warnings = " ".join(str(w) for w in result.result.get("warnings") or [])
    assert "spec.enableConnectionPooler" in warnings and "spec.enableLogicalBackup" in warnings, warnings
