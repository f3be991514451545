# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets (reference §4.5): a missing secret is created; an existing secret's data is the
source of truth and is never rewritten, unless the caller says this secret's data is owned
by us (an infrastructure role, a password rotation): then changed keys are patched.

Label, annotation and ownerReference drift is a merge patch of the metadata only.
Reasons name keys, never values.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy

from ansible_collections.pgkube.operator.plugins.module_utils.plan.actions import CREATE, PATCH, Action
from ansible_collections.pgkube.operator.plugins.module_utils.plan.compare import (
    annotations_reason,
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

KIND = "Secret"


def encoded_data(secret):
    """``data`` and ``stringData`` of a secret as one map of base64 strings."""
    result = dict((secret or {}).get("data") or {})
    for key, value in ((secret or {}).get("stringData") or {}).items():
        raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        result[key] = base64.b64encode(raw).decode("ascii")
    return result


def plan_secret(desired, observed, cfg, overwrite_data=None):
    """Actions (0 or 1) for one secret.

    ``overwrite_data`` is ``None`` (existing data is authoritative) or a short reason why our
    data wins, e.g. ``"infrastructure role"`` or ``"password rotation"``.
    """
    name, namespace = meta(desired).get("name"), meta(desired).get("namespace")
    if observed is None:
        return [Action(KIND, namespace, name, CREATE, "secret %s does not exist: created" % name, body=copy.deepcopy(desired))]
    reasons = []
    patch = {}
    if overwrite_data:
        mine, theirs = encoded_data(desired), encoded_data(observed)
        changed = sorted(k for k, v in mine.items() if theirs.get(k) != v)
        if changed:
            patch["data"] = dict((k, mine[k]) for k in changed)
            reasons.append("keys %s changed (%s)" % ("/".join(changed), overwrite_data))
    metadata = {"labels": labels(desired), "annotations": annotations(desired)}
    for reason in (labels_reason(labels(desired), labels(observed), "secret labels"),
                   annotations_reason(annotations(desired), annotations(observed), cfg, "secret annotations")):
        if reason:
            reasons.append(reason)
    if not owner_references_equal(owner_references(desired), owner_references(observed)):
        reasons.append("secret owner references changed")
        metadata["ownerReferences"] = copy.deepcopy(owner_references(desired))
    meta_patch = merge_patch(observed, {"metadata": metadata}, cfg)
    if "ownerReferences" in metadata:
        meta_patch.setdefault("metadata", {})["ownerReferences"] = metadata["ownerReferences"]
    patch.update(meta_patch)
    if not reasons or not patch:
        return []
    return [Action(KIND, namespace, name, PATCH, "%s: patched" % "; ".join(reasons), patch=patch)]
