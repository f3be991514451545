# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes Events about a ``postgresql`` resource (core/v1 Events, reference §5.13).

``EventRecorder(api).event(cr, "Normal", "Create", "Started creation of new cluster resources")``
creates an Event whose ``involvedObject`` is the resource. Identical Events (same resource uid,
type, reason and message) are deduplicated the way client-go's correlator does it: the Event
name is derived from those four values, so a repeat finds the existing Event with one read and
bumps its ``count`` and ``lastTimestamp`` instead of creating a new object. This works across
processes (the ansible engine runs a new process per reconcile).

Messages go through ``status.safe_message`` (secret-looking values masked, length capped).
In dry-run mode (``api.dry_run``) nothing is sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import socket

from ansible_collections.pgkube.operator.plugins.module_utils.errors import KubernetesError
from ansible_collections.pgkube.operator.plugins.module_utils.status import now_rfc3339, safe_message

NORMAL = "Normal"
WARNING = "Warning"

DEFAULT_COMPONENT = "pgkube-operator"


def involved_object(cr):
    """The ``involvedObject`` reference of a resource."""
    meta = cr.get("metadata") or {}
    ref = {
        "apiVersion": cr.get("apiVersion") or "acid.zalan.do/v1",
        "kind": cr.get("kind") or "postgresql",
        "name": meta.get("name"),
        "namespace": meta.get("namespace") or "default",
    }
    if meta.get("uid"):
        ref["uid"] = meta["uid"]
    return ref


def event_name(cr, event_type, reason, message):
    """Deterministic Event name: ``<resource name>.<16 hex of uid/type/reason/message>``."""
    ref = involved_object(cr)
    key = "\x00".join([ref.get("uid") or "", ref["namespace"], ref["name"] or "", event_type, reason, message])
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    prefix = (ref["name"] or "postgresql")[:253 - 17]
    return "%s.%s" % (prefix, digest)


def build_event(cr, event_type, reason, message, component=DEFAULT_COMPONENT, instance=None, now=None):
    """A new core/v1 Event (count 1) as a dict."""
    ref = involved_object(cr)
    message = safe_message(message)
    timestamp = now or now_rfc3339()
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": event_name(cr, event_type, reason, message), "namespace": ref["namespace"]},
        "involvedObject": ref,
        "type": event_type,
        "reason": reason,
        "message": message,
        "source": {"component": component},
        "reportingComponent": component,
        "firstTimestamp": timestamp,
        "lastTimestamp": timestamp,
        "count": 1,
    }
    if instance:
        event["source"]["host"] = instance
        event["reportingInstance"] = instance
    return event


def bump_patch(existing, now=None):
    """Merge patch that records one more occurrence of an existing Event."""
    return {"count": int(existing.get("count") or 1) + 1, "lastTimestamp": now or now_rfc3339()}


class EventRecorder:
    """Creates and deduplicates Events through a ``KubeApi``; never raises on API errors.

    ``recorded`` lists ``(type, reason, message)`` of every Event sent (tests and results);
    ``errors`` the API errors met (an Event that cannot be written must not fail a reconcile).
    """

    def __init__(self, api, component=DEFAULT_COMPONENT, instance=None):
        self.api = api
        self.component = component
        self.instance = instance if instance is not None else _hostname()
        self.recorded = []
        self.errors = []

    def event(self, cr, event_type, reason, message):
        """Record one Event; returns the Event dict sent (None in dry run or on error)."""
        message = safe_message(message)
        self.recorded.append((event_type, reason, message))
        if getattr(self.api, "dry_run", False):
            return None
        body = build_event(cr, event_type, reason, message, self.component, self.instance)
        name, namespace = body["metadata"]["name"], body["metadata"]["namespace"]
        try:
            existing = self.api.get("Event", "v1", namespace, name)
            if existing is not None:
                return self.api.patch("Event", "v1", namespace, name, bump_patch(existing))
            try:
                return self.api.create(body)
            except KubernetesError as exc:
                if exc.status != 409:
                    raise
                existing = self.api.get("Event", "v1", namespace, name)
                return self.api.patch("Event", "v1", namespace, name, bump_patch(existing or {}))
        except KubernetesError as exc:
            self.errors.append(str(exc))
            return None

    def normal(self, cr, reason, message):
        return self.event(cr, NORMAL, reason, message)

    def warning(self, cr, reason, message):
        return self.event(cr, WARNING, reason, message)


class NullRecorder(EventRecorder):
    """Records what would be sent, sends nothing."""

    def __init__(self):
        super(NullRecorder, self).__init__(None, instance="")

    def event(self, cr, event_type, reason, message):
        self.recorded.append((event_type, reason, safe_message(message)))
        return None


def _hostname():
    try:
        return socket.gethostname()
    except Exception:  # pylint: disable=broad-except
        return ""


__all__ = ["NORMAL", "WARNING", "DEFAULT_COMPONENT", "EventRecorder", "NullRecorder", "involved_object", "event_name",
           "build_event", "bump_patch"]
