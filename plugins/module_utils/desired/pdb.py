# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two PodDisruptionBudgets of a cluster (reference §4.6).

- primary PDB ``pdb_name_format`` (``postgres-<c>-pdb``): ``minAvailable: 1``; 0 when PDBs are
  disabled or the manifest asks for no instances; with ``pdb_master_label_selector: false`` and
  Patroni ``synchronous_mode_strict`` it is ``synchronous_node_count + 1``. Selector: selector
  labels plus ``spilo-role=master`` unless ``pdb_master_label_selector`` is false.
- critical-operation PDB ``postgres-<c>-critical-op-pdb``: ``maxUnavailable: 0``, ``"100%"``
  when PDBs are disabled or there are no instances. Selector: selector labels plus
  ``critical-operation=true`` (the label pods carry during a major version upgrade).

The instance count is the raw manifest value (no min/max clamp), as upstream.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.desired import labels as labels_mod
from ansible_collections.pgkube.operator.plugins.module_utils.desired import naming

API_VERSION = "policy/v1"
CRITICAL_OPERATION_LABEL = "critical-operation"


def _relaxed(cluster, cfg):
    """True when the budgets must not block anything (PDBs disabled, or no instances)."""
    instances = cluster.spec.get("numberOfInstances") or 0
    return (not cfg.enable_pod_disruption_budget) or instances <= 0


def primary_min_available(cluster, cfg):
    """``minAvailable`` of the primary PDB."""
    if _relaxed(cluster, cfg):
        return 0
    patroni = cluster.spec.get("patroni") or {}
    if not cfg.pdb_master_label_selector and patroni.get("synchronous_mode_strict"):
        node_count = patroni.get("synchronous_node_count")
        if not isinstance(node_count, int) or isinstance(node_count, bool) or node_count < 1:
            node_count = 1
        return node_count + 1
    return 1


def critical_op_max_unavailable(cluster, cfg):
    """``maxUnavailable`` of the critical-operation PDB: 0, or ``"100%"`` when relaxed."""
    return "100%" if _relaxed(cluster, cfg) else 0


def _metadata(cluster, cfg, name):
    metadata = {"name": name, "namespace": cluster.namespace, "labels": labels_mod.object_labels(cluster, cfg)}
    annotations = labels_mod.inherited_annotations(cluster, cfg)
    if annotations:
        metadata["annotations"] = annotations
    return metadata


def build_primary_pdb(cluster, cfg):
    """The primary PodDisruptionBudget."""
    selector = labels_mod.selector_labels(cluster, cfg)
    if cfg.pdb_master_label_selector:
        selector = labels_mod.role_labels(selector, cfg, "master")
    return {
        "apiVersion": API_VERSION,
        "kind": "PodDisruptionBudget",
        "metadata": _metadata(cluster, cfg, naming.primary_pdb_name(cluster.name, cfg)),
        "spec": {"minAvailable": primary_min_available(cluster, cfg), "selector": {"matchLabels": selector}},
    }


def build_critical_op_pdb(cluster, cfg):
    """The critical-operation PodDisruptionBudget."""
    selector = labels_mod.selector_labels(cluster, cfg)
    selector[CRITICAL_OPERATION_LABEL] = "true"
    return {
        "apiVersion": API_VERSION,
        "kind": "PodDisruptionBudget",
        "metadata": _metadata(cluster, cfg, naming.critical_op_pdb_name(cluster.name)),
        "spec": {"maxUnavailable": critical_op_max_unavailable(cluster, cfg), "selector": {"matchLabels": selector}},
    }


def build_pdbs(cluster, cfg):
    """``[primary PDB, critical-operation PDB]``."""
    return [build_primary_pdb(cluster, cfg), build_critical_op_pdb(cluster, cfg)]
