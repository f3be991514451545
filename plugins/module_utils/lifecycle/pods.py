# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts about a cluster's pods and nodes that the lifecycle steps decide on (pure functions)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json

from ansible_collections.pgkube.operator.plugins.module_utils.desired.naming import ROLLING_UPDATE_ANNOTATION
from ansible_collections.pgkube.operator.plugins.module_utils.status import pod_ready


def meta(obj):
    return (obj or {}).get("metadata") or {}


def name(pod):
    return meta(pod).get("name")


def ordinal(pod_name):
    tail = (pod_name or "").rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else None


def role(pod, role_label):
    return (meta(pod).get("labels") or {}).get(role_label)


def is_master(pod, role_label):
    return role(pod, role_label) == "master"


def flagged(pod):
    return (meta(pod).get("annotations") or {}).get(ROLLING_UPDATE_ANNOTATION) == "true"


def terminating(pod):
    return bool(meta(pod).get("deletionTimestamp"))


def ready(pod):
    return pod_ready(pod)


def serving(pod, role_label):
    """Ready and labelled by Patroni with a role: a member the cluster can count on."""
    return ready(pod) and bool(role(pod, role_label)) and not terminating(pod)


def patroni_status(pod):
    """The member data Patroni writes into the pod's ``status`` annotation (state, role, timeline,
    ``pending_restart``), as a dict; empty when missing or not JSON."""
    text = (meta(pod).get("annotations") or {}).get("status")
    try:
        found = json.loads(text) if text else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def node_name(pod):
    return (pod.get("spec") or {}).get("nodeName")


def pod_ip(pod):
    return (pod.get("status") or {}).get("podIP")


def parse_time(text):
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return None


def age_seconds(text, now):
    """Seconds from an RFC 3339 time stamp to ``now`` (None when there is no stamp)."""
    when = parse_time(text)
    return None if when is None else (now - when).total_seconds()


def with_flags(pods, names):
    """Copies of ``pods`` with the rolling-update flag set on ``names`` (what the plan just wrote)."""
    names = set(names or [])
    result = []
    for pod in pods or []:
        if name(pod) in names and not flagged(pod):
            pod = dict(pod, metadata=dict(meta(pod), annotations=dict(meta(pod).get("annotations") or {},
                                                                      **{ROLLING_UPDATE_ANNOTATION: "true"})))
        result.append(pod)
    return result


def node_ready(node, readiness_labels=None):
    """Upstream's node readiness: schedulable, or carrying every ``node_readiness_label`` label
    (when configured), or labelled ``master=true``. A master on a node that is not ready is moved."""
    if node is None:
        return True
    if not (node.get("spec") or {}).get("unschedulable"):
        return True
    labels = meta(node).get("labels") or {}
    if readiness_labels and all(labels.get(k) == v for k, v in readiness_labels.items()):
        return True
    return labels.get("master") == "true"


def node_end_of_life(node, readiness_labels=None):
    """A node no pod should move to: unschedulable, or missing a ``node_readiness_label`` label."""
    if node is None:
        return False
    if (node.get("spec") or {}).get("unschedulable"):
        return True
    labels = meta(node).get("labels") or {}
    return bool(readiness_labels) and not all(labels.get(k) == v for k, v in readiness_labels.items())
