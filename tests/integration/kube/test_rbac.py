"""manifests/rbac/operator-rbac.yaml: the operator's ServiceAccount can do a reconcile and no more.

The operator authenticates with a token from the TokenRequest API, exactly as it would in a pod.
"""

import pytest

from kubernetes import client
from kubernetes.client.exceptions import ApiException

OPERATOR_NS = "postgres-operator"
OPERATOR_SA = "postgres-operator"


@pytest.fixture(scope="module")
def operator_client(api_client, operator_rbac):
    core = client.CoreV1Api(api_client)
    request = client.AuthenticationV1TokenRequest(
        spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=3600))
    token = core.create_namespaced_service_account_token(OPERATOR_SA, OPERATOR_NS, request)
    cfg = api_client.configuration
    configuration = client.Configuration(host=cfg.host)
    configuration.ssl_ca_cert = cfg.ssl_ca_cert
    configuration.verify_ssl = True
    configuration.api_key = {"authorization": "Bearer " + token.status.token}
    api = client.ApiClient(configuration)
    yield api
    api.close()


def _forbidden(call, *args, **kwargs):
    with pytest.raises(ApiException) as err:
        call(*args, **kwargs)
    assert err.value.status == 403, err.value.body


def _labels(name):
    return {"application": "spilo", "cluster-name": name}


def test_token_identity(operator_client):
    review = client.AuthenticationV1Api(operator_client).create_self_subject_review(
        client.V1SelfSubjectReview())
    assert review.status.user_info.username == "system:serviceaccount:%s:%s" % (
        OPERATOR_NS, OPERATOR_SA)


def test_operator_can_reconcile(api_client, operator_client, namespace):
    name = "acid-rbac"
    # The cluster manifest is the user's (admin here); the operator reads and updates its status.
    admin_custom = client.CustomObjectsApi(api_client)
    admin_custom.create_namespaced_custom_object("acid.zalan.do", "v1", namespace, "postgresqls", {
        "apiVersion": "acid.zalan.do/v1", "kind": "postgresql", "metadata": {"name": name},
        "spec": {"teamId": "acid", "numberOfInstances": 1, "postgresql": {"version": "17"},
                 "volume": {"size": "1Gi"}}})

    custom = client.CustomObjectsApi(operator_client)
    apps = client.AppsV1Api(operator_client)
    core = client.CoreV1Api(operator_client)
    policy = client.PolicyV1Api(operator_client)
    rbac = client.RbacAuthorizationV1Api(operator_client)

    listed = custom.list_namespaced_custom_object("acid.zalan.do", "v1", namespace, "postgresqls")
    assert [i["metadata"]["name"] for i in listed["items"]] == [name]
    custom.patch_namespaced_custom_object_status(
        "acid.zalan.do", "v1", namespace, "postgresqls", name,
        {"status": {"PostgresClusterStatus": "Creating"}})
    custom.patch_namespaced_custom_object(
        "acid.zalan.do", "v1", namespace, "postgresqls", name,
        {"metadata": {"finalizers": ["postgres-operator.acid.zalan.do"]}})
    custom.patch_namespaced_custom_object(
        "acid.zalan.do", "v1", namespace, "postgresqls", name, {"metadata": {"finalizers": None}})
    client.ApiextensionsV1Api(operator_client).read_custom_resource_definition(
        "postgresqls.acid.zalan.do")

    labels = _labels(name)
    sts = client.V1StatefulSet(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1StatefulSetSpec(
            replicas=1, service_name=name,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[
                    client.V1Container(name="postgres", image="ghcr.io/zalando/spilo-17:4.0-p2")]))))
    apps.create_namespaced_stateful_set(namespace, sts)
    apps.patch_namespaced_stateful_set(name, namespace, {"spec": {"replicas": 0}})
    core.create_namespaced_service(namespace, client.V1Service(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1ServiceSpec(ports=[client.V1ServicePort(name="postgresql", port=5432)])))
    core.patch_namespaced_service(name, namespace, {"metadata": {"annotations": {"a": "b"}}})
    core.create_namespaced_secret(namespace, client.V1Secret(
        metadata=client.V1ObjectMeta(name="postgres.%s.credentials.postgresql.acid.zalan.do" % name,
                                     labels=labels),
        string_data={"username": "postgres", "password": "x"}))
    core.list_namespaced_secret(namespace, label_selector="cluster-name=" + name)
    core.create_namespaced_endpoints(namespace, client.V1Endpoints(
        metadata=client.V1ObjectMeta(name=name, labels=labels)))
    client.CoreV1Api(api_client).create_namespaced_config_map(namespace, client.V1ConfigMap(  # Patroni's, made by admin here
        metadata=client.V1ObjectMeta(name=name + "-config", labels=labels)))
    core.list_namespaced_config_map(namespace, label_selector="cluster-name=" + name)
    core.delete_namespaced_config_map(name + "-config", namespace)
    policy.create_namespaced_pod_disruption_budget(namespace, client.V1PodDisruptionBudget(
        metadata=client.V1ObjectMeta(name="postgres-%s-pdb" % name, labels=labels),
        spec=client.V1PodDisruptionBudgetSpec(
            min_available=1, selector=client.V1LabelSelector(match_labels=labels))))
    policy.patch_namespaced_pod_disruption_budget(
        "postgres-%s-pdb" % name, namespace, {"spec": {"minAvailable": 0}})
    core.list_namespaced_pod(namespace, label_selector="cluster-name=" + name)
    core.list_namespaced_persistent_volume_claim(namespace)
    core.list_node()
    core.create_namespaced_event(namespace, client.CoreV1Event(
        metadata=client.V1ObjectMeta(generate_name=name + "-"),
        involved_object=client.V1ObjectReference(
            api_version="acid.zalan.do/v1", kind="postgresql", name=name, namespace=namespace),
        reason="Create", message="Started creation of new cluster resources", type="Normal"))

    # pod ServiceAccount + RoleBinding to ClusterRole postgres-pod (allowed through `bind`)
    core.create_namespaced_service_account(namespace, client.V1ServiceAccount(
        metadata=client.V1ObjectMeta(name="postgres-pod")))
    rbac.create_namespaced_role_binding(namespace, client.V1RoleBinding(
        metadata=client.V1ObjectMeta(name="postgres-pod"),
        role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole",
                                  name="postgres-pod"),
        subjects=[client.RbacV1Subject(kind="ServiceAccount", name="postgres-pod",
                                       namespace=namespace)]))

    apps.delete_namespaced_stateful_set(name, namespace)
    core.delete_namespaced_service(name, namespace)
    policy.delete_namespaced_pod_disruption_budget("postgres-%s-pdb" % name, namespace)

    # leader election in the operator namespace
    coordination = client.CoordinationV1Api(operator_client)
    lease_name = "pgkube-test-" + namespace[-6:]
    coordination.create_namespaced_lease(OPERATOR_NS, client.V1Lease(
        metadata=client.V1ObjectMeta(name=lease_name),
        spec=client.V1LeaseSpec(holder_identity="test", lease_duration_seconds=15)))
    client.CoordinationV1Api(api_client).delete_namespaced_lease(lease_name, OPERATOR_NS)


def test_operator_is_refused_the_rest(operator_client, namespace):
    core = client.CoreV1Api(operator_client)
    rbac = client.RbacAuthorizationV1Api(operator_client)
    custom = client.CustomObjectsApi(operator_client)
    ext = client.ApiextensionsV1Api(operator_client)

    _forbidden(core.delete_namespace, namespace)
    _forbidden(core.create_namespace, client.V1Namespace(metadata=client.V1ObjectMeta(name="x-" + namespace)))
    _forbidden(rbac.create_cluster_role, client.V1ClusterRole(
        metadata=client.V1ObjectMeta(name="pgkube-escalate"), rules=[]))
    _forbidden(rbac.create_cluster_role_binding, client.V1ClusterRoleBinding(
        metadata=client.V1ObjectMeta(name="pgkube-escalate"),
        role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole",
                                  name="cluster-admin"),
        subjects=[client.RbacV1Subject(kind="ServiceAccount", name="postgres-operator",
                                       namespace=OPERATOR_NS)]))
    # `bind` is granted for postgres-pod only: binding cluster-admin is an escalation.
    _forbidden(rbac.create_namespaced_role_binding, namespace, client.V1RoleBinding(
        metadata=client.V1ObjectMeta(name="escalate"),
        role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole",
                                  name="cluster-admin"),
        subjects=[client.RbacV1Subject(kind="ServiceAccount", name="default", namespace=namespace)]))
    _forbidden(rbac.create_namespaced_role, namespace, client.V1Role(
        metadata=client.V1ObjectMeta(name="r"), rules=[]))
    _forbidden(ext.delete_custom_resource_definition, "postgresqls.acid.zalan.do")
    _forbidden(ext.list_custom_resource_definition)
    _forbidden(custom.create_namespaced_custom_object, "acid.zalan.do", "v1", namespace,
               "postgresqls", {"apiVersion": "acid.zalan.do/v1", "kind": "postgresql",
                               "metadata": {"name": "x"},
                               "spec": {"teamId": "a", "numberOfInstances": 1,
                                        "postgresql": {"version": "17"}, "volume": {"size": "1Gi"}}})
    _forbidden(custom.create_namespaced_custom_object, "acid.zalan.do", "v1", namespace,
               "operatorconfigurations", {"apiVersion": "acid.zalan.do/v1",
                                          "kind": "OperatorConfiguration",
                                          "metadata": {"name": "x"}, "configuration": {}})
    _forbidden(core.create_namespaced_pod, namespace, client.V1Pod(
        metadata=client.V1ObjectMeta(name="p"),
        spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="busybox")])))
    _forbidden(core.create_namespaced_persistent_volume_claim, namespace,
               client.V1PersistentVolumeClaim(
                   metadata=client.V1ObjectMeta(name="pvc"),
                   spec=client.V1PersistentVolumeClaimSpec(
                       access_modes=["ReadWriteOnce"],
                       resources=client.V1VolumeResourceRequirements(requests={"storage": "1Gi"}))))
    _forbidden(core.patch_node, "some-node", {"metadata": {"labels": {"a": "b"}}})
    _forbidden(core.create_persistent_volume, client.V1PersistentVolume(
        metadata=client.V1ObjectMeta(name="pv"),
        spec=client.V1PersistentVolumeSpec(capacity={"storage": "1Gi"},
                                           host_path=client.V1HostPathVolumeSource(path="/tmp"))))
    _forbidden(core.delete_namespaced_service_account, "default", namespace)
    # trimmed grants (issue 12, defect 14): nothing the code does not use
    _forbidden(ext.read_custom_resource_definition, "operatorconfigurations.acid.zalan.do")
    _forbidden(custom.list_namespaced_custom_object, "acid.zalan.do", "v1", namespace, "postgresteams")
    _forbidden(client.AppsV1Api(operator_client).create_namespaced_deployment, namespace, client.V1Deployment(
        metadata=client.V1ObjectMeta(name="d"), spec=client.V1DeploymentSpec(
            selector=client.V1LabelSelector(match_labels={"a": "b"}),
            template=client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels={"a": "b"}),
                                              spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="busybox")])))))
    _forbidden(client.BatchV1Api(operator_client).list_namespaced_cron_job, namespace)
    _forbidden(core.create_namespaced_config_map, namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cm")))
    _forbidden(core.read_namespaced_pod, "p", namespace)
    _forbidden(core.patch_namespaced_persistent_volume_claim, "pgdata-x-0", namespace, {"metadata": {"labels": {"a": "b"}}})
    _forbidden(client.CoordinationV1Api(operator_client).create_namespaced_lease,
               namespace, client.V1Lease(metadata=client.V1ObjectMeta(name="l"),
                                         spec=client.V1LeaseSpec(holder_identity="x")))


def test_postgres_pod_role(api_client, operator_rbac):
    role = client.RbacAuthorizationV1Api(api_client).read_cluster_role("postgres-pod")
    rules = {(tuple(r.api_groups), tuple(r.resources)): set(r.verbs) for r in role.rules}
    assert {"get", "list", "patch", "update", "watch", "create", "delete"} <= rules[(("",), ("configmaps",))]
    assert {"get", "list", "patch", "update", "watch", "create", "delete"} <= rules[(("",), ("endpoints",))]
    assert rules[(("",), ("pods",))] == {"get", "list", "patch", "update", "watch"}
    assert rules[(("",), ("services",))] == {"create"}
