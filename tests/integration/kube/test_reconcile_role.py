"""The reconcile role run through ansible-runner exactly as ansible-operator runs it (role mode,
extra vars of reference §1.4 built from the resource, the finalizer run with ``state: absent``),
compared with the native engine (``reconcile_cluster`` in-process) on the same manifest."""

import copy
import json
import os
import sys

import pytest
import yaml
from kubernetes import client as k8s

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from playbook_runner import COLLECTIONS, ROOT  # noqa: E402
from reconcile_helpers import NAME, condition, create_cr, events_for, kube_api, load_minimal, read_cr  # noqa: E402

from ansible_collections.pgkube.operator.plugins.module_utils.events import EventRecorder  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.reconcile import FINALIZER, reconcile_cluster  # noqa: E402

pytestmark = pytest.mark.ansible

WATCHES = os.path.join(ROOT, "watches.yaml")


def watch_entry():
    with open(WATCHES) as handle:
        entries = yaml.safe_load(handle)
    return [e for e in entries if (e["group"], e["version"], e["kind"]) == ("acid.zalan.do", "v1", "postgresql")][0]


def mark_unsafe(value):
    """ansible-operator's markUnsafe: every string wrapped for Ansible's JSON decoder."""
    if isinstance(value, dict):
        return dict((k, mark_unsafe(v)) for k, v in value.items())
    if isinstance(value, list):
        return [mark_unsafe(v) for v in value]
    if isinstance(value, str):
        return {"__ansible_unsafe": value}
    return value


def operator_extra_vars(cr, watch, finalizer_run=False):
    """The parameters ansible-operator's makeParameters builds (reference §1.4), for this watch."""
    spec = copy.deepcopy(cr.get("spec") or {})
    if watch.get("snakeCaseParameters", True):
        raise AssertionError("this test builds the non-snake_case variant; watches.yaml changed")
    params = dict(spec)
    if watch.get("markUnsafe"):
        params = mark_unsafe(params)
    params["ansible_operator_meta"] = {"name": cr["metadata"]["name"], "namespace": cr["metadata"]["namespace"]}
    params["_acid_zalan_do_postgresql"] = copy.deepcopy(cr)
    params["_acid_zalan_do_postgresql_spec"] = mark_unsafe(spec) if watch.get("markUnsafe") else spec
    params.update(watch.get("vars") or {})
    if finalizer_run:
        params.update(watch["finalizer"].get("vars") or {})
    return params


def run_role(tmp_path, kubeconfig, extravars, extra_env=None):
    import ansible_runner

    private = tmp_path / ("runner-%d" % len(list(tmp_path.iterdir())))
    private.mkdir()
    (private / "inventory").mkdir()
    (private / "inventory" / "hosts").write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    envvars = {
        "K8S_AUTH_KUBECONFIG": kubeconfig,
        "KUBECONFIG": kubeconfig,
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_GATHERING": "explicit",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_NOCOLOR": "1",
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    }
    envvars.update(extra_env or {})
    # the role as ansible-operator runs it: a plain role from its directory (role mode)
    role_dir = os.path.join(COLLECTIONS, "ansible_collections", "pgkube", "operator", "roles")
    runner = ansible_runner.run(private_data_dir=str(private), role="reconcile", roles_path=role_dir, hosts="localhost",
                                extravars=extravars, envvars=envvars, quiet=True, role_skip_facts=True,
                                settings={"suppress_ansible_output": True})
    failures = [e["event_data"].get("res", {}).get("msg") for e in runner.events if e.get("event") == "runner_on_failed"]
    results = [e["event_data"]["res"] for e in runner.events
               if e.get("event") in ("runner_on_ok", "runner_on_failed") and e["event_data"].get("task_action") == "pgkube.operator.postgres_cluster"]
    return runner, failures, (results[-1] if results else None)


def paths_differing(left, right, path=""):
    """Dotted paths where two JSON values differ (for a readable assertion)."""
    if isinstance(left, dict) and isinstance(right, dict):
        found = []
        for key in sorted(set(left) | set(right)):
            found.extend(paths_differing(left.get(key), right.get(key), "%s.%s" % (path, key)))
        return found
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        found = []
        for index, (a, b) in enumerate(zip(left, right)):
            found.extend(paths_differing(a, b, "%s[%d]" % (path, index)))
        return found
    return [] if left == right else ["%s: %r != %r" % (path, left, right)]


def normalized_objects(api_client, namespace):
    """The cluster's objects without server-set and namespace-specific fields; Secret data reduced to keys."""
    core, apps, policy = k8s.CoreV1Api(api_client), k8s.AppsV1Api(api_client), k8s.PolicyV1Api(api_client)
    serialize = api_client.sanitize_for_serialization
    found = {}
    for kind, items in (
        ("StatefulSet", apps.list_namespaced_stateful_set(namespace).items),
        ("Service", core.list_namespaced_service(namespace).items),
        ("Endpoints", core.list_namespaced_endpoints(namespace, label_selector="cluster-name=" + NAME).items),
        ("Secret", core.list_namespaced_secret(namespace, label_selector="cluster-name=" + NAME).items),
        ("PodDisruptionBudget", policy.list_namespaced_pod_disruption_budget(namespace).items),
        ("ServiceAccount", core.list_namespaced_service_account(namespace, label_selector="").items),
    ):
        for item in items:
            obj = serialize(item)
            meta = obj["metadata"]
            if kind == "ServiceAccount" and meta["name"] == "default":
                continue
            for key in ("namespace", "uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "selfLink"):
                meta.pop(key, None)
            obj.pop("status", None)
            (meta.get("annotations") or {}).pop("endpoints.kubernetes.io/last-change-trigger-time", None)
            if kind == "Service":
                for key in ("clusterIP", "clusterIPs", "healthCheckNodePort"):
                    obj["spec"].pop(key, None)
                for port in obj["spec"].get("ports") or []:
                    port.pop("nodePort", None)   # allocated by the API server
            if kind == "Secret":
                obj["data"] = sorted(obj.get("data") or {})
            text = json.dumps(obj, sort_keys=True).replace(namespace, "<ns>")
            found["%s/%s" % (kind, meta["name"])] = json.loads(text)
    return found


def test_role_under_ansible_operator_matches_native_engine(kubeconfig, api_client, namespace, crds, tmp_path, request):
    watch = watch_entry()
    assert watch["role"] == "pgkube.operator.reconcile"
    assert watch["finalizer"] == {"name": FINALIZER, "vars": {"state": "absent"}}
    assert watch["manageStatus"] is False

    # a user string that Ansible must not template, and a free-form key with capitals
    parameters = {"log_line_prefix": "{{ lookup('pipe', 'id') }}", "DateStyle": "ISO, MDY"}

    # native engine in one namespace
    native_ns = namespace
    native_manifest = load_minimal(native_ns)
    native_manifest["spec"]["postgresql"]["parameters"] = parameters
    create_cr(api_client, native_manifest)
    api = kube_api(kubeconfig)
    native = reconcile_cluster(api, read_cr(api_client, native_ns), OperatorConfig.defaults(), recorder=EventRecorder(api))
    # Creating: this tier has no kubelet, no pod gets ready (Running needs the wanted pods ready)
    assert native.error is None and native.status == "Creating"

    # ansible engine in another namespace, with the extra vars ansible-operator passes
    core = k8s.CoreV1Api(api_client)
    role_ns = native_ns[:50] + "-role"
    core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=role_ns, labels={"pgkube.test": "true"})))
    request.addfinalizer(lambda: core.delete_namespace(role_ns))
    manifest = load_minimal(role_ns)
    # ansible-operator adds the finalizer of the watch before the first run
    manifest["metadata"]["finalizers"] = [FINALIZER]
    manifest["spec"]["postgresql"]["parameters"] = parameters
    create_cr(api_client, manifest)
    runner, failures, result = run_role(tmp_path, kubeconfig, operator_extra_vars(read_cr(api_client, role_ns), watch))
    assert runner.status == "successful" and not failures, (failures, runner.stdout.read()[-4000:])
    assert result["changed"] is True and result["status"] == "Creating" and result["phase"] == "Create"

    # the same objects
    role_objects, native_objects = normalized_objects(api_client, role_ns), normalized_objects(api_client, native_ns)
    assert sorted(role_objects) == sorted(native_objects)
    differing = [key + paths_differing(role_objects[key], native_objects[key])[0] for key in role_objects if role_objects[key] != native_objects[key]]
    assert differing == []
    sts = k8s.AppsV1Api(api_client).read_namespaced_stateful_set(NAME, role_ns)
    spilo = [e.value for e in sts.spec.template.spec.containers[0].env if e.name == "SPILO_CONFIGURATION"][0]
    assert "lookup('pipe', 'id')" in spilo and "DateStyle" in spilo

    # same status
    role_cr = read_cr(api_client, role_ns)
    for cr in (role_cr, read_cr(api_client, native_ns)):
        assert cr["status"]["PostgresClusterStatus"] == "Creating"
        assert cr["status"]["observedGeneration"] == cr["metadata"]["generation"]
        assert condition(cr["status"], "Reconciled")["status"] == "True"
        assert (condition(cr["status"], "Ready")["status"], condition(cr["status"], "Ready")["reason"]) == ("False", "PodsNotReady")
    assert role_cr["metadata"]["finalizers"] == [FINALIZER]   # left to ansible-operator
    assert any(e.reason == "Create" for e in events_for(api_client, role_ns))

    # a periodic resync through the role writes nothing
    before = role_cr["metadata"]["resourceVersion"]
    runner, failures, result = run_role(tmp_path, kubeconfig, operator_extra_vars(role_cr, watch))
    assert runner.status == "successful" and not failures, failures
    assert result["changed"] is False and result["api_requests"]["write"] == 0
    assert read_cr(api_client, role_ns)["metadata"]["resourceVersion"] == before

    # the finalizer run: deletionTimestamp set, state=absent from the finalizer vars
    k8s.CustomObjectsApi(api_client).delete_namespaced_custom_object("acid.zalan.do", "v1", role_ns, "postgresqls", NAME)
    deleting = read_cr(api_client, role_ns)
    assert deleting["metadata"].get("deletionTimestamp")
    runner, failures, result = run_role(tmp_path, kubeconfig, operator_extra_vars(deleting, watch, finalizer_run=True))
    assert runner.status == "successful" and not failures, failures
    assert result["phase"] == "Delete"
    assert k8s.AppsV1Api(api_client).list_namespaced_stateful_set(role_ns).items == []
    # ansible-operator removes its finalizer after a successful finalizer run
    assert read_cr(api_client, role_ns)["metadata"]["finalizers"] == [FINALIZER]


def test_role_with_plain_vars_and_passed_resource(kubeconfig, api_client, namespace, crds, tmp_path):
    create_cr(api_client, load_minimal(namespace))
    runner, failures, result = run_role(tmp_path, kubeconfig, {"cluster_name": NAME, "cluster_namespace": namespace,
                                                               "pgkube_operator_config": {"enable_finalizers": True}})
    assert runner.status == "successful" and not failures, failures
    assert result["status"] == "Creating"
    assert FINALIZER in read_cr(api_client, namespace)["metadata"]["finalizers"]

    # the resource as ansible-operator passes it (no API read of the resource), snake_case off
    cr = read_cr(api_client, namespace)
    extravars = {"ansible_operator_meta": {"name": NAME, "namespace": namespace}, "_acid_zalan_do_postgresql": cr,
                 "_acid_zalan_do_postgresql_spec": cr["spec"], "pgkube_use_passed_resource": True}
    runner, failures, result = run_role(tmp_path, kubeconfig, extravars)
    assert runner.status == "successful" and not failures, failures
    assert result["changed"] is False and result["api_requests"]["write"] == 0

    # markUnsafe: the raw spec arrives wrapped; a template in it stays text in the objects
    manifest = load_minimal(namespace, name="acid-unsafe")
    manifest["spec"]["postgresql"]["parameters"] = {"log_line_prefix": "{{ 7 * 6 }}"}
    create_cr(api_client, manifest)
    cr = read_cr(api_client, namespace, "acid-unsafe")
    extravars = {"ansible_operator_meta": {"name": "acid-unsafe", "namespace": namespace}, "_acid_zalan_do_postgresql": cr,
                 "_acid_zalan_do_postgresql_spec": mark_unsafe(cr["spec"]), "pgkube_use_passed_resource": True}
    runner, failures, result = run_role(tmp_path, kubeconfig, extravars)
    assert runner.status == "successful" and not failures, failures
    assert result["phase"] == "Create" and result["status"] == "Creating"
    sts = k8s.AppsV1Api(api_client).read_namespaced_stateful_set("acid-unsafe", namespace)
    spilo = [e.value for e in sts.spec.template.spec.containers[0].env if e.name == "SPILO_CONFIGURATION"][0]
    assert "{{ 7 * 6 }}" in spilo and "42" not in spilo


def test_role_reports_invalid_manifest(kubeconfig, api_client, namespace, crds, tmp_path):
    manifest = load_minimal(namespace)
    manifest["spec"]["users"] = {"Bad-User!": []}
    create_cr(api_client, manifest)
    runner, failures, result = run_role(tmp_path, kubeconfig, {"cluster_name": NAME, "cluster_namespace": namespace})
    assert runner.status == "failed"
    assert failures and "spec.users" in failures[0]
    assert read_cr(api_client, namespace)["status"]["PostgresClusterStatus"] == "Invalid"
