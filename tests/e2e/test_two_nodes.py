"""A second node on the same machine (its own kubelet, containerd, cgroup root and pod CIDR):
pods on the two nodes reach each other by pod IP and by Service name, and a cluster's master moves
off a cordoned node. Runs last (``two_nodes``): the session's cluster keeps the node."""

import json
import uuid

import pytest

from clusters import E2E_NAMESPACE as NS
from clusters import OPERATOR_NAMESPACE, delete_cluster, query, watch_until_running
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


def _operator_config_has(kube, key, value):
    """Every running operator replica serves a configuration with ``key`` = ``value`` on /config."""
    pods = kube.core.list_namespaced_pod(OPERATOR_NAMESPACE, label_selector="app.kubernetes.io/component=operator").items
    running = [p for p in pods if p.status.phase == "Running" and not p.metadata.deletion_timestamp]
    for pod in running:
        text = kube.kubectl("get", "--raw", "/api/v1/namespaces/%s/pods/%s:8080/proxy/config" % (OPERATOR_NAMESPACE, pod.metadata.name),
                            check=False).stdout
        if not _find_key(json.loads(text or "{}"), key, value):
            return False
    return bool(running)


def _find_key(obj, key, value):
    if isinstance(obj, dict):
        return any((k == key and v == value) or _find_key(v, key, value) for k, v in obj.items())
    if isinstance(obj, list):
        return any(_find_key(v, key, value) for v in obj)
    return False


def test_a_cordoned_masters_node_moves_the_master_to_the_other_node(kube, second_node, operator, wait_for):  # pylint: disable=unused-argument
    """Pods on two nodes (required pod anti-affinity from the operator configuration); the master's
    node is cordoned: the operator switches over to the replica on the other node."""
    name = "acid-drain"
    kube.core.patch_namespaced_config_map("postgres-operator", OPERATOR_NAMESPACE, {"data": {"enable_pod_antiaffinity": "true"}})
    cordoned = None
    try:
        wait_for(lambda: _operator_config_has(kube, "enable_pod_antiaffinity", True), what="the operator to take the new configuration")
        body = {"apiVersion": "acid.zalan.do/v1", "kind": "postgresql", "metadata": {"name": name},
                "spec": {"teamId": "acid", "numberOfInstances": 2, "volume": {"size": "1Gi"}, "postgresql": {"version": "17"},
                         "resources": {"requests": {"cpu": "10m", "memory": "100Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}}}
        kube.apply([body], namespace=NS)
        watch_until_running(kube, NS, name, timeout=420)
        pods = kube.core.list_namespaced_pod(NS, label_selector="cluster-name=%s" % name).items
        assert len(set(p.spec.node_name for p in pods)) == 2, [(p.metadata.name, p.spec.node_name) for p in pods]
        master = [p for p in pods if (p.metadata.labels or {}).get("spilo-role") == "master"][0]
        cordoned = master.spec.node_name
        kube.kubectl("cordon", cordoned)

        def moved():
            now = kube.core.list_namespaced_pod(NS, label_selector="cluster-name=%s,spilo-role=master" % name).items
            return len(now) == 1 and now[0].spec.node_name != cordoned and now[0]
        new_master = wait_for(moved, timeout=300, what="the master to move off node %s" % cordoned)
        assert new_master.metadata.name != master.metadata.name
        wait_for(lambda: any(r == "Switchover" and "being drained" in m for _t, r, m in kube.events(NS, name)),
                 what="the Switchover Event naming the drain")
        wait_for(lambda: query(kube, NS, name, "select pg_is_in_recovery()") == [(False,)], what="the master Service to reach the new master")
    finally:
        if cordoned:
            kube.kubectl("uncordon", cordoned, check=False)
        delete_cluster(kube, NS, name)
        kube.core.patch_namespaced_config_map("postgres-operator", OPERATOR_NAMESPACE, {"data": {"enable_pod_antiaffinity": "false"}})
