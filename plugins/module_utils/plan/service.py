# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Services: compare and update rules of reference §4.3.

A change of type, ``loadBalancerSourceRanges`` (order-insensitive), ownerReferences,
selector, ``externalTrafficPolicy``, a user-set ``nodePort`` or the ports is applied with a
full replacement (PUT) that keeps what the server allocated: ``clusterIP(s)``, IP families,
and node ports / health check node port while the type still needs them. Switching away
from ``LoadBalancer`` drops the source ranges (the desired object has none). Changes of
annotations or labels alone are a merge patch of the metadata.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.pgkube.operator.plugins.module_utils.plan.actions import CREATE, PATCH, REPLACE, Action
from ansible_collections.pgkube.operator.plugins.module_utils.plan.compare import (
    annotations_reason,
    changed_paths,
    contains,
    is_empty,
    labels_reason,
    owner_references_equal,
    source_ranges_equal,
)
from ansible_collections.pgkube.operator.plugins.module_utils.plan.merge_patch import merge_patch
from ansible_collections.pgkube.operator.plugins.module_utils.plan.object_meta import (
    annotations,
    labels,
    meta,
    owner_references,
    replacement_body,
)

KIND = "Service"
EXTERNAL_TYPES = ("NodePort", "LoadBalancer")
# Spec fields compared by a dedicated rule below, or allocated by the server.
HANDLED = ("type", "loadBalancerSourceRanges", "selector", "externalTrafficPolicy", "ports",
           "clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "healthCheckNodePort", "allocateLoadBalancerNodePorts")


def _type(service):
    return ((service or {}).get("spec") or {}).get("type") or "ClusterIP"


def _traffic_policy(service):
    spec = (service or {}).get("spec") or {}
    value = spec.get("externalTrafficPolicy")
    if not value and _type(service) in EXTERNAL_TYPES:
        return "Cluster"
    return value or None


def _port_key(port):
    return (port.get("port"), port.get("protocol") or "TCP")


def _ports_reasons(desired, observed):
    mine = (desired.get("spec") or {}).get("ports") or []
    theirs = (observed.get("spec") or {}).get("ports") or []
    if len(mine) != len(theirs):
        return ["number of ports changed from %d to %d" % (len(theirs), len(mine))]
    reasons = []
    for port, current in zip(mine, theirs):
        label = port.get("name") or port.get("port")
        if port.get("nodePort") and port.get("nodePort") != current.get("nodePort"):
            reasons.append("nodePort of port %s changed from %s to %s" % (label, current.get("nodePort"), port.get("nodePort")))
        without = dict((k, v) for k, v in port.items() if k != "nodePort")
        if not contains(current, without):
            reasons.append("port %s changed" % label)
    return reasons


def service_reasons(desired, observed):
    """Reasons for a full update (PUT) of a Service; empty when only metadata may differ."""
    reasons = []
    spec, current = desired.get("spec") or {}, observed.get("spec") or {}
    if _type(desired) != _type(observed):
        reason = "service type changed from %s to %s" % (_type(observed), _type(desired))
        if _type(observed) == "LoadBalancer" and current.get("loadBalancerSourceRanges"):
            reason += " (load balancer source ranges cleared)"
        reasons.append(reason)
    if not source_ranges_equal(spec.get("loadBalancerSourceRanges"), current.get("loadBalancerSourceRanges")):
        if _type(desired) == "LoadBalancer" or _type(desired) == _type(observed):
            reasons.append("loadBalancerSourceRanges changed")
    if not owner_references_equal(owner_references(desired), owner_references(observed)):
        reasons.append("owner references changed")
    if (spec.get("selector") or {}) != (current.get("selector") or {}):
        reasons.append("selector changed")
    if _traffic_policy(desired) != _traffic_policy(observed) and _type(desired) in EXTERNAL_TYPES:
        reasons.append("externalTrafficPolicy changed from %s to %s" % (_traffic_policy(observed), _traffic_policy(desired)))
    reasons.extend(_ports_reasons(desired, observed))
    others = dict((k, v) for k, v in spec.items() if k not in HANDLED)
    for path in changed_paths(others, current, ("spec",)):
        reasons.append("%s changed" % path)
    return reasons


def _keep_allocations(body, observed):
    """Keep server allocations across a PUT, as far as the new type allows them."""
    spec = body.setdefault("spec", {})
    current = observed.get("spec") or {}
    for key in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy"):
        if is_empty(spec.get(key)) and not is_empty(current.get(key)):
            spec[key] = copy.deepcopy(current[key])
    if _type(body) == "ClusterIP":
        for key in ("loadBalancerSourceRanges", "externalTrafficPolicy", "healthCheckNodePort", "allocateLoadBalancerNodePorts"):
            spec.pop(key, None)
        for port in spec.get("ports") or []:
            port.pop("nodePort", None)
        return body
    allocated = dict((_port_key(p), p.get("nodePort")) for p in current.get("ports") or [] if p.get("nodePort"))
    for port in spec.get("ports") or []:
        if not port.get("nodePort") and _port_key(port) in allocated:
            port["nodePort"] = allocated[_port_key(port)]
    if _type(body) == "LoadBalancer" and _type(observed) == "LoadBalancer":
        for key in ("healthCheckNodePort", "allocateLoadBalancerNodePorts", "loadBalancerClass"):
            if is_empty(spec.get(key)) and not is_empty(current.get(key)):
                if key != "healthCheckNodePort" or _traffic_policy(body) == "Local":
                    spec[key] = copy.deepcopy(current[key])
    if _type(body) != "LoadBalancer":
        spec.pop("loadBalancerSourceRanges", None)
    return body


def plan_service(desired, observed, cfg):
    """Actions (0 or 1) that bring the observed Service to the desired one."""
    name, namespace = meta(desired).get("name"), meta(desired).get("namespace")
    if observed is None:
        return [Action(KIND, namespace, name, CREATE, "service %s does not exist: created" % name, body=copy.deepcopy(desired))]
    reasons = service_reasons(desired, observed)
    metadata_reasons = [r for r in (annotations_reason(annotations(desired), annotations(observed), cfg),
                                    labels_reason(labels(desired), labels(observed))) if r]
    if reasons:
        body = _keep_allocations(replacement_body(desired, observed, cfg), observed)
        return [Action(KIND, namespace, name, REPLACE, "%s: service updated" % "; ".join(reasons + metadata_reasons), body=body)]
    if metadata_reasons:
        patch = merge_patch(observed, {"metadata": {"annotations": annotations(desired), "labels": labels(desired)}}, cfg)
        if patch:
            return [Action(KIND, namespace, name, PATCH, "%s: service metadata patched" % "; ".join(metadata_reasons), patch=patch)]
    return []
