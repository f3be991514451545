"""A second node on the same machine (its own kubelet, containerd, cgroup root and pod CIDR):
pods on the two nodes reach each other by pod IP and by Service name. Runs last (``two_nodes``):
the session's cluster keeps the node."""

import uuid

import pytest

from test_local_node import _helper_pod, _phase

pytestmark = pytest.mark.two_nodes


@pytest.fixture(name="second_node", scope="module")
def second_node_fixture(kube):
    names = [n.metadata.name for n in kube.core.list_node().items]
    if len(names) < 2:
        kube.cluster.add_node()
    return sorted(n.metadata.name for n in kube.core.list_node().items)


def test_pods_on_two_nodes_reach_each_other(kube, second_node, wait_for):
    first, second = second_node[0], second_node[1]
    nodes = dict((n.metadata.name, n) for n in kube.core.list_node().items)
    assert nodes[first].spec.pod_cidr != nodes[second].spec.pod_cidr
    namespace = "nodes-%s" % uuid.uuid4().hex[:6]
    kube.ensure_namespace(namespace)
    try:
        server = _helper_pod(kube, "server", "mkdir -p /www && echo served-by-$NODE > /www/index.html && "
                                             "exec httpd -f -p 8080 -h /www", node=first)
        server["metadata"]["labels"] = {"app": "server"}
        server["spec"]["containers"][0]["env"] = [{"name": "NODE", "value": first}]
        service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "server"},
                   "spec": {"selector": {"app": "server"}, "ports": [{"port": 80, "targetPort": 8080}]}}
        kube.apply([server, service], namespace=namespace)
        wait_for(lambda: _phase(kube, namespace, "server") == "Running", what="the server pod")
        ip = kube.core.read_namespaced_pod("server", namespace).status.pod_ip
        client = _helper_pod(kube, "client", "wget -qO- http://%s:8080/ && wget -qO- http://server.%s.svc.cluster.local/"
                             % (ip, namespace), node=second)
        kube.apply([client], namespace=namespace)
        wait_for(lambda: _phase(kube, namespace, "client") in ("Succeeded", "Failed"), what="the client pod")
        log = kube.core.read_namespaced_pod_log("client", namespace)
        assert _phase(kube, namespace, "client") == "Succeeded", log
        assert log.split() == ["served-by-" + first] * 2
        assert kube.core.read_namespaced_pod("client", namespace).spec.node_name == second
    finally:
        kube.kubectl("delete", "namespace", namespace, "--wait=false", check=False)
