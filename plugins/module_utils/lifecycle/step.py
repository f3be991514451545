# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The operator's work inside a live cluster, one step per reconcile (docs/lifecycle.md).

``run_lifecycle(api, cluster, cfg, pods, ...)`` runs after the cluster's objects are in sync and
does at most one disruptive thing (a pod deleted, a switchover, a Postgres restart), in this order:

1. **Patroni configuration**: ``GET /config`` of the master; one ``PATCH /config`` with what the
   manifest wants and Patroni does not have (patroni/config_patch.py). Nothing else this round:
   Patroni applies the change within ``loop_wait`` and marks members that need a restart.
2. **Restarts**: a member reporting ``pending_restart`` is restarted with ``POST /restart``, one
   per reconcile, in the order of patroni/restart_order.py; members flagged for a rolling update
   are left to it (they are recreated anyway).
3. **Rolling update** (lifecycle/rolling_update.py): flagged replicas deleted one by one, then a
   switchover (patroni/candidates.py), then the old master. When the Patroni configuration could
   not be read or written and every pod is serving, pod recreation waits for the next reconcile
   (a note and the condition say so; the sync itself has not failed, as upstream).
4. **Scale-down**: when the new ``numberOfInstances`` would remove the master's ordinal, the sync
   holds the StatefulSet's replicas and this step switches over to pod 0 first.
5. **Node drain**: the master on a node that is not ready (unschedulable, not labelled ready) is
   switched over to a replica on a node that is not at its end of life, inside the maintenance
   window when the cluster has one; a single-pod cluster's master is recreated.

Every step that waits asks to be run again (``requeue_after``) instead of sleeping, so a worker is
never held for longer than one Patroni call. Nothing here raises: failures are ``error`` (one
safe line), with Warning Events.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.pgkube.operator.plugins.module_utils import status as st
from ansible_collections.pgkube.operator.plugins.module_utils.errors import KubernetesError
from ansible_collections.pgkube.operator.plugins.module_utils.lifecycle import pods as pp
from ansible_collections.pgkube.operator.plugins.module_utils.lifecycle import rolling_update as ru
from ansible_collections.pgkube.operator.plugins.module_utils.model.maintenance import in_maintenance_window
from ansible_collections.pgkube.operator.plugins.module_utils.patroni.candidates import choose_candidate, leader_name
from ansible_collections.pgkube.operator.plugins.module_utils.patroni.client import PatroniClient, PatroniError
from ansible_collections.pgkube.operator.plugins.module_utils.patroni.config_patch import config_patch, desired_dynamic_config
from ansible_collections.pgkube.operator.plugins.module_utils.patroni.restart_order import pending_members, restart_order

ROLLING_UPDATE = "RollingUpdate"
DEFAULT_LOOP_WAIT = 10
HEALTHY_STATES = ("running", "streaming")


class LifecycleOutcome:
    """What the step did: ``events`` (type, reason, message), the ``RollingUpdate`` ``condition``,
    ``requeue_after`` (seconds, or None), ``error`` (one safe line, or None), ``changed``."""

    def __init__(self):
        self.events = []
        self.condition = None
        self.requeue_after = None
        self.error = None
        self.changed = False
        self.notes = []

    def event(self, event_type, reason, message):
        self.events.append((event_type, reason, message))

    def again(self, seconds):
        seconds = max(1.0, float(seconds))
        self.requeue_after = seconds if self.requeue_after is None else min(self.requeue_after, seconds)


def default_client_factory(cfg):
    timeout = float(getattr(cfg, "patroni_api_check_timeout", 5) or 5)

    def client_for(pod):
        return PatroniClient(pp.pod_ip(pod), timeout=timeout, name="pod %s" % pp.name(pod))
    return client_for


class _Run:
    """The state of one lifecycle step."""

    def __init__(self, api, cluster, cfg, pods, instances, previous, client_for, now, recreate_hold):
        self.api = api
        self.cluster = cluster
        self.cfg = cfg
        self.pods = list(pods or [])
        self.previous = previous or {}
        self.client_for = client_for or default_client_factory(cfg)
        self.now = now or datetime.datetime.now(datetime.timezone.utc)
        self.hold = recreate_hold
        self.role_label = cfg.pod_role_label
        self.out = LifecycleOutcome()
        self._members = None
        self.instances = int(instances or 0)
        self.interval = float(getattr(cfg, "resource_check_interval", 3) or 3)

    # -- facts

    def live(self):
        return [p for p in self.pods if not pp.terminating(p)]

    def master(self):
        masters = [p for p in self.live() if pp.is_master(p, self.role_label)]
        return masters[0] if len(masters) == 1 and pp.ready(masters[0]) and pp.pod_ip(masters[0]) else None

    def pod(self, name):
        for pod in self.live():
            if pp.name(pod) == name:
                return pod
        return None

    def members(self, master):
        if self._members is None:
            self._members = self.client_for(master).cluster().get("members") or []
        return self._members

    def loop_wait(self):
        try:
            return int(((self.cluster.spec or {}).get("patroni") or {}).get("loop_wait") or DEFAULT_LOOP_WAIT)
        except (TypeError, ValueError):
            return DEFAULT_LOOP_WAIT

    def node(self, pod):
        name = pp.node_name(pod)
        if not name:
            return None
        try:
            return self.api.read_listed("Node", "v1", name)
        except KubernetesError as exc:
            if exc.status == 403:
                self.out.notes.append("nodes cannot be read (403): node drains are not followed")
                return None
            raise

    def node_ready(self, pod):
        return pp.node_ready(self.node(pod), self.cfg.node_readiness_label or None)

    def node_end_of_life(self, pod):
        return pp.node_end_of_life(self.node(pod), self.cfg.node_readiness_label or None)

    # -- actions

    def delete(self, pod, message):
        """Delete this very pod (its uid): a pod recreated under its name in the meantime is left alone."""
        try:
            self.api.delete("Pod", "v1", self.cluster.namespace, pp.name(pod), uid=pp.meta(pod).get("uid"))
        except KubernetesError as exc:
            if exc.status != 409:
                raise
            self.out.notes.append("pod %s was recreated already" % pp.name(pod))
        self.out.changed = True
        self.out.notes.append(message)
        self.out.again(self.interval)

    def switchover(self, master, candidate, why):
        leader, target = pp.name(master), candidate
        self.out.event("Normal", "Switchover", "Switching over from %s to %s (%s)" % (leader, target, why))
        try:
            answer = self.client_for(master).switchover(leader, target)
        except PatroniError as exc:
            message = st.safe_message(str(exc))
            self.out.event("Warning", "Switchover", "Switchover from %s to %s FAILED: %s" % (leader, target, message))
            self.out.error = "switchover from %s to %s failed: %s" % (leader, target, message)
            return False
        self.out.changed = True
        self.out.event("Normal", "Switchover", "Successfully switched over from %s to %s: %s" % (leader, target, st.safe_message(answer)))
        self.out.again(self.interval)
        return True

    def candidate(self, master, exclude_end_of_life=True):
        def eligible(name):
            pod = self.pod(name)
            if pod is None or not pp.serving(pod, self.role_label) or pp.flagged(pod):
                return False
            return not (exclude_end_of_life and self.node_end_of_life(pod))
        synchronous = ((self.cluster.spec or {}).get("patroni") or {}).get("synchronous_mode") is True
        members = self.members(master)
        return choose_candidate(members, leader_name(members) or pp.name(master), eligible, synchronous)


def _condition(step, previous_status, generation):
    if step.action == ru.NONE:
        if previous_status and previous_status.get("status") == "True":
            return st.condition(ROLLING_UPDATE, "False", "Done", "Rolling update done - pods have been recreated", generation)
        if previous_status and previous_status.get("reason") == "Done":
            return st.condition(ROLLING_UPDATE, "False", "Done", previous_status.get("message"), generation)
        return st.condition(ROLLING_UPDATE, "False", "NotNeeded", "no pod waits for a rolling update", generation)
    message = "%d of %d pods done; %s" % (step.done, step.total, step.message)
    if step.warning:
        message += "; " + step.warning
    return st.condition(ROLLING_UPDATE, "True", "InProgress", message, generation)


def _sync_patroni_config(run, master):
    """Step 1: returns (patched, error)."""
    client = run.client_for(master)
    try:
        current = client.config()
        if not current:
            return False, None  # still bootstrapping or restoring: nothing to compare with
        patch, changed = config_patch(current, desired_dynamic_config(run.cluster.spec or {}, run.cfg))
        if patch is None:
            return False, None
        client.patch_config(patch)
    except PatroniError as exc:
        return False, st.safe_message(str(exc))
    if changed:
        run.out.event("Normal", "Patroni", "Patroni configuration updated: %s" % ", ".join(changed))
        run.out.changed = True
    run.out.again(run.loop_wait() + 2)
    return bool(changed), None


def _restart_pending(run, master):
    """Step 2: restart one member with a pending restart; returns True when it acted. Patroni
    writes ``pending_restart`` into each member pod's ``status`` annotation too, so ``GET /cluster``
    is asked only when one of them says so."""
    if not any(pp.patroni_status(p).get("pending_restart") for p in run.live()):
        return False
    members = run.members(master)
    leader = leader_name(members) or pp.name(master)
    pending = [m for m in pending_members(members) if run.pod(m.get("name")) is not None and not pp.flagged(run.pod(m.get("name")))]
    if not pending:
        return False
    order, names = restart_order(pending, leader)
    unhealthy = [m.get("name") for m in members if m.get("state") not in HEALTHY_STATES]
    if unhealthy:
        # not a block on the rolling update: a broken member may be the one it replaces
        run.out.notes.append("restart of %s waits for %s" % (", ".join(names), ", ".join(unhealthy)))
        run.out.again(run.interval)
        return False
    target = run.pod(names[0])
    run.out.event("Normal", "Update", "restarting Postgres server within pod %s (pending restart, %s)" % (names[0], order))
    try:
        answer = run.client_for(target).restart()
    except PatroniError as exc:
        run.out.error = "restart of pod %s failed: %s" % (names[0], st.safe_message(str(exc)))
        run.out.event("Warning", "Update", run.out.error)
        return True
    run.out.changed = True
    run.out.event("Normal", "Update", "Postgres server restart done for pod %s: %s" % (names[0], st.safe_message(answer)))
    run.out.again(run.interval)
    return True


def _rolling_update(run, config_error, generation):
    """Step 3; returns the step taken."""
    cfg = run.cfg
    step = ru.next_step(run.pods, run.role_label, run.instances, run.cluster.name, now=run.now,
                        pod_label_wait_timeout=float(cfg.pod_label_wait_timeout or 600),
                        pod_deletion_wait_timeout=float(cfg.pod_deletion_wait_timeout or 600))
    previous = run.previous
    in_progress = previous.get("status") == "True"
    if step.action == ru.NONE:
        if in_progress:
            run.out.event("Normal", "Update", "Rolling update done - pods have been recreated")
        run.out.condition = _condition(step, previous, generation)
        return step
    if config_error and all(pp.serving(p, run.role_label) for p in run.live()):
        run.out.notes.append("postpone pod recreation until next sync: %s" % config_error)
        run.out.condition = _condition(ru.Step(ru.WAIT, "postponed: " + config_error, done=step.done, total=step.total),
                                       previous, generation)
        return step
    if not in_progress and step.action != ru.WAIT:
        run.out.event("Normal", "Update", "Performing rolling update")
    if step.action == ru.WAIT:
        run.out.condition = _condition(step, previous, generation)
        if step.warning and step.warning not in (previous.get("message") or ""):
            run.out.event("Warning", "Update", "Rolling update waits: %s" % step.warning)
        run.out.again(run.interval if not step.warning else max(run.interval, 30))
        return step
    if step.action == ru.DELETE:
        if step.single:
            run.out.event("Normal", "Update", "Single-pod cluster: %s" % step.message)
        run.out.event("Normal", "Update", "Rolling update: deleting pod %s (%d of %d pods done)" % (step.pod_name, step.done, step.total))
        run.delete(step.pod, step.message)
        done = ru.Step(ru.WAIT, "pod %s deleted, waiting for its replacement" % step.pod_name, done=step.done, total=step.total)
        run.out.condition = _condition(done, previous, generation)
        return step
    master = step.pod
    candidate, why = run.candidate(master)
    if candidate is None:
        wait = ru.Step(ru.WAIT, "no switchover candidate: %s" % why, done=step.done, total=step.total)
        run.out.condition = _condition(wait, previous, generation)
        if wait.message not in (previous.get("message") or ""):
            run.out.event("Warning", "Switchover", "Rolling update waits for a switchover candidate: %s" % why)
        run.out.again(max(run.interval, 10))
        return step
    run.switchover(master, candidate, "rolling update")
    moved = ru.Step(ru.WAIT, "switched over from %s to %s; the old master is next" % (pp.name(master), candidate),
                    done=step.done, total=step.total)
    run.out.condition = _condition(moved, previous, generation)
    return step


def _scale_down_switchover(run):
    """Step 4: the sync held the replicas because the master's ordinal would go; returns True when it acted."""
    master = run.master()
    if master is None:
        run.out.again(run.interval)
        return True
    target = "%s-0" % run.cluster.name
    pod = run.pod(target)
    if pod is None or not pp.serving(pod, run.role_label):
        run.out.notes.append("scale-down waits for %s to be ready before the switchover" % target)
        run.out.again(run.interval)
        return True
    run.switchover(master, target, "scale-down to %d pods removes the master's ordinal" % run.hold)
    return True


def _drain(run):
    """Step 5: the master's node is not ready."""
    step = ru.drain_step(run.pods, run.role_label, run.instances, run.node_ready)
    if step.action == ru.NONE:
        return False
    windows = run.cluster.maintenance_windows() if hasattr(run.cluster, "maintenance_windows") else []
    if windows and not in_maintenance_window(windows, run.now):
        run.out.notes.append(step.message + "; the switchover waits for the maintenance window")
        run.out.again(60)
        return True
    if step.action == ru.WAIT:
        run.out.notes.append(step.message)
        run.out.again(run.interval)
        return True
    if step.action == ru.DELETE:
        run.out.event("Normal", "Update", step.message)
        run.delete(step.pod, step.message)
        return True
    candidate, why = run.candidate(step.pod)
    if candidate is None:
        run.out.event("Warning", "Switchover", "%s, but no replica on a ready node can take over: %s" % (step.message, why))
        run.out.again(60)
        return True
    run.switchover(step.pod, candidate, "node %s is being drained" % pp.node_name(step.pod))
    return True


def run_lifecycle(api, cluster, cfg, pods, instances, previous=None, client_for=None, now=None, generation=None, scale_hold=None):
    """One lifecycle step; see the module docstring. ``instances``: the pods wanted (clamped);
    ``previous``: the stored ``RollingUpdate``
    condition (None on a CRD that keeps no conditions); ``client_for(pod)``: a Patroni client of a
    pod (default: its pod IP, port 8008); ``scale_hold``: the replicas the sync kept because the
    master's ordinal would be removed (None when it held nothing)."""
    run = _Run(api, cluster, cfg, pods, instances, previous, client_for, now, scale_hold)
    try:
        _run(run, generation)
    except PatroniError as exc:
        run.out.error = st.safe_message(str(exc))
        run.out.again(run.interval)
    except KubernetesError as exc:
        run.out.error = st.safe_message(exc)
        run.out.again(run.interval)
    if run.out.condition is None:
        run.out.condition = _condition(ru.Step(ru.NONE, ""), run.previous, generation) if run.previous.get("status") != "True" \
            else dict(run.previous)
    return run.out


def _run(run, generation):
    if run.instances == 0 or not run.pods:
        run.out.condition = _condition(ru.Step(ru.NONE, ""), run.previous, generation)
        return
    master = run.master()
    config_error = None
    if master is not None:
        patched, config_error = _sync_patroni_config(run, master)
        if patched:
            return
        if config_error:
            # as upstream: not a failure of the sync (Postgres may serve well without its Patroni API),
            # but nothing that needs Patroni is done, and it is tried again
            run.out.notes.append("Patroni configuration not synced: %s" % config_error)
            run.out.again(30)
        if config_error is None and _restart_pending(run, master):
            return
    step = _rolling_update(run, config_error, generation)
    if step.action != ru.NONE:
        return
    if config_error:
        return
    if run.hold is not None:
        _scale_down_switchover(run)
        return
    _drain(run)
