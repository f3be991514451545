# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Objects with simple rules (reference §4.4, §4.7).

- Endpoints the operator creates (master Endpoints in Endpoints mode): created if missing;
  afterwards only ownerReferences, labels and annotations are synced, and annotations are
  only added or updated, never removed (Patroni writes its leader state into them).
- Patroni's own objects (``<c>-leader/-config/-sync/-failover`` ConfigMaps or Endpoints,
  the ``<c>-config`` Service): never created by us; metadata synced as above.
- ServiceAccount: created if missing; only the IRSA annotation is ever updated.
- RoleBinding: created if missing, never updated.
- Anything else (CronJob, pooler Deployment, ...): created if missing, otherwise a merge
  patch of every field the desired object sets.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.pgkube.operator.plugins.module_utils.plan.actions import CREATE, PATCH, Action
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
)

IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
IGNORED_TOP_LEVEL = ("apiVersion", "kind", "status")


def _create(desired, what=None):
    name = meta(desired).get("name")
    return Action(desired.get("kind"), meta(desired).get("namespace"), name, CREATE,
                  "%s %s does not exist: created" % (what or desired.get("kind"), name), body=copy.deepcopy(desired))


def plan_metadata_only(desired, observed, cfg, create_missing=True):
    """Create if missing (when ``create_missing``); else sync ownerReferences, labels and annotations (add/update only)."""
    if observed is None:
        return [_create(desired)] if create_missing else []
    kind, name = desired.get("kind"), meta(desired).get("name")
    reasons = [r for r in (annotations_reason(annotations(desired), annotations(observed), cfg, "%s annotations" % kind, removals=False),
                           labels_reason(labels(desired), labels(observed), "%s labels" % kind)) if r]
    patch = merge_patch(observed, {"metadata": {"annotations": annotations(desired), "labels": labels(desired)}}, cfg, remove_annotations=False)
    if not owner_references_equal(owner_references(desired), owner_references(observed)):
        reasons.append("%s owner references changed" % kind)
        patch.setdefault("metadata", {})["ownerReferences"] = copy.deepcopy(owner_references(desired))
    if not reasons or not patch:
        return []
    return [Action(kind, meta(desired).get("namespace"), name, PATCH, "%s: metadata patched" % "; ".join(reasons), patch=patch)]


def plan_endpoints(desired, observed, cfg):
    return plan_metadata_only(desired, observed, cfg, create_missing=True)


def plan_patroni_object(desired, observed, cfg):
    return plan_metadata_only(desired, observed, cfg, create_missing=False)


def plan_service_account(desired, observed, cfg):
    if observed is None:
        return [_create(desired)]
    wanted = annotations(desired).get(IRSA_ANNOTATION)
    if wanted and annotations(observed).get(IRSA_ANNOTATION) != wanted:
        return [Action("ServiceAccount", meta(desired).get("namespace"), meta(desired).get("name"), PATCH,
                       "ServiceAccount annotation %s changed: patched" % IRSA_ANNOTATION,
                       patch={"metadata": {"annotations": {IRSA_ANNOTATION: wanted}}})]
    return []


def plan_create_only(desired, observed, cfg):
    return [] if observed is not None else [_create(desired)]


def plan_generic(desired, observed, cfg):
    """Create, or merge-patch the fields the desired object sets (annotations exact, labels contained)."""
    if observed is None:
        return [_create(desired)]
    kind, name = desired.get("kind"), meta(desired).get("name")
    owned = dict((k, v) for k, v in desired.items() if k not in IGNORED_TOP_LEVEL)
    owned_meta = {"labels": labels(desired), "annotations": annotations(desired)}
    owned["metadata"] = owned_meta
    reasons = []
    for reason in (annotations_reason(annotations(desired), annotations(observed), cfg, "%s annotations" % kind),
                   labels_reason(labels(desired), labels(observed), "%s labels" % kind)):
        if reason:
            reasons.append(reason)
    body = dict((k, v) for k, v in owned.items() if k != "metadata")
    paths = changed_paths(body, observed)
    if paths:
        reasons.append("%s changed" % ", ".join(paths))
    patch = merge_patch(observed, owned, cfg)
    if not owner_references_equal(owner_references(desired), owner_references(observed)):
        reasons.append("owner references changed")
        patch.setdefault("metadata", {})["ownerReferences"] = copy.deepcopy(owner_references(desired))
    if not reasons or not patch:
        return []
    return [Action(kind, meta(desired).get("namespace"), name, PATCH, "%s: patched" % "; ".join(reasons), patch=patch)]
