"""On the Zalando operator's own CRD, whose status schema has only PostgresClusterStatus and prunes
everything else, a no-op resync writes nothing (issue 12, defect 9): the API server drops our
conditions and observedGeneration, so comparing with them wrote the status on every resync.

The module-scoped fixture swaps the status schema of postgresqls.acid.zalan.do for upstream's and
puts ours back afterwards (server-side apply of manifests/crds)."""

import copy
import os
import sys

import pytest
from kubernetes import client as k8s

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conftest import apply_objects, wait_for  # noqa: E402
from playbook_runner import run_module  # noqa: E402
from reconcile_helpers import NAME, create_cr, kube_api, load_minimal, patch_cr, read_cr, resource_versions  # noqa: E402

from ansible_collections.pgkube.operator.plugins.module_utils.events import EventRecorder  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.reconcile import reconcile_cluster  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.status_schema import forget  # noqa: E402

CRD = "postgresqls.acid.zalan.do"
UPSTREAM_STATUS = {"type": "object", "properties": {"PostgresClusterStatus": {"type": "string"}}}


def _status_prunes(api_client, namespace):
    """Write a probe key into a scratch resource's status; True once the API server drops it."""
    custom = k8s.CustomObjectsApi(api_client)
    probe = load_minimal(namespace, name="status-probe")
    try:
        custom.create_namespaced_custom_object("acid.zalan.do", "v1", namespace, "postgresqls", probe)
    except k8s.ApiException as exc:
        if exc.status != 409:
            raise
    stored = custom.patch_namespaced_custom_object_status("acid.zalan.do", "v1", namespace, "postgresqls", "status-probe",
                                                          {"status": {"PostgresClusterStatus": "probe", "probe": "x"}})
    return "probe" not in (stored.get("status") or {})


@pytest.fixture(scope="module")
def upstream_crd(api_client, dynamic_client, crds):
    ours = copy.deepcopy(crds[CRD])
    upstream = copy.deepcopy(ours)
    for version in upstream["spec"]["versions"]:
        version["schema"]["openAPIV3Schema"]["properties"]["status"] = UPSTREAM_STATUS
    apply_objects(dynamic_client, [upstream])
    core = k8s.CoreV1Api(api_client)
    scratch = "upstream-crd-probe"
    core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=scratch)))
    try:
        wait_for(lambda: _status_prunes(api_client, scratch), what="the upstream status schema to prune unknown status fields")
        yield upstream
    finally:
        apply_objects(dynamic_client, [ours])
        wait_for(lambda: not _status_prunes(api_client, scratch), what="our status schema to be back")
        core.delete_namespace(scratch)
        forget()  # this test process learnt the upstream schema


def test_a_no_op_resync_writes_nothing_on_upstreams_crd(kubeconfig, api_client, namespace, upstream_crd):
    cfg = OperatorConfig.defaults()
    create_cr(api_client, load_minimal(namespace))
    results = []
    for _run in range(3):
        api = kube_api(kubeconfig)
        result = reconcile_cluster(api, read_cr(api_client, namespace), cfg, recorder=EventRecorder(api, instance="test"))
        assert result.error is None, result.error
        results.append((result, api.requests["write"]))
    first, second, third = results
    # Creating: this tier has no kubelet, no pod gets ready (Running needs the wanted pods ready)
    assert first[0].status == "Creating" and first[1] > 0
    status = read_cr(api_client, namespace)["status"]
    assert status == {"PostgresClusterStatus": "Creating"}  # all the schema keeps: status still says what it can
    before = resource_versions(api_client, namespace)
    api = kube_api(kubeconfig)
    fourth = reconcile_cluster(api, read_cr(api_client, namespace), cfg, recorder=EventRecorder(api, instance="test"))
    assert (fourth.status, fourth.changed, fourth.events) == ("Creating", False, [])
    assert api.requests["write"] == 0
    assert resource_versions(api_client, namespace) == before
    assert second[1] == 0 and third[1] == 0, "resyncs wrote %d and %d times" % (second[1], third[1])


def test_a_spec_change_still_converges_and_then_settles(kubeconfig, api_client, namespace, upstream_crd):
    cfg = OperatorConfig.defaults()
    create_cr(api_client, load_minimal(namespace))
    api = kube_api(kubeconfig)
    reconcile_cluster(api, read_cr(api_client, namespace), cfg)
    patch_cr(api_client, namespace, NAME, {"spec": {"numberOfInstances": 3}})
    api = kube_api(kubeconfig)
    changed = reconcile_cluster(api, read_cr(api_client, namespace), cfg)
    assert changed.error is None and [(a["kind"], a["action"]) for a in changed.actions] == [("StatefulSet", "patch")]
    api = kube_api(kubeconfig)
    settled = reconcile_cluster(api, read_cr(api_client, namespace), cfg)
    assert (settled.changed, api.requests["write"]) == (False, 0)


@pytest.mark.ansible
def test_the_module_reconcile_writes_nothing_on_a_resync_either(kubeconfig, api_client, namespace, upstream_crd):
    """The ansible engine's path: one module process per reconcile, nothing remembered in between."""
    create_cr(api_client, load_minimal(namespace))
    args = {"name": NAME, "namespace": namespace, "reconcile": True, "sync_roles": False}
    first = run_module("postgres_cluster", args, kubeconfig)
    assert not first.failed, first.output
    second = run_module("postgres_cluster", args, kubeconfig)
    assert not second.failed, second.output
    assert second.result["changed"] is False
    assert second.result["api_requests"]["write"] == 0, second.result["api_requests"]
