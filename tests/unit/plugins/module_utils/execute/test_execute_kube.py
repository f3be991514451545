"""Executor rules that need no API server: shared objects created concurrently, dry-run recreate, server fields."""

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.errors import KubernetesError
from ansible_collections.pgkube.operator.plugins.module_utils.execute.kube import apply_action
from ansible_collections.pgkube.operator.plugins.module_utils.plan.actions import Action


class RecordingApi:
    """Records calls; ``create`` fails with the given status for the given kinds."""

    def __init__(self, dry_run=False, conflict_kinds=()):
        self.dry_run = dry_run
        self.conflict_kinds = conflict_kinds
        self.calls = []

    def create(self, obj):
        self.calls.append(("create", obj["kind"], obj))
        if obj["kind"] in self.conflict_kinds:
            raise KubernetesError("creating %s failed: AlreadyExists" % obj["kind"], status=409)
        return obj

    def delete(self, kind, api_version, namespace, name, propagation_policy=None):
        self.calls.append(("delete", kind, propagation_policy))
        return True


def body(kind, name="x"):
    return {"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": "ns", "resourceVersion": "7", "uid": "u"},
            "status": {"phase": "old"}}


def test_shared_service_account_already_created_by_another_reconcile_is_fine():
    api = RecordingApi(conflict_kinds=("ServiceAccount",))
    assert apply_action(api, Action("ServiceAccount", "ns", "postgres-pod", "create", "missing", body=body("ServiceAccount"))) is None


def test_conflict_on_a_cluster_object_is_an_error():
    api = RecordingApi(conflict_kinds=("Service",))
    with pytest.raises(KubernetesError):
        apply_action(api, Action("Service", "ns", "x", "create", "missing", body=body("Service")))


def test_create_strips_server_fields():
    api = RecordingApi()
    apply_action(api, Action("Service", "ns", "x", "create", "missing", body=body("Service")))
    sent = api.calls[0][2]
    assert "resourceVersion" not in sent["metadata"] and "uid" not in sent["metadata"] and "status" not in sent


def test_recreate_in_dry_run_only_deletes():
    api = RecordingApi(dry_run=True)
    apply_action(api, Action("StatefulSet", "ns", "x", "recreate", "selector changed", body=body("StatefulSet")))
    assert [c[0] for c in api.calls] == ["delete"]
    assert api.calls[0][2] == "Orphan"
