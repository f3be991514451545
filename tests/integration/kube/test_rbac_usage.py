"""The shipped RBAC is enough and holds nothing unused (issue 12, defect 14).

The watcher (``python -m pgkube_watcher``) runs under the ``postgres-operator`` ServiceAccount of
manifests/rbac/operator-rbac.yaml (a TokenRequest token, as in a pod), first with the native engine
and an ``OperatorConfiguration``, then with the ansible engine and a ConfigMap, through a cluster's
life: create, an annotation change, a spec change that needs new pods, a Service type change, a live
configuration change, a change that recreates the StatefulSet, a repeated Warning Event, deletion.
The API server's audit log (tools/controlplane.py records what service accounts do) then shows that
nothing was refused and that every verb the ClusterRole and the Lease Role grant was used; ``bind``
is shown by the RoleBinding to ``postgres-pod`` the operator created. Then the namespaced variant
(manifests/rbac/namespaced/) serves a single-namespace install.
"""

import copy
import datetime
import json
import os
import sys
import uuid

import pytest
from kubernetes import client as k8s

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conftest import REPO, apply_objects, load_yaml_documents  # noqa: E402
from test_watcher_engines import WatcherProcess, converged, create_cluster, delete_cluster, get_cluster, manifest, patch_cluster, statefulset, wait  # noqa: E402

OPERATOR_NS = "postgres-operator"
OPERATOR_SA = "postgres-operator"
USER = "system:serviceaccount:%s:%s" % (OPERATOR_NS, OPERATOR_SA)
RBAC_FILE = os.path.join(REPO, "manifests", "rbac", "operator-rbac.yaml")
NAMESPACED_FILE = os.path.join(REPO, "manifests", "rbac", "namespaced", "operator-rbac.yaml")
TIMEOUT = 120


def audit_log(controlplane):
    """The control plane's audit log (state.json next to the kubeconfig says where)."""
    state_file = os.path.join(os.path.dirname(controlplane.kubeconfig), "state.json")
    try:
        with open(state_file) as handle:
            path = json.load(handle).get("audit_log")
    except (OSError, ValueError):
        path = None
    if not path or not os.path.exists(path):
        pytest.fail("the control plane has no audit log (%s): start it with this tree's tools/controlplane.py" % state_file, pytrace=False)
    return path


def audit_events(path, user, since):
    events = []
    with open(path) as handle:
        for line in handle:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if (event.get("user") or {}).get("username") != user or event.get("requestReceivedTimestamp", "") < since:
                continue
            events.append(event)
    return events


def used_verbs(events):
    used = set()
    for event in events:
        ref = event.get("objectRef") or {}
        # a 404 or 409 answer still used the verb (it was authorized); a 401 or 403 did not
        if not ref.get("resource") or (event.get("responseStatus") or {}).get("code") in (401, 403):
            continue
        resource = ref["resource"] + ("/" + ref["subresource"] if ref.get("subresource") else "")
        used.add((ref.get("apiGroup") or "", resource, event["verb"]))
    return used


def refused(events):
    return sorted(set("%s %s/%s %s" % (e["verb"], (e.get("objectRef") or {}).get("apiGroup") or "core", (e.get("objectRef") or {}).get("resource"),
                                       (e.get("objectRef") or {}).get("name") or "")
                      for e in events if (e.get("responseStatus") or {}).get("code") == 403))


def granted_verbs(objects, role_names):
    granted = set()
    for obj in objects:
        if obj["kind"] in ("ClusterRole", "Role") and obj["metadata"]["name"] in role_names:
            for rule in obj["rules"]:
                for group in rule.get("apiGroups") or [""]:
                    for resource in rule["resources"]:
                        for verb in rule["verbs"]:
                            granted.add((group, resource, verb))
    return granted


def now_stamp():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def token_kubeconfig(api_client, directory, namespace, account):
    """A kubeconfig authenticating as ``namespace/account`` with a TokenRequest token."""
    core = k8s.CoreV1Api(api_client)
    token = core.create_namespaced_service_account_token(account, namespace, k8s.AuthenticationV1TokenRequest(
        spec=k8s.V1TokenRequestSpec(audiences=[], expiration_seconds=3600))).status.token
    cfg = api_client.configuration
    path = os.path.join(directory, "kubeconfig-%s" % account)
    with open(path, "w") as handle:
        json.dump({"apiVersion": "v1", "kind": "Config", "current-context": "sa",
                   "clusters": [{"name": "pgkube", "cluster": {"server": cfg.host, "certificate-authority": cfg.ssl_ca_cert}}],
                   "users": [{"name": account, "user": {"token": token}}],
                   "contexts": [{"name": "sa", "context": {"cluster": "pgkube", "user": account}}]}, handle)
    return path


def events_named(api_client, namespace, reason):
    return [e for e in k8s.CoreV1Api(api_client).list_namespaced_event(namespace).items if e.reason == reason]


@pytest.fixture
def cleanup():
    done = []
    yield done
    for action in reversed(done):
        try:
            action()
        except k8s.ApiException:
            pass


def test_the_shipped_rbac_is_enough_and_every_verb_it_grants_is_used(controlplane, api_client, crds, operator_rbac, namespace, tmp_path, cleanup):
    log = audit_log(controlplane)
    since = now_stamp()
    suffix = uuid.uuid4().hex[:6]
    kubeconfig = token_kubeconfig(api_client, str(tmp_path), OPERATOR_NS, OPERATOR_SA)
    custom, core = k8s.CustomObjectsApi(api_client), k8s.CoreV1Api(api_client)

    # --- native engine, a ConfigMap configuration, Endpoints mode, every deletion switch on
    config_name = "rbac-usage-" + suffix
    data = {"kubernetes_use_configmaps": "false", "enable_finalizers": "true", "enable_persistent_volume_claim_deletion": "true",
            "enable_secrets_deletion": "true", "inherited_annotations": "owner", "pod_environment_configmap": "pod-env",
            "irsa_role_arn": "arn:aws:iam::1:role/first", "min_cpu_limit": "2", "enable_teams_api": "false",
            "enable_database_access": "false"}
    core.create_namespaced_config_map(OPERATOR_NS, k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name=config_name), data=data))
    cleanup.append(lambda: core.delete_namespaced_config_map(config_name, OPERATOR_NS))
    core.create_namespaced_config_map(namespace, k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name="pod-env"), data={"EXTRA": "1"}))
    lease = "pgkube-rbac-" + suffix
    cleanup.append(lambda: k8s.CoordinationV1Api(api_client).delete_namespaced_lease(lease, OPERATOR_NS))

    proc = WatcherProcess(kubeconfig, namespace, "native", str(tmp_path / "native.log"),
                          extra_args=["--leader-elect", "--leader-election-id", lease, "--retry-period", "1"],
                          env={"CONFIG_MAP_NAME": config_name, "OPERATOR_NAMESPACE": OPERATOR_NS})
    try:
        name = "acid-rbac"
        body = manifest(namespace, name, resources={"limits": {"cpu": "500m", "memory": "500Mi"}, "requests": {"cpu": "100m", "memory": "100Mi"}})
        body["metadata"]["annotations"] = {"owner": "team-a"}
        body["metadata"]["labels"] = {"environment": "test"}
        # Patroni's DCS object (Patroni is not running here): deleted with the cluster
        core.create_namespaced_config_map(namespace, k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(
            name=name + "-leader", labels={"application": "spilo", "cluster-name": name})))
        create_cluster(api_client, body)
        wait(lambda: converged(api_client, namespace, name), "the cluster to converge under the ServiceAccount", TIMEOUT, proc=proc)
        wait(lambda: core.list_namespaced_pod(namespace, label_selector="cluster-name=" + name).items, "the StatefulSet's pods", TIMEOUT, proc=proc)

        patch_cluster(api_client, namespace, name, {"metadata": {"annotations": {"owner": "team-b"}}})     # metadata patches, StatefulSet PUT
        wait(lambda: (statefulset(api_client, namespace, name).metadata.annotations or {}).get("owner") == "team-b",
             "the new inherited annotation", TIMEOUT, proc=proc)
        patch_cluster(api_client, namespace, name, {"spec": {"dockerImage": "example.org/spilo:rbac"}})  # pods flagged
        wait(lambda: all((p.metadata.annotations or {}).get("zalando-postgres-operator-rolling-update-required") == "true"
                         for p in core.list_namespaced_pod(namespace, label_selector="cluster-name=" + name).items),
             "the pods flagged for a rolling update", TIMEOUT, proc=proc)
        wait(lambda: any((e.count or 1) > 1 for e in events_named(api_client, namespace, "ResourceLimits")),
             "the ResourceLimits Warning counted up (an Event patched)", TIMEOUT, proc=proc)
        assert core.read_namespaced_service(name + "-repl", namespace).spec.type == "ClusterIP"
        patch_cluster(api_client, namespace, name, {"spec": {"enableReplicaLoadBalancer": True}})        # Service PUT
        wait(lambda: core.read_namespaced_service(name + "-repl", namespace).spec.type == "LoadBalancer", "the LoadBalancer", TIMEOUT, proc=proc)
        patch_cluster(api_client, namespace, name, {"spec": {"podAnnotations": {"scrape": "yes"}}})      # StatefulSet PUT
        wait(lambda: (statefulset(api_client, namespace, name).spec.template.metadata.annotations or {}).get("scrape") == "yes",
             "the new pod template annotation", TIMEOUT, proc=proc)
        # a live configuration change: the pod ServiceAccount's IRSA annotation and a new inherited label (PDB labels patched)
        core.patch_namespaced_config_map(config_name, OPERATOR_NS, {"data": {"irsa_role_arn": "arn:aws:iam::1:role/second",
                                                                             "inherited_labels": "environment"}})
        wait(lambda: (core.read_namespaced_service_account("postgres-pod", namespace).metadata.annotations or {}).get(
            "eks.amazonaws.com/role-arn") == "arn:aws:iam::1:role/second", "the pod ServiceAccount's new annotation", TIMEOUT, proc=proc)
        policy = k8s.PolicyV1Api(api_client)
        wait(lambda: (policy.read_namespaced_pod_disruption_budget("postgres-%s-pdb" % name, namespace).metadata.labels or {}).get(
            "environment") == "test", "the inherited label on the PDB", TIMEOUT, proc=proc)
        uid = statefulset(api_client, namespace, name).metadata.uid
        patch_cluster(api_client, namespace, name, {"spec": {"volume": {"size": "1Gi", "storageClass": "other"}}})  # recreated
        wait(lambda: statefulset(api_client, namespace, name) is not None and statefulset(api_client, namespace, name).metadata.uid != uid,
             "the StatefulSet to be recreated", TIMEOUT, proc=proc)

        delete_cluster(api_client, namespace, name)
        wait(lambda: get_cluster(api_client, namespace, name) is None, "the deletion (finalizer removed)", TIMEOUT, proc=proc)
        wait(lambda: not core.list_namespaced_persistent_volume_claim(namespace).items, "the PVCs to be deleted", TIMEOUT, proc=proc)
        wait(lambda: not core.list_namespaced_pod(namespace, label_selector="cluster-name=" + name).items,
             "the orphaned pods to be deleted", TIMEOUT, proc=proc)
        assert not [s for s in core.list_namespaced_secret(namespace).items if ".%s.credentials." % name in s.metadata.name]
        assert [c.metadata.name for c in core.list_namespaced_config_map(namespace).items if c.metadata.name.startswith(name)] == []
    finally:
        assert proc.terminate() == 0, proc.log_tail()

    # --- ansible engine, an OperatorConfiguration: the module reads the resource and the configuration by name
    configuration = {"teams_api": {"enable_teams_api": False}, "debug": {"enable_database_access": False}}
    body = {"apiVersion": "acid.zalan.do/v1", "kind": "OperatorConfiguration", "metadata": {"name": config_name}, "configuration": configuration}
    custom.create_namespaced_custom_object("acid.zalan.do", "v1", OPERATOR_NS, "operatorconfigurations", body)
    cleanup.append(lambda: custom.delete_namespaced_custom_object("acid.zalan.do", "v1", OPERATOR_NS, "operatorconfigurations", config_name))
    proc = WatcherProcess(kubeconfig, namespace, "ansible", str(tmp_path / "ansible.log"), extra_args=["--no-watch-nodes"],
                          env={"POSTGRES_OPERATOR_CONFIGURATION_OBJECT": config_name, "OPERATOR_NAMESPACE": OPERATOR_NS})
    try:
        create_cluster(api_client, manifest(namespace, "acid-rbac-ansible"))
        wait(lambda: converged(api_client, namespace, "acid-rbac-ansible"), "the ansible engine to converge", 300, proc=proc)
    finally:
        assert proc.terminate() == 0, proc.log_tail()

    events = audit_events(log, USER, since)
    assert events, "no audit events for %s" % USER
    assert refused(events) == [], "the ServiceAccount was refused: %s" % refused(events)
    objects = load_yaml_documents(RBAC_FILE)
    granted = granted_verbs(objects, {"postgres-operator", "postgres-operator-leader-election"})
    used = used_verbs(events)
    # `bind` is not a request: creating the RoleBinding to ClusterRole postgres-pod is what needs it
    assert ("rbac.authorization.k8s.io", "rolebindings", "create") in used
    binding = k8s.RbacAuthorizationV1Api(api_client).read_namespaced_role_binding("postgres-pod", namespace)
    assert (binding.role_ref.kind, binding.role_ref.name) == ("ClusterRole", "postgres-pod")
    used.add(("rbac.authorization.k8s.io", "clusterroles", "bind"))
    unused = sorted(granted - used)
    assert unused == [], "granted but never used: %s" % unused
    assert sorted(used - granted) == [], "used but not granted (would have been refused): %s" % sorted(used - granted)


def namespaced_objects(namespace):
    """The namespaced variant with its namespace (the watched and operator namespace) set to ``namespace``."""
    objects = copy.deepcopy(load_yaml_documents(NAMESPACED_FILE))
    result = []
    for obj in objects:
        if obj["kind"] == "Namespace":
            continue
        if obj["metadata"].get("namespace"):
            obj["metadata"]["namespace"] = namespace
        for subject in obj.get("subjects") or []:
            subject["namespace"] = namespace
        if obj["kind"] == "ClusterRole":
            continue  # postgres-pod comes with the cluster-wide file already applied
        result.append(obj)
    return result


def test_the_namespaced_variant_serves_a_single_namespace_install(controlplane, api_client, dynamic_client, crds, operator_rbac, namespace,
                                                                  tmp_path):
    log = audit_log(controlplane)
    since = now_stamp()
    apply_objects(dynamic_client, namespaced_objects(namespace))
    kubeconfig = token_kubeconfig(api_client, str(tmp_path), namespace, OPERATOR_SA)
    proc = WatcherProcess(kubeconfig, namespace, "native", str(tmp_path / "namespaced.log"),
                          extra_args=["--leader-elect", "--no-watch-nodes"], env={"OPERATOR_NAMESPACE": namespace})
    try:
        create_cluster(api_client, manifest(namespace, "acid-single"))
        wait(lambda: converged(api_client, namespace, "acid-single"), "the cluster to converge with the namespaced RBAC", TIMEOUT, proc=proc)
        delete_cluster(api_client, namespace, "acid-single")
        wait(lambda: statefulset(api_client, namespace, "acid-single") is None, "the deletion", TIMEOUT, proc=proc)
    finally:
        assert proc.terminate() == 0, proc.log_tail()
    events = audit_events(log, "system:serviceaccount:%s:%s" % (namespace, OPERATOR_SA), since)
    assert events
    # nothing cluster-wide is granted: the one refusal is the CRD read (the status schema is then learnt from a write)
    assert all("customresourcedefinitions" in line for line in refused(events)), refused(events)
    # and nothing in any other namespace was touched
    touched = set((e.get("objectRef") or {}).get("namespace") for e in events if (e.get("objectRef") or {}).get("namespace"))
    assert touched == {namespace}, touched
