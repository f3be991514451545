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

A long-lived process (the watcher's native engine) passes an ``EventMemory``: the Events it sent
and their counts. An Event it does not remember is created straight away (a 409 falls back to the
read and the bump: another process, or this one before a restart, sent it), one it remembers is
bumped without a read. A new cluster's Events then cost one write each and no read.

Messages go through ``status.safe_message`` (secret-looking values masked, length capped).
In dry-run mode (``api.dry_run``) nothing is sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import hashlib
import socket
import threading

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


class EventMemory:
    """Names and counts of the Events this process sent, the newest ``capacity`` of them; shared by
    the recorders of every worker thread."""

    def __init__(self, capacity=10000):
        self.capacity = capacity
        self._counts = collections.OrderedDict()
        self._lock = threading.Lock()

    def count(self, key):
        with self._lock:
            return self._counts.get(key)

    def remember(self, key, count):
        with self._lock:
            self._counts[key] = count
            self._counts.move_to_end(key)
            while len(self._counts) > self.capacity:
                self._counts.popitem(last=False)

    def forget(self, key):
        with self._lock:
            self._counts.pop(key, None)

    def __len__(self):
        return len(self._counts)


class EventRecorder:
    """Creates and deduplicates Events through a ``KubeApi``; never raises on API errors.

    ``recorded`` lists ``(type, reason, message)`` of every Event sent (tests and results);
    ``errors`` the API errors met (an Event that cannot be written must not fail a reconcile).
    """

    def __init__(self, api, component=DEFAULT_COMPONENT, instance=None, memory=None):
        self.api = api
        self.memory = memory
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
        try:
            if self.memory is None:
                return self._send(body)
            return self._send_remembered(body)
        except KubernetesError as exc:
            self.errors.append(str(exc))
            return None

    def _send(self, body):
        """Read first: bump the Event when it exists, else create it."""
        name, namespace = body["metadata"]["name"], body["metadata"]["namespace"]
        existing = self.api.get("Event", "v1", namespace, name)
        if existing is not None:
            return self.api.patch("Event", "v1", namespace, name, bump_patch(existing))
        return self._create_or_bump(body)

    def _create_or_bump(self, body):
        name, namespace = body["metadata"]["name"], body["metadata"]["namespace"]
        try:
            return self.api.create(body)
        except KubernetesError as exc:
            if exc.status != 409:
                raise
            existing = self.api.get("Event", "v1", namespace, name)
            return self.api.patch("Event", "v1", namespace, name, bump_patch(existing or {}))

    def _send_remembered(self, body):
        """No read: bump an Event this process remembers sending, create any other."""
        name, namespace = body["metadata"]["name"], body["metadata"]["namespace"]
        key = (namespace, name)
        count = self.memory.count(key)
        sent = None
        if count is not None:
            try:
                sent = self.api.patch("Event", "v1", namespace, name, bump_patch({"count": count}))
            except KubernetesError as exc:
                if exc.status != 404:  # expired (events have a TTL) or deleted: create it again
                    raise
                self.memory.forget(key)
        if sent is None:
            sent = self._create_or_bump(body)
        if isinstance(sent, dict):
            self.memory.remember(key, int(sent.get("count") or 1))
        return sent

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


__all__ = ["NORMAL", "WARNING", "DEFAULT_COMPONENT", "EventMemory", "EventRecorder", "NullRecorder", "involved_object", "event_name",
           "build_event", "bump_patch"]
