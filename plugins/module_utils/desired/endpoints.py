# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Master Endpoints ``<c>`` (reference §4.4).

Only in Endpoints mode (``kubernetes_use_configmaps: false``): the master Service then has no
selector and Patroni writes the master's address into this object. A new cluster's Endpoints
has no subsets; the operator never fills them itself (Patroni does), so the desired object
carries none and the planner must not treat Patroni's subsets as drift.

In ConfigMap mode (the default) there is no operator-owned Endpoints object.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.desired import labels as labels_mod
from ansible_collections.pgkube.operator.plugins.module_utils.desired import naming


def endpoints_mode(cfg):
    """True when Patroni keeps its state in Endpoints (the master Service has no selector)."""
    return not cfg.kubernetes_use_configmaps


def build_master_endpoints(cluster, cfg):
    """The master Endpoints ``<c>``, or None in ConfigMap mode."""
    if not endpoints_mode(cfg):
        return None
    metadata = {
        "name": naming.master_service_name(cluster.name),
        "namespace": cluster.namespace,
        "labels": labels_mod.role_labels(labels_mod.object_labels(cluster, cfg), cfg, "master"),
    }
    annotations = labels_mod.inherited_annotations(cluster, cfg)
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Endpoints", "metadata": metadata}


def build_endpoints(cluster, cfg):
    """List of the operator-owned Endpoints objects (empty in ConfigMap mode)."""
    endpoints = build_master_endpoints(cluster, cfg)
    return [endpoints] if endpoints is not None else []
