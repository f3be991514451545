# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply a Plan of Kubernetes actions.

With ``api.dry_run`` every write is a server-side dry run: the API server
validates and defaults it but stores nothing. A ``recreate`` is then only the
dry-run delete (the create would collide with the object that still exists).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.pgkube.operator.plugins.module_utils.desired.naming import ROLLING_UPDATE_ANNOTATION
from ansible_collections.pgkube.operator.plugins.module_utils.errors import KubernetesError
from ansible_collections.pgkube.operator.plugins.module_utils.kube.kinds import api_version

_SERVER_FIELDS = ("resourceVersion", "uid", "creationTimestamp", "managedFields", "generation", "selfLink")


def _fresh(body):
    """A body fit for create: no server-owned metadata, no status."""
    obj = copy.deepcopy(body)
    for key in _SERVER_FIELDS:
        obj.get("metadata", {}).pop(key, None)
    obj.pop("status", None)
    return obj


# Namespace-level objects every cluster of the namespace shares (reference §4.7): when two
# reconciles create one at the same time, the second finds it made, which is what it wanted.
SHARED_KINDS = frozenset(["ServiceAccount", "RoleBinding"])


def _create(api, body):
    try:
        return api.create(_fresh(body))
    except KubernetesError as exc:
        if exc.status == 409 and body.get("kind") in SHARED_KINDS:
            return None
        raise


def _orphan_policy(kind):
    # A StatefulSet is replaced without touching its pods (reference §5.6).
    return "Orphan" if kind == "StatefulSet" else "Background"


def apply_action(api, action):
    """Carry out one action; returns the resulting object (or None)."""
    kind, namespace, name = action.kind, action.namespace, action.name
    version = (action.body or {}).get("apiVersion") or api_version(kind)
    if action.action == "create":
        return _create(api, action.body)
    if action.action == "patch":
        return api.patch(kind, version, namespace, name, action.patch)
    if action.action == "replace":
        return api.replace(action.body)
    if action.action == "recreate":
        api.delete(kind, version, namespace, name, propagation_policy=action.propagation_policy or _orphan_policy(kind))
        if api.dry_run:
            return None
        return api.create(_fresh(action.body))
    if action.action == "delete":
        policy = getattr(action, "propagation_policy", None) or _orphan_policy(kind)
        api.delete(kind, version, namespace, name, propagation_policy=policy)
        return None
    if action.action == "flag_rolling_update":
        patch = {"metadata": {"annotations": {ROLLING_UPDATE_ANNOTATION: "true"}}}
        for pod in action.pods or []:
            api.patch("Pod", "v1", namespace, pod, patch)
        return None
    raise ValueError("unknown action %r" % (action.action,))


def apply_plan(api, plan):
    """Carry out every action in order; returns the list of resulting objects by key."""
    results = {}
    for action in plan.actions:
        results[(action.kind, action.namespace, action.name)] = apply_action(api, action)
    return results
