# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Master / replica Service builder (reference §4.3, upstream k8sres_test/cluster_test service cases)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.desired import services
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig
from ansible_collections.pgkube.operator.tests.unit import builders

DNS = services.EXTERNAL_DNS_ANNOTATION
ELB = services.ELB_TIMEOUT_ANNOTATION


def make_cluster(**kwargs):
    """The shared cluster, with this file's ``metadata.uid``."""
    return builders.make_cluster(uid="uid-1", **kwargs)


def make_cfg(**overrides):
    """The shared configuration, without the master LoadBalancer unless overridden."""
    return builders.make_cfg(base=builders.NO_MASTER_LOAD_BALANCER, **overrides)


def test_default_services_shape():
    cluster, cfg = make_cluster(), make_cfg()
    master, replica = services.build_services(cluster, cfg)
    assert master == {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "acid-test",
            "namespace": "default",
            "labels": {"application": "spilo", "cluster-name": "acid-test", "team": "acid", "spilo-role": "master"},
        },
        "spec": {
            "type": "ClusterIP",
            "ports": [{"name": "postgresql", "port": 5432, "protocol": "TCP", "targetPort": 5432}],
            "selector": {"application": "spilo", "cluster-name": "acid-test", "spilo-role": "master"},
        },
    }
    assert replica["metadata"]["name"] == "acid-test-repl"
    assert replica["metadata"]["labels"]["spilo-role"] == "replica"
    assert replica["spec"]["selector"] == {"application": "spilo", "cluster-name": "acid-test", "spilo-role": "replica"}


def test_master_has_no_selector_in_endpoints_mode():
    cluster, cfg = make_cluster(), make_cfg(kubernetes_use_configmaps=False)
    master, replica = services.build_services(cluster, cfg)
    assert "selector" not in master["spec"]
    assert replica["spec"]["selector"]["spilo-role"] == "replica"


def test_selector_uses_configured_labels():
    cfg = make_cfg(cluster_labels={"application": "db", "tier": "data"}, cluster_name_label="pg-cluster", pod_role_label="role")
    master = services.build_service(make_cluster(), cfg, "master")
    assert master["spec"]["selector"] == {"application": "db", "tier": "data", "pg-cluster": "acid-test", "role": "master"}


def test_configmap_default_enables_master_load_balancer():
    """ConfigMap source, key absent: enable_master_load_balancer defaults to true (reference §3.3)."""
    cfg = OperatorConfig.from_dict({})
    assert services.service_type(make_cluster(), cfg, "master") == "LoadBalancer"
    assert services.service_type(make_cluster(), cfg, "replica") == "ClusterIP"


@pytest.mark.parametrize("manifest_flag, cfg_flag, expected", [
    (None, False, "ClusterIP"),
    (None, True, "LoadBalancer"),
    (True, False, "LoadBalancer"),
    (False, True, "ClusterIP"),
    (True, True, "LoadBalancer"),
])
def test_load_balancer_manifest_over_config(manifest_flag, cfg_flag, expected):
    spec = {} if manifest_flag is None else {"enableMasterLoadBalancer": manifest_flag, "enableReplicaLoadBalancer": manifest_flag}
    cfg = make_cfg(enable_master_load_balancer=cfg_flag, enable_replica_load_balancer=cfg_flag)
    cluster = make_cluster(**spec)
    assert services.build_service(cluster, cfg, "master")["spec"]["type"] == expected
    assert services.build_service(cluster, cfg, "replica")["spec"]["type"] == expected


@pytest.mark.parametrize("spec, cfg, expected", [
    ({"enableMasterNodePort": True}, {}, "NodePort"),
    ({"enableMasterNodePort": True, "enableMasterLoadBalancer": True}, {}, "NodePort"),
    ({}, {"enable_master_node_port": True, "enable_master_load_balancer": True}, "NodePort"),
    ({"enableMasterLoadBalancer": True}, {"enable_master_node_port": True}, "NodePort"),
    ({"enableMasterNodePort": False}, {"enable_master_node_port": True, "enable_master_load_balancer": True}, "LoadBalancer"),
    ({"enableMasterNodePort": False}, {"enable_master_node_port": True}, "ClusterIP"),
])
def test_node_port_overrides_load_balancer(spec, cfg, expected):
    service = services.build_service(make_cluster(**spec), make_cfg(**cfg), "master")
    assert service["spec"]["type"] == expected
    if expected != "LoadBalancer":
        assert "loadBalancerSourceRanges" not in service["spec"]
        assert DNS not in service["metadata"].get("annotations", {})


def test_fixed_node_port_only_with_manifest_flag():
    cfg = make_cfg(external_traffic_policy="Local")
    with_flag = services.build_service(make_cluster(enableReplicaNodePort=True, replicaNodePort=30432), cfg, "replica")
    assert with_flag["spec"]["type"] == "NodePort"
    assert with_flag["spec"]["externalTrafficPolicy"] == "Local"
    assert with_flag["spec"]["ports"][0]["nodePort"] == 30432
    # enabled by the configuration only: Kubernetes picks the port
    cfg_only = services.build_service(make_cluster(replicaNodePort=30432), make_cfg(enable_replica_node_port=True), "replica")
    assert cfg_only["spec"]["type"] == "NodePort"
    assert "nodePort" not in cfg_only["spec"]["ports"][0]
    # flag without a port: no fixed port either
    no_port = services.build_service(make_cluster(enableReplicaNodePort=True), cfg, "replica")
    assert "nodePort" not in no_port["spec"]["ports"][0]


def test_load_balancer_source_ranges_default_to_localhost():
    cfg = make_cfg(enable_master_load_balancer=True)
    service = services.build_service(make_cluster(), cfg, "master")
    assert service["spec"]["loadBalancerSourceRanges"] == ["127.0.0.1/32"]
    assert service["spec"]["externalTrafficPolicy"] == "Cluster"
    empty = services.build_service(make_cluster(allowedSourceRanges=[]), cfg, "master")
    assert empty["spec"]["loadBalancerSourceRanges"] == ["127.0.0.1/32"]


def test_load_balancer_source_ranges_from_manifest():
    ranges = ["10.0.0.0/8", "192.168.1.0/24"]
    cluster = make_cluster(allowedSourceRanges=ranges, enableReplicaLoadBalancer=True)
    service = services.build_service(cluster, make_cfg(external_traffic_policy="Local"), "replica")
    assert service["spec"]["loadBalancerSourceRanges"] == ranges
    assert service["spec"]["externalTrafficPolicy"] == "Local"


def test_cluster_ip_has_no_load_balancer_fields():
    service = services.build_service(make_cluster(allowedSourceRanges=["10.0.0.0/8"]), make_cfg(), "master")
    assert "loadBalancerSourceRanges" not in service["spec"]
    assert "externalTrafficPolicy" not in service["spec"]
    assert "annotations" not in service["metadata"]


def test_annotation_precedence():
    cfg = make_cfg(custom_service_annotations={"a": "cfg", "b": "cfg", "c": "cfg"})
    cluster = make_cluster(serviceAnnotations={"b": "svc", "c": "svc"}, masterServiceAnnotations={"c": "master"},
                           replicaServiceAnnotations={"c": "replica"})
    master = services.build_service(cluster, cfg, "master")["metadata"]["annotations"]
    replica = services.build_service(cluster, cfg, "replica")["metadata"]["annotations"]
    assert master == {"a": "cfg", "b": "svc", "c": "master"}
    assert replica == {"a": "cfg", "b": "svc", "c": "replica"}


def test_external_dns_cannot_be_overridden_and_elb_timeout_can():
    cfg = make_cfg(enable_master_load_balancer=True, custom_service_annotations={DNS: "cfg.example.com"})
    cluster = make_cluster(name="acid-test", team="acid", namespace="db",
                           serviceAnnotations={DNS: "svc.example.com", ELB: "60"},
                           masterServiceAnnotations={DNS: "master.example.com"})
    annotations = services.build_service(cluster, cfg, "master")["metadata"]["annotations"]
    assert annotations[DNS] == "acid-test.db.db.example.com,test.acid.db.example.com"
    assert annotations[ELB] == "60"


def test_load_balancer_gets_default_elb_timeout_and_dns():
    cfg = make_cfg(enable_replica_load_balancer=True, db_hosted_zone="db.example.org")
    annotations = services.build_service(make_cluster(name="bar", team="acid"), cfg, "replica")["metadata"]["annotations"]
    assert annotations == {ELB: "3600", DNS: "bar-repl.default.db.example.org"}


def test_node_port_gets_no_dns_annotation():
    cfg = make_cfg(enable_master_load_balancer=True, enable_master_node_port=True)
    service = services.build_service(make_cluster(), cfg, "master")
    assert "annotations" not in service["metadata"]


@pytest.mark.parametrize("name, team, role, expected", [
    ("acid-test", "acid", "master", "acid-test.default.db.example.com,test.acid.db.example.com"),
    ("acid-test", "acid", "replica", "acid-test-repl.default.db.example.com,test-repl.acid.db.example.com"),
    ("acid-test", "ACID", "master", "acid-test.default.db.example.com,test.acid.db.example.com"),
    ("other-test", "acid", "master", "other-test.default.db.example.com"),
    ("acid", "acid", "master", "acid.default.db.example.com"),
])
def test_dns_name_with_legacy_team_prefix(name, team, role, expected):
    assert services.dns_name(make_cluster(name=name, team=team), make_cfg(), role) == expected


def test_dns_name_formats_are_lower_cased_and_configurable():
    cfg = make_cfg(master_dns_name_format="{cluster}.{team}.{namespace}.{hostedzone}",
                   master_legacy_dns_name_format="old-{cluster}.{team}.{hostedzone}", db_hosted_zone="DB.Example.COM")
    cluster = make_cluster(name="acid-test", team="Acid", namespace="prod")
    assert services.dns_name(cluster, cfg, "master") == "acid-test.acid.prod.db.example.com,old-test.acid.db.example.com"


def test_inherited_annotations_and_labels():
    cfg = make_cfg(inherited_annotations=["owner"], inherited_labels=["env"])
    cluster = make_cluster(labels={"env": "prod", "other": "x"}, annotations={"owner": "team-a", "note": "y"},
                           serviceAnnotations={"owner": "svc"})
    service = services.build_service(cluster, cfg, "replica")
    assert service["metadata"]["annotations"] == {"owner": "team-a"}
    assert service["metadata"]["labels"]["env"] == "prod"
    assert "other" not in service["metadata"]["labels"]
    assert "env" not in service["spec"]["selector"]


def test_unknown_role_is_rejected():
    with pytest.raises(ValueError):
        services.build_service(make_cluster(), make_cfg(), "standby")
