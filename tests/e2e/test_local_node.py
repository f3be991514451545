"""The local node itself: a kubelet with its own identity under the Node authorizer, cluster DNS
inside pods, dynamically provisioned volumes, logs and exec through the API server."""

import uuid

import pytest

from kubernetes import client
from kubernetes.client.exceptions import ApiException


def _helper_pod(kube, name, command, volume_claim=None, node=None):
    spec = {"restartPolicy": "Never", "terminationGracePeriodSeconds": 1,
            "containers": [{"name": "c", "image": kube.images["helper"], "imagePullPolicy": "Never",
                            "command": ["sh", "-c", command]}]}
    if volume_claim:
        spec["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
        spec["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": volume_claim}}]
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


@pytest.fixture(name="scratch")
def scratch_fixture(kube):
    name = "node-%s" % uuid.uuid4().hex[:6]
    kube.ensure_namespace(name)
    yield name
    kube.kubectl("delete", "namespace", name, "--wait=false", check=False)


def _phase(kube, namespace, name):
    return kube.core.read_namespaced_pod(name, namespace).status.phase


def test_the_node_is_ready_under_its_own_identity(kube):
    nodes = kube.core.list_node().items
    assert nodes, "no node registered"
    node = nodes[0]
    assert any(c.type == "Ready" and c.status == "True" for c in node.status.conditions)
    assert node.spec.pod_cidr and node.status.node_info.container_runtime_version.startswith("containerd://")
    # the kubelet's credentials are system:node:<name> in system:nodes: the Node authorizer lets it
    # read only what its pods need, so a Secret no pod of it uses is refused
    kubeconfig = kube.cluster.dir + "/kubeconfig-kubelet-" + node.metadata.name
    from kubernetes import config  # pylint: disable=import-outside-toplevel
    configuration = client.Configuration()
    config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
    as_node = client.CoreV1Api(client.ApiClient(configuration))
    with pytest.raises(ApiException) as err:
        as_node.read_namespaced_secret("anything", "default")
    assert err.value.status == 403
    review = client.AuthenticationV1Api(client.ApiClient(configuration)).create_self_subject_review(
        client.V1SelfSubjectReview())
    user = review.status.user_info
    assert user.username == "system:node:" + node.metadata.name and "system:nodes" in user.groups


def test_pods_resolve_service_names_and_get_provisioned_volumes(kube, scratch, wait_for):
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}
    pod = _helper_pod(kube, "dns", "nslookup kubernetes.default.svc.cluster.local && echo kept > /data/file "
                                   "&& cat /data/file", volume_claim="data")
    kube.apply([claim, pod], namespace=scratch)
    wait_for(lambda: _phase(kube, scratch, "dns") in ("Succeeded", "Failed"), what="the DNS pod to finish")
    log = kube.core.read_namespaced_pod_log("dns", scratch)
    assert _phase(kube, scratch, "dns") == "Succeeded", log
    assert "Address: 10.0.0.1" in log and "kept" in log
    pvc = kube.core.read_namespaced_persistent_volume_claim("data", scratch)
    assert pvc.status.phase == "Bound" and pvc.spec.storage_class_name == "local-path"


def test_exec_runs_through_the_api_server(kube, scratch, wait_for):
    kube.apply([_helper_pod(kube, "sleeper", "echo started; sleep 300")], namespace=scratch)
    wait_for(lambda: _phase(kube, scratch, "sleeper") == "Running", what="the pod to run")
    out = kube.kubectl("exec", "-n", scratch, "sleeper", "--", "sh", "-c", "echo $((6 * 7))").stdout
    assert out.strip() == "42"
    logs = kube.kubectl("logs", "-n", scratch, "sleeper").stdout
    assert logs.strip() == "started"
