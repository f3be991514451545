"""Service compare/update rules (reference §4.3)."""

from ansible_collections.pgkube.operator.plugins.module_utils.plan.service import plan_service


def svc(t, name="acid-test", type_="ClusterIP", ranges=None, annotations=None, selector=None, policy=None, node_port=None):
    spec = {"type": type_, "ports": [{"name": "postgresql", "port": 5432, "targetPort": 5432}]}
    if ranges is not None:
        spec["loadBalancerSourceRanges"] = ranges
    if selector is not None:
        spec["selector"] = selector
    if policy:
        spec["externalTrafficPolicy"] = policy
    if node_port:
        spec["ports"][0]["nodePort"] = node_port
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": t.NS, "labels": dict(t.OBJECT_LABELS, **{"spilo-role": "master"}),
                     "annotations": dict(annotations or {}), "ownerReferences": [dict(t.OWNER)]},
        "spec": spec,
    }


def test_same_service_as_returned_by_server_is_noop(t):
    for desired in (svc(t), svc(t, type_="LoadBalancer", ranges=["10.0.0.0/8"], policy="Local"), svc(t, type_="NodePort"),
                    svc(t, name="acid-test-repl", selector=dict(t.SELECTOR, **{"spilo-role": "replica"}))):
        assert plan_service(desired, t.server(desired), t.cfg()) == []


def test_missing_service_is_created(t):
    actions = plan_service(svc(t), None, t.cfg())
    assert [(a.action, a.reason) for a in actions] == [("create", "service acid-test does not exist: created")]


def test_type_change_replaces_keeping_cluster_ip_and_resource_version(t):
    observed = t.server(svc(t))
    actions = plan_service(svc(t, type_="LoadBalancer", ranges=["127.0.0.1/32"], policy="Cluster"), observed, t.cfg())
    assert len(actions) == 1 and actions[0].action == "replace"
    assert "service type changed from ClusterIP to LoadBalancer" in actions[0].reason
    body = actions[0].body
    assert body["spec"]["clusterIP"] == "10.96.0.42" and body["spec"]["clusterIPs"] == ["10.96.0.42"]
    assert body["metadata"]["resourceVersion"] == "4711"


def test_switch_away_from_load_balancer_clears_source_ranges(t):
    observed = t.server(svc(t, type_="LoadBalancer", ranges=["10.0.0.0/8"]))
    actions = plan_service(svc(t), observed, t.cfg())
    assert actions[0].action == "replace"
    assert "from LoadBalancer to ClusterIP (load balancer source ranges cleared)" in actions[0].reason
    spec = actions[0].body["spec"]
    assert "loadBalancerSourceRanges" not in spec
    assert "externalTrafficPolicy" not in spec
    assert "nodePort" not in spec["ports"][0]
    assert spec["clusterIP"] == "10.96.0.42"


def test_source_ranges_are_order_insensitive(t):
    desired = svc(t, type_="LoadBalancer", ranges=["10.0.0.0/8", "192.168.0.0/16"])
    observed = t.server(svc(t, type_="LoadBalancer", ranges=["192.168.0.0/16", "10.0.0.0/8"]))
    assert plan_service(desired, observed, t.cfg()) == []


def test_source_ranges_change_replaces_and_keeps_node_ports(t):
    observed = t.server(svc(t, type_="LoadBalancer", ranges=["10.0.0.0/8"]))
    actions = plan_service(svc(t, type_="LoadBalancer", ranges=["10.1.0.0/16"]), observed, t.cfg())
    assert actions[0].action == "replace"
    assert "loadBalancerSourceRanges changed" in actions[0].reason
    assert actions[0].body["spec"]["ports"][0]["nodePort"] == 30000


def test_owner_references_change_replaces(t):
    desired = svc(t)
    observed = t.server(desired)
    desired["metadata"]["ownerReferences"][0]["uid"] = "new-uid"
    actions = plan_service(desired, observed, t.cfg())
    assert actions[0].action == "replace" and "owner references changed" in actions[0].reason


def test_selector_change_replaces(t):
    observed = t.server(svc(t))
    actions = plan_service(svc(t, selector=dict(t.SELECTOR, **{"spilo-role": "master"})), observed, t.cfg())
    assert actions[0].action == "replace" and "selector changed" in actions[0].reason


def test_external_traffic_policy_change_replaces(t):
    observed = t.server(svc(t, type_="LoadBalancer", ranges=["10.0.0.0/8"]))
    actions = plan_service(svc(t, type_="LoadBalancer", ranges=["10.0.0.0/8"], policy="Local"), observed, t.cfg())
    assert "externalTrafficPolicy changed from Cluster to Local" in actions[0].reason


def test_user_set_node_port_change_replaces(t):
    observed = t.server(svc(t, type_="NodePort"))
    actions = plan_service(svc(t, type_="NodePort", node_port=31432), observed, t.cfg())
    assert actions[0].action == "replace"
    assert "nodePort of port postgresql changed from 30000 to 31432" in actions[0].reason
    assert actions[0].body["spec"]["ports"][0]["nodePort"] == 31432


def test_annotation_only_change_is_a_merge_patch(t):
    observed = t.server(svc(t, annotations={"old": "1", "kubectl.kubernetes.io/last-applied-configuration": "{}"}))
    actions = plan_service(svc(t, annotations={"external-dns.alpha.kubernetes.io/hostname": "db.example.com"}), observed, t.cfg())
    assert len(actions) == 1 and actions[0].action == "patch"
    assert actions[0].patch == {"metadata": {"annotations": {"external-dns.alpha.kubernetes.io/hostname": "db.example.com", "old": None}}}
    assert "annotations changed (added: external-dns.alpha.kubernetes.io/hostname; removed: old)" in actions[0].reason


def test_ignored_service_annotations_are_not_touched(t):
    observed = t.server(svc(t, annotations={"service.beta.kubernetes.io/aws-load-balancer-id": "x"}))
    cfg = t.cfg(ignored_annotations=["service.beta.kubernetes.io/aws-load-balancer-id"])
    assert plan_service(svc(t), observed, cfg) == []
