# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pod scheduling: node affinity, pod anti-affinity and tolerations (reference §2.4, §4.2, §5.10)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

TOLERATION_FIELDS = ("key", "operator", "value", "effect")


def node_readiness_term(node_readiness_label):
    """One NodeSelectorTerm requiring every readiness label (``In [value]``), keys sorted."""
    return {"matchExpressions": [{"key": key, "operator": "In", "values": [node_readiness_label[key]]}
                                 for key in sorted(node_readiness_label)]}


def node_affinity(node_readiness_label, manifest_node_affinity, merge="OR"):
    """``{"nodeAffinity": ...}`` or ``None``.

    The readiness label becomes a required term. With manifest required terms, ``OR``
    appends it as an extra term, ``AND`` appends its expressions to every manifest term;
    any other merge value leaves the manifest terms alone (as upstream does).
    """
    node_readiness_label = node_readiness_label or {}
    if not node_readiness_label and not manifest_node_affinity:
        return None
    result = copy.deepcopy(manifest_node_affinity) if manifest_node_affinity else {}
    if node_readiness_label:
        term = node_readiness_term(node_readiness_label)
        required = result.get("requiredDuringSchedulingIgnoredDuringExecution")
        if required is None:
            result["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [term]}
        elif merge == "OR":
            required["nodeSelectorTerms"] = list(required.get("nodeSelectorTerms") or []) + [term]
        elif merge == "AND":
            required["nodeSelectorTerms"] = [
                {"matchExpressions": list(existing.get("matchExpressions") or []) + copy.deepcopy(term["matchExpressions"])}
                for existing in required.get("nodeSelectorTerms") or []
            ]
    return {"nodeAffinity": result}


def pod_affinity_term(labels, topology_key):
    return {"labelSelector": {"matchLabels": dict(labels)}, "topologyKey": topology_key}


def pod_anti_affinity(labels, topology_key, preferred):
    """Anti-affinity against pods with ``labels``: required, or preferred with weight 1."""
    term = pod_affinity_term(labels, topology_key)
    if preferred:
        return {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "podAffinityTerm": term}]}
    return {"requiredDuringSchedulingIgnoredDuringExecution": [term]}


def build_affinity(cluster, cfg, pod_labels):
    """The pod ``affinity`` of the database pods, or ``None``."""
    nodes = node_affinity(cfg.node_readiness_label, cluster.spec.get("nodeAffinity"), cfg.node_readiness_label_merge)
    if not cfg.enable_pod_antiaffinity:
        return nodes
    result = {"podAntiAffinity": pod_anti_affinity(pod_labels, cfg.pod_antiaffinity_topology_key,
                                                   cfg.pod_antiaffinity_preferred_during_scheduling)}
    if nodes:
        result["nodeAffinity"] = nodes["nodeAffinity"]
    return result


def config_toleration(toleration):
    """The single ``toleration`` of the operator configuration as a list (empty fields left out)."""
    toleration = toleration or {}
    if not any(toleration.get(field) for field in TOLERATION_FIELDS):
        return []
    return [dict((field, toleration[field]) for field in TOLERATION_FIELDS if toleration.get(field))]


def build_tolerations(cluster, cfg):
    """Manifest ``tolerations`` when non-empty (they replace the global one), else cfg ``toleration``."""
    manifest = cluster.spec.get("tolerations") or []
    if manifest:
        return copy.deepcopy(list(manifest))
    return config_toleration(cfg.toleration)
