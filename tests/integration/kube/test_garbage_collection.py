"""kube-controller-manager's garbage collector removes children of a deleted postgresql CR."""

from kubernetes import client
from kubernetes.client.exceptions import ApiException


def _exists(read, *args):
    try:
        read(*args)
        return True
    except ApiException as exc:
        if exc.status == 404:
            return False
        raise


def test_children_of_deleted_cluster_are_collected(api_client, crds, namespace, wait_for):
    custom = client.CustomObjectsApi(api_client)
    core = client.CoreV1Api(api_client)
    apps = client.AppsV1Api(api_client)
    name = "acid-gc"
    cr = custom.create_namespaced_custom_object("acid.zalan.do", "v1", namespace, "postgresqls", {
        "apiVersion": "acid.zalan.do/v1", "kind": "postgresql", "metadata": {"name": name},
        "spec": {"teamId": "acid", "numberOfInstances": 1, "postgresql": {"version": "17"},
                 "volume": {"size": "1Gi"}}})
    owner = client.V1OwnerReference(
        api_version="acid.zalan.do/v1", kind="postgresql", name=name,
        uid=cr["metadata"]["uid"], controller=True, block_owner_deletion=True)
    labels = {"application": "spilo", "cluster-name": name}

    core.create_namespaced_config_map(namespace, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name=name + "-owned", owner_references=[owner])))
    core.create_namespaced_service(namespace, client.V1Service(
        metadata=client.V1ObjectMeta(name=name, labels=labels, owner_references=[owner]),
        spec=client.V1ServiceSpec(ports=[client.V1ServicePort(name="postgresql", port=5432)])))
    apps.create_namespaced_stateful_set(namespace, client.V1StatefulSet(
        metadata=client.V1ObjectMeta(name=name, labels=labels, owner_references=[owner]),
        spec=client.V1StatefulSetSpec(
            replicas=1, service_name=name,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[
                    client.V1Container(name="postgres", image="ghcr.io/zalando/spilo-17:4.0-p2")])))))
    # control: an unowned object must survive
    core.create_namespaced_config_map(namespace, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name=name + "-unowned")))

    # The StatefulSet controller (KCM) creates pod-0, owned by the StatefulSet (no kubelet runs it).
    wait_for(lambda: _exists(core.read_namespaced_pod, name + "-0", namespace),
             what="pod %s-0 created by the StatefulSet controller" % name)

    custom.delete_namespaced_custom_object("acid.zalan.do", "v1", namespace, "postgresqls", name)

    # The garbage collector picks up a new CRD kind on its 30 s discovery resync: allow for it.

    wait_for(lambda: not _exists(core.read_namespaced_config_map, name + "-owned", namespace),
             what="owned ConfigMap collected", timeout=180)
    wait_for(lambda: not _exists(core.read_namespaced_service, name, namespace),
             what="owned Service collected", timeout=180)
    wait_for(lambda: not _exists(apps.read_namespaced_stateful_set, name, namespace),
             what="owned StatefulSet collected", timeout=180)
    assert _exists(core.read_namespaced_config_map, name + "-unowned", namespace)
