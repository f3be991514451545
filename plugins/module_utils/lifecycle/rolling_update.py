# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rolling update as a state machine stepped by reconciles (pure: pods in, one step out).

The state is on the pods themselves: a pod that must be recreated carries the annotation
``zalando-postgres-operator-rolling-update-required: "true"`` (set by the StatefulSet plan); the
pod the StatefulSet creates in its place does not. So a reconcile needs no memory to know where the
update stands, an operator killed at any point resumes where it was, and no pod is recreated twice
(the deletion is also bound to the flagged pod's uid).

``next_step(pods, role_label, instances, now, ...)`` returns one ``Step``:

- ``wait``: a pod is being deleted, a wanted pod is missing, not ready or not labelled by Patroni
  yet, or there is no single master; nothing is deleted while the cluster is short of a member,
  except a flagged pod that is down already (a broken pod must be replaceable);
- ``delete``: delete this flagged replica (replicas first; a broken one before a serving one);
- ``switchover``: every flagged replica is done and the master is flagged: switch over (the
  candidate comes from Patroni's ``GET /cluster``), then the old master is a flagged replica;
- ``delete`` of the master: a cluster of one pod, recreated without switchover (downtime);
- ``none``: no pod is flagged.

A step that waited longer than ``pod_deletion_wait_timeout`` (a pod stuck terminating) or
``pod_label_wait_timeout`` (a new pod not ready or without role label) carries a ``warning``;
the flag stays and the next reconcile goes on.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.pgkube.operator.plugins.module_utils.lifecycle import pods as pp

NONE = "none"
WAIT = "wait"
DELETE = "delete"
SWITCHOVER = "switchover"


class Step:
    """One step: ``action`` (NONE, WAIT, DELETE, SWITCHOVER), the ``pod`` it acts on (a pod dict),
    a human ``message``, ``warning`` (a stuck wait, or None), ``single`` (a one-pod cluster's master
    is deleted) and the progress ``done`` of ``total`` pods."""

    def __init__(self, action, message, pod=None, warning=None, single=False, done=0, total=0):
        self.action = action
        self.message = message
        self.pod = pod
        self.warning = warning
        self.single = single
        self.done = done
        self.total = total

    @property
    def pod_name(self):
        return pp.name(self.pod) if self.pod is not None else None

    def __repr__(self):
        return "Step(%s %s: %s)" % (self.action, self.pod_name, self.message)


def _order(pod):
    number = pp.ordinal(pp.name(pod))
    return -(number if number is not None else -1), pp.name(pod)


def _stuck(live, terminating, role_label, now, label_timeout, deletion_timeout):
    """A warning about a pod stuck terminating or not becoming a member, or None."""
    for pod in terminating:
        age = pp.age_seconds(pp.meta(pod).get("deletionTimestamp"), now)
        if age is not None and age > deletion_timeout:
            return "pod %s is still being deleted after %ds (pod_deletion_wait_timeout %ds)" % (pp.name(pod), age, deletion_timeout)
    for pod in live:
        if pp.serving(pod, role_label) or pp.flagged(pod):
            continue
        age = pp.age_seconds(pp.meta(pod).get("creationTimestamp"), now)
        if age is not None and age > label_timeout:
            return "pod %s is not ready with a Patroni role after %ds (pod_label_wait_timeout %ds)" % (pp.name(pod), age, label_timeout)
    return None


def _not_serving(live, missing, role_label):
    names = sorted(pp.name(p) for p in live if not pp.serving(p, role_label))
    parts = []
    if names:
        parts.append("pod%s %s not ready with a Patroni role" % ("s" if len(names) > 1 else "", ", ".join(names)))
    if missing:
        parts.append("pod%s %s not created yet" % ("s" if len(missing) > 1 else "", ", ".join(missing)))
    return "; ".join(parts)


def next_step(pods, role_label, instances, cluster_name, now=None, pod_label_wait_timeout=600, pod_deletion_wait_timeout=600):
    """The next step of the rolling update of these pods; see the module docstring."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    live = [p for p in pods or [] if not pp.terminating(p)]
    terminating = [p for p in pods or [] if pp.terminating(p)]
    flagged = [p for p in live if pp.flagged(p)]
    total = max(int(instances or 0), len(live))
    done = total - len(flagged)
    if not flagged:
        return Step(NONE, "no pod waits for a rolling update", done=done, total=total)

    def step(action, message, pod=None, single=False):
        warning = _stuck(live, terminating, role_label, now, pod_label_wait_timeout, pod_deletion_wait_timeout) if action == WAIT else None
        return Step(action, message, pod=pod, warning=warning, single=single, done=done, total=total)

    if terminating:
        return step(WAIT, "waiting for pod %s to be deleted" % ", ".join(sorted(pp.name(p) for p in terminating)))
    present = set(pp.name(p) for p in live)
    missing = ["%s-%d" % (cluster_name, i) for i in range(int(instances or 0)) if "%s-%d" % (cluster_name, i) not in present]
    masters = [p for p in live if pp.is_master(p, role_label)]
    master = masters[0] if len(masters) == 1 else None
    broken = sorted((p for p in flagged if not pp.serving(p, role_label) and not pp.is_master(p, role_label)), key=_order)

    if master is None or not pp.ready(master):
        if len(live) == 1 and flagged and not pp.serving(flagged[0], role_label) and not missing:
            return step(DELETE, "pod %s is the only pod, flagged and down: recreated" % pp.name(flagged[0]), flagged[0], single=True)
        if len(masters) > 1:
            return step(WAIT, "waiting for a single master (pods labelled master: %s)" % ", ".join(sorted(pp.name(p) for p in masters)))
        return step(WAIT, "waiting for Patroni to elect a master")
    if broken:
        return step(DELETE, "pod %s is flagged and not serving: recreated first" % pp.name(broken[0]), broken[0])
    others_down = _not_serving(live, missing, role_label)
    if others_down:
        return step(WAIT, "waiting for %s" % others_down)
    replicas = sorted((p for p in flagged if not pp.is_master(p, role_label)), key=_order)
    if replicas:
        return step(DELETE, "replica %s recreated" % pp.name(replicas[0]), replicas[0])
    if len(live) == 1:
        return step(DELETE, "master %s is the only pod: recreated without switchover (the cluster is down until it is back)"
                    % pp.name(master), master, single=True)
    return step(SWITCHOVER, "every replica is recreated: switching over from the master %s" % pp.name(master), master)


def drain_step(pods, role_label, instances, node_is_ready, flagged_pending=False):
    """The master's node is not ready (``node_is_ready(pod)`` False): SWITCHOVER away from it, DELETE a
    single-pod cluster's master (it is rescheduled elsewhere), or WAIT; NONE when the master's
    node is ready or a rolling update is under way (it moves the master anyway)."""
    live = [p for p in pods or [] if not pp.terminating(p)]
    masters = [p for p in live if pp.is_master(p, role_label)]
    if flagged_pending or len(masters) != 1 or node_is_ready(masters[0]):
        return Step(NONE, "the master's node is ready")
    master = masters[0]
    where = "the master %s is on node %s, which is being drained" % (pp.name(master), pp.node_name(master))
    if len(live) == 1 and int(instances or 0) <= 1:
        return Step(DELETE, where + ": a single-pod cluster's master is recreated (downtime)", pod=master, single=True)
    if any(not pp.serving(p, role_label) for p in live):
        return Step(WAIT, where + "; waiting for every member to be ready before the switchover")
    return Step(SWITCHOVER, where + ": switching over", pod=master)
