# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PodDisruptionBudgets (reference §4.6): any change of the spec, the ownerReferences or the
annotations means delete + create, as upstream does. Labels that drift are merge-patched."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.pgkube.operator.plugins.module_utils.plan.actions import CREATE, PATCH, RECREATE, Action
from ansible_collections.pgkube.operator.plugins.module_utils.plan.compare import (
    annotations_reason,
    changed_paths,
    labels_reason,
    owner_references_equal,
)
from ansible_collections.pgkube.operator.plugins.module_utils.plan.merge_patch import merge_patch
from ansible_collections.pgkube.operator.plugins.module_utils.plan.object_meta import (
    annotations,
    labels,
    meta,
    owner_references,
    replacement_body,
)

KIND = "PodDisruptionBudget"
BUDGET_FIELDS = ("minAvailable", "maxUnavailable")


def pdb_reasons(desired, observed, cfg):
    reasons = []
    spec, current = desired.get("spec") or {}, observed.get("spec") or {}
    for field in BUDGET_FIELDS:
        mine, theirs = spec.get(field), current.get(field)
        if mine is None and theirs is None:
            continue
        if mine is None:
            reasons.append("PodDisruptionBudget %s %s removed" % (field, theirs))
        elif theirs is None:
            reasons.append("PodDisruptionBudget %s %s added" % (field, mine))
        elif str(mine) != str(theirs):
            reasons.append("PodDisruptionBudget %s changed from %s to %s" % (field, theirs, mine))
    selector, current_selector = spec.get("selector") or {}, current.get("selector") or {}
    if (selector.get("matchLabels") or {}) != (current_selector.get("matchLabels") or {}) or \
            (selector.get("matchExpressions") or []) != (current_selector.get("matchExpressions") or []):
        reasons.append("PodDisruptionBudget selector changed")
    others = dict((k, v) for k, v in spec.items() if k not in BUDGET_FIELDS and k != "selector")
    for path in changed_paths(others, current, ("spec",)):
        reasons.append("PodDisruptionBudget %s changed" % path)
    if not owner_references_equal(owner_references(desired), owner_references(observed)):
        reasons.append("PodDisruptionBudget owner references changed")
    reason = annotations_reason(annotations(desired), annotations(observed), cfg, "PodDisruptionBudget annotations")
    if reason:
        reasons.append(reason)
    return reasons


def plan_pdb(desired, observed, cfg):
    name, namespace = meta(desired).get("name"), meta(desired).get("namespace")
    if observed is None:
        return [Action(KIND, namespace, name, CREATE, "PodDisruptionBudget %s does not exist: created" % name, body=copy.deepcopy(desired))]
    reasons = pdb_reasons(desired, observed, cfg)
    if reasons:
        body = replacement_body(desired, observed, cfg, keep_resource_version=False)
        return [Action(KIND, namespace, name, RECREATE, "%s: recreated" % "; ".join(reasons), body=body)]
    reason = labels_reason(labels(desired), labels(observed), "PodDisruptionBudget labels")
    if reason:
        patch = merge_patch(observed, {"metadata": {"labels": labels(desired)}}, cfg)
        return [Action(KIND, namespace, name, PATCH, "%s: patched" % reason, patch=patch)]
    return []
