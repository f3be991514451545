# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vocabulary of a plan: ``Action`` (one write to the Kubernetes API) and ``Plan``.

An action never shows a Secret's data: ``repr``, ``summary()`` and ``redacted()`` are safe
to log, to return as module output and to put in Events. Only ``body`` and ``patch`` hold
the real payload, for the executor.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.pgkube.operator.plugins.module_utils.errors import PgkubeError

CREATE = "create"
PATCH = "patch"
REPLACE = "replace"
RECREATE = "recreate"
DELETE = "delete"
FLAG_ROLLING_UPDATE = "flag_rolling_update"
ACTIONS = (CREATE, PATCH, REPLACE, RECREATE, DELETE, FLAG_ROLLING_UPDATE)

ROLLING_UPDATE_ANNOTATION = "zalando-postgres-operator-rolling-update-required"
REDACTED = "<redacted>"


class PlanError(PgkubeError):
    """The desired state cannot be reached safely (e.g. a StatefulSet selector that adds labels)."""


def _redact_secret_payload(kind, payload):
    if payload is None or kind != "Secret":
        return copy.deepcopy(payload)
    result = copy.deepcopy(payload)
    for key in ("data", "stringData"):
        if isinstance(result.get(key), dict):
            result[key] = dict((k, REDACTED) for k in result[key])
    return result


class Action:
    """One write to the Kubernetes API, with a reason a person can read.

    ``action`` is one of ``ACTIONS``:

    - ``create``: ``body`` is the object to create;
    - ``patch``: ``patch`` is an RFC 7386 JSON merge patch;
    - ``replace``: ``body`` is the full object (``metadata.resourceVersion`` of the observed object set);
    - ``recreate``: delete, wait until gone, create ``body``; ``propagation_policy`` says how
      to delete (``Orphan`` for a StatefulSet, so that its pods keep running);
    - ``delete``: delete the object (``propagation_policy`` as above, ``None`` = server default);
    - ``flag_rolling_update``: annotate the pods named in ``pods`` (kind ``Pod``, ``name`` is the
      StatefulSet) with ``ROLLING_UPDATE_ANNOTATION: "true"``.
    """

    __slots__ = ("kind", "namespace", "name", "action", "reason", "body", "patch", "pods", "propagation_policy")

    def __init__(self, kind, namespace, name, action, reason, body=None, patch=None, pods=None, propagation_policy=None):
        if action not in ACTIONS:
            raise ValueError("unknown action %r (expected one of %s)" % (action, ", ".join(ACTIONS)))
        if not reason:
            raise ValueError("every action needs a reason")
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.action = action
        self.reason = reason
        self.body = body
        self.patch = patch
        self.pods = list(pods) if pods is not None else None
        self.propagation_policy = propagation_policy

    def summary(self):
        """``{kind, name, namespace, action, reason}``: safe to show anywhere."""
        return {
            "kind": self.kind,
            "name": self.name,
            "namespace": self.namespace,
            "action": self.action,
            "reason": self.reason,
        }

    def redacted(self):
        """The whole action as a dict, with Secret ``data`` / ``stringData`` values replaced (diff mode)."""
        result = self.summary()
        if self.body is not None:
            result["body"] = _redact_secret_payload(self.kind, self.body)
        if self.patch is not None:
            result["patch"] = _redact_secret_payload(self.kind, self.patch)
        if self.pods is not None:
            result["pods"] = list(self.pods)
        if self.propagation_policy:
            result["propagation_policy"] = self.propagation_policy
        return result

    def __repr__(self):
        return "Action(%s %s %s/%s: %s)" % (self.action, self.kind, self.namespace, self.name, self.reason)

    __str__ = __repr__


class Plan:
    """An ordered list of actions; empty means nothing to do.

    ``rolling_update_pods`` lists every pod that is (or will be, once the plan is applied)
    flagged for recreation, including pods that already carried the flag: the rolling update
    itself (switchover, pod deletion) is the executor's work and is not an action here.
    ``notes`` are sentences about things deliberately left alone (e.g. PVCs kept on delete).
    """

    def __init__(self, actions=None, notes=None, rolling_update_pods=None):
        self.actions = list(actions or [])
        self.notes = list(notes or [])
        self.rolling_update_pods = list(rolling_update_pods or [])

    @property
    def changed(self):
        return bool(self.actions)

    def add(self, action):
        self.actions.append(action)
        return action

    def extend(self, actions):
        self.actions.extend(actions)

    def merge(self, other):
        """Append another plan's actions, notes and pending pods."""
        self.actions.extend(other.actions)
        self.notes.extend(other.notes)
        for pod in other.rolling_update_pods:
            if pod not in self.rolling_update_pods:
                self.rolling_update_pods.append(pod)
        return self

    def summary(self):
        return [a.summary() for a in self.actions]

    def __len__(self):
        return len(self.actions)

    def __iter__(self):
        return iter(self.actions)

    def __bool__(self):
        return self.changed

    def __repr__(self):
        return "Plan(%s)" % ", ".join(repr(a) for a in self.actions)
