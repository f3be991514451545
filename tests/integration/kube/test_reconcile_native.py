"""reconcile_cluster (the watcher's native engine) against the real kube-apiserver.

Create with observedGeneration, conditions and Events (``Creating`` with ``Reconciled=True``: this
tier has no kubelet, so no pod is ever ready and the status never reaches ``Running``, which needs
the wanted pods ready; the end-to-end tier sees it); a second reconcile makes no write; a spec
change goes through Updating; an invalid manifest gets status Invalid and a Warning
Event without an exception; finalizer add / remove and delete (with delete protection).
"""

import base64
import copy
import datetime
import os
import sys

from kubernetes import client as k8s

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reconcile_helpers import (  # noqa: E402
    NAME, condition, create_cr, events_for, kube_api, load_minimal, patch_cr, read_cr, resource_versions,
)

from ansible_collections.pgkube.operator.plugins.module_utils.errors import AlreadyExistsError  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.events import EventRecorder  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.reconcile import FINALIZER, reconcile_cluster  # noqa: E402


def reconcile(kubeconfig, api_client, namespace, cfg, name=NAME, **kwargs):
    api = kube_api(kubeconfig)
    cr = read_cr(api_client, namespace, name)
    result = reconcile_cluster(api, cr, cfg, recorder=EventRecorder(api, instance="test"), **kwargs)
    return result, api


def test_create_then_no_op_then_update(kubeconfig, api_client, namespace, crds):
    cfg = OperatorConfig.defaults()
    create_cr(api_client, load_minimal(namespace))

    result, api = reconcile(kubeconfig, api_client, namespace, cfg)
    assert result.error is None, result.error
    assert (result.status, result.phase, result.changed, result.requeue) == ("Creating", "Create", True, False)
    assert ("StatefulSet", NAME, "create") in [(a["kind"], a["name"], a["action"]) for a in result.actions]
    cr = read_cr(api_client, namespace)
    status = cr["status"]
    assert status["PostgresClusterStatus"] == "Creating"
    assert status["observedGeneration"] == cr["metadata"]["generation"]
    ready = condition(status, "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == ("False", "PodsNotReady", "Waiting for pods: 0 of 2 pods ready")
    assert condition(status, "Reconciled")["status"] == "True"
    assert (condition(status, "Master")["status"], condition(status, "Master")["reason"]) == ("False", "NoMaster")
    k8s.AppsV1Api(api_client).read_namespaced_stateful_set(NAME, namespace)
    reasons = sorted(set((e.type, e.reason) for e in events_for(api_client, namespace)))
    assert ("Normal", "Create") in reasons and ("Normal", "StatefulSet") in reasons
    assert ("Normal", "Services") in reasons and ("Normal", "Secrets") in reasons
    for event in events_for(api_client, namespace):
        assert event.involved_object.uid == cr["metadata"]["uid"]
        assert event.source.component == "pgkube-operator"

    before = resource_versions(api_client, namespace)
    cr_version = read_cr(api_client, namespace)["metadata"]["resourceVersion"]
    second, api = reconcile(kubeconfig, api_client, namespace, cfg)
    assert second.error is None
    assert (second.status, second.phase, second.changed, second.actions) == ("Creating", "Sync", False, [])
    assert api.requests["write"] == 0
    assert second.events == []
    assert resource_versions(api_client, namespace) == before
    assert read_cr(api_client, namespace)["metadata"]["resourceVersion"] == cr_version

    patch_cr(api_client, namespace, NAME, {"spec": {"numberOfInstances": 3}})
    third, api = reconcile(kubeconfig, api_client, namespace, cfg)
    assert third.error is None
    assert third.phase == "Update" and third.status == "Updating"
    assert [(a["kind"], a["action"]) for a in third.actions] == [("StatefulSet", "patch")]
    cr = read_cr(api_client, namespace)
    assert cr["status"]["observedGeneration"] == cr["metadata"]["generation"] == 2
    assert k8s.AppsV1Api(api_client).read_namespaced_stateful_set(NAME, namespace).spec.replicas == 3
    assert any(e.reason == "Update" for e in events_for(api_client, namespace))


def test_invalid_manifest_gets_status_invalid_and_warning(kubeconfig, api_client, namespace, crds):
    cfg = OperatorConfig.defaults()
    manifest = load_minimal(namespace)
    # accepted by the CRD schema, refused by the operator's validation (upstream §2.2)
    manifest["spec"]["users"] = {"Bad-User!": []}
    create_cr(api_client, manifest)
    result, api = reconcile(kubeconfig, api_client, namespace, cfg)
    assert result.status == "Invalid" and result.error and "spec.users" in result.error
    assert result.requeue is False
    status = read_cr(api_client, namespace)["status"]
    assert status["PostgresClusterStatus"] == "Invalid"
    reconciled = condition(status, "Reconciled")
    assert (reconciled["status"], reconciled["reason"]) == ("False", "InvalidManifest")
    assert "spec.users" in reconciled["message"]
    warnings = [e for e in events_for(api_client, namespace) if e.type == "Warning"]
    assert warnings and "spec.users" in warnings[0].message
    assert k8s.AppsV1Api(api_client).list_namespaced_stateful_set(namespace).items == []
    # nothing new to say: a second reconcile of the same invalid manifest writes nothing
    again, api = reconcile(kubeconfig, api_client, namespace, cfg)
    assert again.status == "Invalid" and api.requests["write"] == 0

    # fixing the manifest creates the cluster
    patch_cr(api_client, namespace, NAME, {"spec": {"users": {"Bad-User!": None, "foo_user": []}}})
    fixed, api = reconcile(kubeconfig, api_client, namespace, cfg)
    assert fixed.error is None and fixed.status == "Creating"
    assert condition(read_cr(api_client, namespace)["status"], "Reconciled")["status"] == "True"


def test_api_failure_gives_create_failed_and_requeue(kubeconfig, api_client, namespace, crds):
    # the API server refuses a ServiceAccount name that is not a DNS-1123 subdomain
    cfg = OperatorConfig.from_dict({"pod_service_account_name": "Bad_Name"})
    create_cr(api_client, load_minimal(namespace))
    result, api = reconcile(kubeconfig, api_client, namespace, cfg)
    assert result.error and result.requeue is True
    assert result.status == "CreateFailed"
    status = read_cr(api_client, namespace)["status"]
    assert status["PostgresClusterStatus"] == "CreateFailed"
    assert condition(status, "Reconciled")["status"] == "False"
    assert any(e.type == "Warning" and e.reason == "Create" for e in events_for(api_client, namespace))
    # a retry that fails the same way bumps the Warning Event instead of creating another
    again, api = reconcile(kubeconfig, api_client, namespace, cfg)
    assert again.status == "CreateFailed"
    warnings = [e for e in events_for(api_client, namespace) if e.type == "Warning"]
    assert len(warnings) == 1 and warnings[0].count == 2


def test_sync_roles_is_called_and_its_failure_reported(kubeconfig, api_client, namespace, crds):
    cfg = OperatorConfig.defaults()
    create_cr(api_client, load_minimal(namespace))
    seen = []
    result, api = reconcile(kubeconfig, api_client, namespace, cfg, sync_roles=lambda cr, c: seen.append(cr["metadata"]["name"]) or {"changed": False})
    assert seen == [NAME] and result.status == "Creating"

    def broken(cr, c):
        raise RuntimeError("could not connect: password=hunter2")
    result, api = reconcile(kubeconfig, api_client, namespace, cfg, sync_roles=broken)
    assert result.requeue is True and "hunter2" not in result.error
    status = read_cr(api_client, namespace)["status"]
    # a sync keeps its status (upstream: role errors in a sync are not fatal; Creating here, no pod
    # is ready on this tier) but says so
    assert status["PostgresClusterStatus"] == "Creating"
    assert condition(status, "Reconciled")["reason"] == "RolesSyncFailed"
    assert "hunter2" not in str(status)
    assert all("hunter2" not in (e.message or "") for e in events_for(api_client, namespace))


def test_finalizer_added_then_delete_removes_objects_and_finalizer(kubeconfig, api_client, namespace, crds, wait_for):
    cfg = OperatorConfig.from_dict({"enable_finalizers": True, "enable_secrets_deletion": True})
    create_cr(api_client, load_minimal(namespace))
    result, api = reconcile(kubeconfig, api_client, namespace, cfg)
    assert result.error is None
    assert FINALIZER in read_cr(api_client, namespace)["metadata"]["finalizers"]
    core = k8s.CoreV1Api(api_client)
    # the StatefulSet controller makes the pods (Pending: no kubelet here); the delete must take them
    wait_for(lambda: core.list_namespaced_pod(namespace, label_selector="cluster-name=" + NAME).items, what="pods")

    k8s.CustomObjectsApi(api_client).delete_namespaced_custom_object("acid.zalan.do", "v1", namespace, "postgresqls", NAME)
    cr = read_cr(api_client, namespace)
    assert cr["metadata"].get("deletionTimestamp")
    deleted, api = reconcile(kubeconfig, api_client, namespace, cfg)
    assert deleted.error is None and deleted.deleted
    assert ("StatefulSet", "delete") in [(a["kind"], a["action"]) for a in deleted.actions]
    assert ("Pod", "delete") in [(a["kind"], a["action"]) for a in deleted.actions]
    assert k8s.AppsV1Api(api_client).list_namespaced_stateful_set(namespace).items == []
    # orphaned by the StatefulSet's deletion, each pod is deleted by the operator (as upstream)
    wait_for(lambda: not core.list_namespaced_pod(namespace, label_selector="cluster-name=" + NAME).items,
             what="the pods deleted")
    assert k8s.CoreV1Api(api_client).list_namespaced_service(namespace, label_selector="cluster-name=" + NAME).items == []
    assert any(e.reason == "Delete" for e in events_for(api_client, namespace))
    # the finalizer was the only one: the resource is gone
    try:
        read_cr(api_client, namespace)
        raise AssertionError("postgresql still exists")
    except k8s.ApiException as exc:
        assert exc.status == 404


def test_finalizer_removed_when_disabled(kubeconfig, api_client, namespace, crds):
    manifest = load_minimal(namespace)
    manifest["metadata"]["finalizers"] = [FINALIZER, "example.com/keep"]
    create_cr(api_client, manifest)
    result, api = reconcile(kubeconfig, api_client, namespace, OperatorConfig.defaults())
    assert result.error is None
    assert read_cr(api_client, namespace)["metadata"]["finalizers"] == ["example.com/keep"]
    patch_cr(api_client, namespace, NAME, {"metadata": {"finalizers": None}})


def test_delete_protection_keeps_objects(kubeconfig, api_client, namespace, crds):
    cfg = OperatorConfig.from_dict({"enable_finalizers": True, "delete_annotation_name_key": "delete-clustername"})
    create_cr(api_client, load_minimal(namespace))
    assert reconcile(kubeconfig, api_client, namespace, cfg)[0].error is None
    k8s.CustomObjectsApi(api_client).delete_namespaced_custom_object("acid.zalan.do", "v1", namespace, "postgresqls", NAME)
    protected, api = reconcile(kubeconfig, api_client, namespace, cfg)
    assert protected.deleted and protected.actions == []
    assert any("delete protection" in n for n in protected.notes)
    assert k8s.AppsV1Api(api_client).read_namespaced_stateful_set(NAME, namespace)


def test_delete_protection_satisfied(kubeconfig, api_client, namespace, crds):
    cfg = OperatorConfig.from_dict({"enable_finalizers": True, "delete_annotation_name_key": "delete-clustername",
                                    "delete_annotation_date_key": "delete-date"})
    manifest = load_minimal(namespace)
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    manifest["metadata"]["annotations"] = {"delete-clustername": NAME, "delete-date": today}
    create_cr(api_client, manifest)
    assert reconcile(kubeconfig, api_client, namespace, cfg)[0].error is None
    k8s.CustomObjectsApi(api_client).delete_namespaced_custom_object("acid.zalan.do", "v1", namespace, "postgresqls", NAME)
    result, api = reconcile(kubeconfig, api_client, namespace, cfg)
    assert result.error is None and result.deleted
    assert k8s.AppsV1Api(api_client).list_namespaced_stateful_set(namespace).items == []


def test_same_status_and_objects_in_check_mode_writes_nothing(kubeconfig, api_client, namespace, crds):
    from ansible_collections.pgkube.operator.plugins.module_utils.kube.client import kubernetes_api_from_params
    create_cr(api_client, load_minimal(namespace))
    api = kubernetes_api_from_params(kubeconfig=kubeconfig, dry_run=True)
    cr = read_cr(api_client, namespace)
    result = reconcile_cluster(api, copy.deepcopy(cr), OperatorConfig.defaults(), recorder=EventRecorder(api))
    assert result.error is None and result.changed
    assert k8s.AppsV1Api(api_client).list_namespaced_stateful_set(namespace).items == []
    assert "status" not in read_cr(api_client, namespace)
    assert events_for(api_client, namespace) == []


def test_a_spec_change_without_object_changes_sends_no_update_event(kubeconfig, api_client, namespace, crds):
    """A new generation whose reconcile changes no object (a database added: only the role step would act)
    sends no Normal Update Event; the status still records the generation (issue 12, defect 11)."""
    cfg = OperatorConfig.defaults()
    create_cr(api_client, load_minimal(namespace))
    first, _api = reconcile(kubeconfig, api_client, namespace, cfg)
    assert first.error is None
    patch_cr(api_client, namespace, NAME, {"spec": {"databases": {"foo": "zalando", "more": "zalando"}}})
    second, _api = reconcile(kubeconfig, api_client, namespace, cfg)
    assert (second.error, second.phase, second.actions) == (None, "Update", [])
    assert [e for e in second.events if e[1] == "Update"] == [], second.events
    assert not [e for e in events_for(api_client, namespace) if e.reason == "Update"]
    cr = read_cr(api_client, namespace)
    assert cr["status"]["observedGeneration"] == cr["metadata"]["generation"] == 2
    # a change that does touch objects still says so
    patch_cr(api_client, namespace, NAME, {"spec": {"numberOfInstances": 3}})
    third, _api = reconcile(kubeconfig, api_client, namespace, cfg)
    assert third.actions and [e for e in third.events if e[1] == "Update"], third.events


def test_features_not_implemented_yet_are_said_to_be_ignored(kubeconfig, api_client, namespace, crds):
    """enableConnectionPooler, enableReplicaConnectionPooler, enableLogicalBackup (and the other accepted
    fields with no effect yet) get a Warning Event and a status condition; nothing is written on a
    resync; the condition clears when they go (issue 12, defect 13)."""
    cfg = OperatorConfig.defaults()
    manifest = load_minimal(namespace)
    manifest["spec"].update({"enableConnectionPooler": True, "enableReplicaConnectionPooler": True, "enableLogicalBackup": True})
    create_cr(api_client, manifest)
    first, _api = reconcile(kubeconfig, api_client, namespace, cfg)
    assert first.error is None and first.status == "Creating"   # no kubelet here: no pod gets ready
    supported = condition(read_cr(api_client, namespace)["status"], "FeaturesSupported")
    assert (supported["status"], supported["reason"]) == ("False", "NotImplemented"), supported
    for field in ("spec.enableConnectionPooler", "spec.enableReplicaConnectionPooler", "spec.enableLogicalBackup"):
        assert field in supported["message"], supported["message"]
    warnings = [e for e in events_for(api_client, namespace) if e.type == "Warning" and e.reason == "NotImplemented"]
    assert len(warnings) == 1 and "spec.enableLogicalBackup" in warnings[0].message, [e.message for e in warnings]
    assert k8s.AppsV1Api(api_client).list_namespaced_deployment(namespace).items == []
    assert k8s.BatchV1Api(api_client).list_namespaced_cron_job(namespace).items == []

    second, api = reconcile(kubeconfig, api_client, namespace, cfg)
    assert (second.changed, second.events, api.requests["write"]) == (False, [], 0)

    patch_cr(api_client, namespace, NAME, {"spec": {"enableConnectionPooler": None, "enableReplicaConnectionPooler": None,
                                                    "enableLogicalBackup": False}})
    reconcile(kubeconfig, api_client, namespace, cfg)
    supported = condition(read_cr(api_client, namespace)["status"], "FeaturesSupported")
    assert supported["status"] == "True", supported


class CacheSaysAbsent:
    """Wraps the library's KubeApi like the watcher's cache: a child read answers "absent" without
    a request, except for objects this client wrote (the cache holds its own writes) and names
    whose create collided (read from the API server from then on), as with a Secret made by hand
    without the cluster label."""

    def __init__(self, api):
        self._api = api
        self.blind_reads = 0
        self.written, self.outside = set(), set()

    def get_child(self, kind, api_version, namespace, name):
        if (kind, namespace, name) in self.written | self.outside:
            return self._api.get(kind, api_version, namespace, name)
        self.blind_reads += 1
        return None

    def create(self, obj):
        key = (obj["kind"], obj["metadata"]["namespace"], obj["metadata"]["name"])
        try:
            made = self._api.create(obj)
        except AlreadyExistsError:
            self.outside.add(key)
            raise
        self.written.add(key)
        return made

    def __getattr__(self, name):
        return getattr(self._api, name)


def test_a_credentials_secret_made_by_hand_survives_a_cache_that_does_not_hold_it(kubeconfig, api_client, namespace, crds):
    cfg = OperatorConfig.defaults()
    secret = "postgres.%s.credentials.postgresql.acid.zalan.do" % NAME
    k8s.CoreV1Api(api_client).create_namespaced_secret(namespace, k8s.V1Secret(
        metadata=k8s.V1ObjectMeta(name=secret), string_data={"username": "postgres", "password": "chosen-by-hand"}))
    create_cr(api_client, load_minimal(namespace))
    api = CacheSaysAbsent(kube_api(kubeconfig))
    result = reconcile_cluster(api, read_cr(api_client, namespace), cfg, recorder=EventRecorder(api, instance="test"))
    assert result.error is None, result.error
    assert api.blind_reads > 0 and ("Secret", namespace, secret) in api.outside
    stored = k8s.CoreV1Api(api_client).read_namespaced_secret(secret, namespace)
    assert base64.b64decode(stored.data["password"]).decode() == "chosen-by-hand"
    k8s.AppsV1Api(api_client).read_namespaced_stateful_set(NAME, namespace)
