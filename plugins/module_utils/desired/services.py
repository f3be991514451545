# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Master (``<c>``) and replica (``<c>-repl``) Services of a cluster (reference §4.3).

Rules, as the Zalando operator applies them:

- selector: the replica Service always selects ``selector labels + spilo-role=replica``;
  the master Service selects ``selector labels + spilo-role=master`` only when Patroni keeps
  its state in ConfigMaps (``kubernetes_use_configmaps``); in Endpoints mode it has no
  selector and the operator-created Endpoints ``<c>`` is filled by Patroni;
- type: NodePort when enabled (manifest flag, else configuration), which overrides the
  load balancer setting; else LoadBalancer when enabled (manifest flag, else configuration);
  else ClusterIP;
- LoadBalancer: ``loadBalancerSourceRanges`` = ``allowedSourceRanges`` or ``["127.0.0.1/32"]``,
  ``externalTrafficPolicy`` from the configuration;
- NodePort: ``externalTrafficPolicy`` from the configuration, and a fixed ``nodePort`` only
  when the manifest itself enables the NodePort and gives a port (configuration-level
  enabling leaves the port to Kubernetes);
- annotations: ``custom_service_annotations`` < ``serviceAnnotations`` <
  ``master/replicaServiceAnnotations``; a LoadBalancer additionally gets the AWS ELB idle
  timeout annotation (unless already given) and the external-dns hostname, which cannot be
  overridden by the annotations above; the inherited CR annotations are applied last.

Objects are plain dicts shaped like the API JSON. ``metadata.annotations`` is only present
when there is at least one annotation (the upstream operator sends none otherwise).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.desired import labels as labels_mod
from ansible_collections.pgkube.operator.plugins.module_utils.desired import naming

MASTER = "master"
REPLICA = "replica"
ROLES = (MASTER, REPLICA)

PG_PORT = 5432
PORT_NAME = "postgresql"
LOCALHOST_SOURCE_RANGE = "127.0.0.1/32"

EXTERNAL_DNS_ANNOTATION = "external-dns.alpha.kubernetes.io/hostname"
ELB_TIMEOUT_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout"
ELB_TIMEOUT_VALUE = "3600"

TYPE_CLUSTER_IP = "ClusterIP"
TYPE_LOAD_BALANCER = "LoadBalancer"
TYPE_NODE_PORT = "NodePort"

# role -> (manifest LB flag, cfg LB key, manifest NodePort flag, cfg NodePort key, manifest port field, extra annotations field)
_ROLE_FIELDS = {
    MASTER: ("enableMasterLoadBalancer", "enable_master_load_balancer", "enableMasterNodePort", "enable_master_node_port",
             "masterNodePort", "masterServiceAnnotations"),
    REPLICA: ("enableReplicaLoadBalancer", "enable_replica_load_balancer", "enableReplicaNodePort", "enable_replica_node_port",
              "replicaNodePort", "replicaServiceAnnotations"),
}


def _check_role(role):
    if role not in ROLES:
        raise ValueError("unknown service role %r (expected master or replica)" % (role,))
    return _ROLE_FIELDS[role]


def _manifest_or_config(cluster, cfg, field, key):
    """Tri-state manifest flag: an explicit manifest value wins, else the configuration value."""
    value = cluster.spec.get(field)
    if value is None:
        return bool(cfg.get(key, False))
    return bool(value)


def load_balancer_requested(cluster, cfg, role):
    """True when the manifest (or, when unset there, the configuration) asks for a LoadBalancer."""
    lb_field, lb_key = _check_role(role)[0:2]
    return _manifest_or_config(cluster, cfg, lb_field, lb_key)


def node_port_requested(cluster, cfg, role):
    """True when the manifest (or, when unset there, the configuration) asks for a NodePort."""
    np_field, np_key = _check_role(role)[2:4]
    return _manifest_or_config(cluster, cfg, np_field, np_key)


def service_type(cluster, cfg, role):
    """``NodePort`` (overrides the load balancer), ``LoadBalancer`` or ``ClusterIP``."""
    if node_port_requested(cluster, cfg, role):
        return TYPE_NODE_PORT
    if load_balancer_requested(cluster, cfg, role):
        return TYPE_LOAD_BALANCER
    return TYPE_CLUSTER_IP


def fixed_node_port(cluster, role):
    """The manifest's fixed node port, only when the manifest itself enables the NodePort; else None."""
    fields = _check_role(role)
    if cluster.spec.get(fields[2]) is not True:
        return None
    port = cluster.spec.get(fields[4])
    if isinstance(port, int) and not isinstance(port, bool) and port > 0:
        return port
    return None


def load_balancer_source_ranges(cluster):
    """``allowedSourceRanges``, or the localhost-only range when absent or empty."""
    ranges = cluster.spec.get("allowedSourceRanges")
    if ranges:
        return list(ranges)
    return [LOCALHOST_SOURCE_RANGE]


def _format(template, values):
    result = template
    for key, value in values:
        result = result.replace("{" + key + "}", value)
    return result


def cluster_name_without_team(cluster_name, team_id):
    """The part of ``cluster_name`` after a ``<teamId>-`` prefix (case-insensitive), or None."""
    team = team_id or ""
    if not team or len(cluster_name) < len(team) + 2:
        return None
    if cluster_name[:len(team) + 1].lower() != team.lower() + "-":
        return None
    return cluster_name[len(team) + 1:]


def dns_name(cluster, cfg, role, name=None):
    """Value of the external-dns hostname annotation: the DNS name, plus the legacy one
    (comma-separated) when the cluster name starts with ``<teamId>-``. Lower-cased.

    ``name`` replaces the cluster name in the templates (the pooler Services use ``<c>-pooler``);
    the legacy name is only added for the cluster's own Services.
    """
    _check_role(role)
    team = (cluster.spec.get("teamId") or "").lower()
    hosted_zone = cfg.db_hosted_zone
    if role == MASTER:
        current_format, legacy_format = cfg.master_dns_name_format, cfg.master_legacy_dns_name_format
    else:
        current_format, legacy_format = cfg.replica_dns_name_format, cfg.replica_legacy_dns_name_format
    current = _format(current_format, (("cluster", name or cluster.name), ("namespace", cluster.namespace),
                                       ("team", team), ("hostedzone", hosted_zone))).lower()
    if name is not None:
        return current
    short_name = cluster_name_without_team(cluster.name, cluster.spec.get("teamId"))
    if short_name is None:
        return current
    legacy = _format(legacy_format, (("cluster", short_name), ("team", team), ("hostedzone", hosted_zone))).lower()
    return current + "," + legacy


def custom_service_annotations(cluster, cfg, role):
    """``custom_service_annotations`` < ``serviceAnnotations`` < ``<role>ServiceAnnotations``."""
    role_field = _check_role(role)[5]
    annotations = dict(cfg.custom_service_annotations or {})
    annotations.update(cluster.spec.get("serviceAnnotations") or {})
    annotations.update(cluster.spec.get(role_field) or {})
    return annotations


def service_annotations(cluster, cfg, role):
    """All annotations of the role's Service (see the module docstring for the precedence)."""
    annotations = custom_service_annotations(cluster, cfg, role)
    if service_type(cluster, cfg, role) == TYPE_LOAD_BALANCER:
        annotations.setdefault(ELB_TIMEOUT_ANNOTATION, ELB_TIMEOUT_VALUE)
        annotations[EXTERNAL_DNS_ANNOTATION] = dns_name(cluster, cfg, role)
    annotations.update(labels_mod.inherited_annotations(cluster, cfg))
    return annotations


def service_selector(cluster, cfg, role):
    """The Service selector, or None for the master Service in Endpoints mode."""
    _check_role(role)
    if role == MASTER and not cfg.kubernetes_use_configmaps:
        return None
    return labels_mod.role_labels(labels_mod.selector_labels(cluster, cfg), cfg, role)


def build_service(cluster, cfg, role):
    """The master or replica Service (``role``: ``master`` or ``replica``)."""
    kind = service_type(cluster, cfg, role)
    port = {"name": PORT_NAME, "port": PG_PORT, "protocol": "TCP", "targetPort": PG_PORT}
    spec = {"type": kind, "ports": [port]}
    selector = service_selector(cluster, cfg, role)
    if selector is not None:
        spec["selector"] = selector
    if kind == TYPE_LOAD_BALANCER:
        spec["loadBalancerSourceRanges"] = load_balancer_source_ranges(cluster)
        spec["externalTrafficPolicy"] = cfg.external_traffic_policy
    elif kind == TYPE_NODE_PORT:
        spec["externalTrafficPolicy"] = cfg.external_traffic_policy
        node_port = fixed_node_port(cluster, role)
        if node_port is not None:
            port["nodePort"] = node_port

    metadata = {
        "name": naming.service_name(cluster.name, role),
        "namespace": cluster.namespace,
        "labels": labels_mod.role_labels(labels_mod.object_labels(cluster, cfg), cfg, role),
    }
    annotations = service_annotations(cluster, cfg, role)
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec}


def build_services(cluster, cfg):
    """``[master Service, replica Service]``."""
    return [build_service(cluster, cfg, role) for role in ROLES]
