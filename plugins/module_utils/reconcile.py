# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reconcile one ``postgresql`` resource: finalizer, validation, status, sync, Events.

``reconcile_cluster(api, cr, cfg, recorder=None, sync_roles=None) -> ReconcileResult`` is the
contract between the library and both engines of the watcher (native: called in-process;
ansible: the ``reconcile`` role calls it through ``postgres_cluster`` with ``reconcile: true``).

Order (reference §5.3-§5.5, §5.11, §5.12):

1. ``metadata.deletionTimestamp`` set: delete the cluster's objects (``cluster_sync.delete_cluster``)
   unless delete protection forbids it, then remove our finalizer. No status write.
2. Otherwise add our finalizer when ``enable_finalizers`` is on (remove it when off).
3. Validate the manifest: an invalid one gets status ``Invalid``, a Warning Event naming the field,
   and no exception.
4. Status ``Creating`` (no StatefulSet yet) or ``Updating`` (generation changed), written before the work.
5. ``cluster_sync.sync_cluster``, then ``sync_roles(cr, cfg)`` when given (both engines pass
   ``roles_step.make_sync_roles(api)``). Its outcome becomes the ``RolesSynced`` condition: a
   skipped step (no ready master yet, standby, no instances, database access off) is ``Unknown``
   and no failure; a failing step is ``False`` and is retried (``requeue``).
6. Final status ``Running`` or ``CreateFailed`` / ``UpdateFailed`` / ``SyncFailed``. A role step
   failing during a Sync keeps ``Running`` with ``Reconciled=False/RolesSyncFailed``.

A reconcile of a ``Running`` cluster with nothing to do makes no write at all: no status write
(the computed status equals the stored one), no Event. Only the status fields the installed CRD
keeps are compared and written (``status_schema``): on the Zalando operator's CRD that is
``PostgresClusterStatus`` alone, so there is no ``Update`` phase (it needs ``observedGeneration``)
and no PodsReady transition Event (it needs the ``PodsReady`` condition).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime

from ansible_collections.pgkube.operator.plugins.module_utils import status as st
from ansible_collections.pgkube.operator.plugins.module_utils.status_schema import learn_from_write, status_schema
from ansible_collections.pgkube.operator.plugins.module_utils.cluster_sync import delete_cluster, parse_cluster, sync_cluster
from ansible_collections.pgkube.operator.plugins.module_utils.errors import ConfigurationError, KubernetesError, ValidationError
from ansible_collections.pgkube.operator.plugins.module_utils.desired.labels import selector_labels
from ansible_collections.pgkube.operator.plugins.module_utils.events import NullRecorder
from ansible_collections.pgkube.operator.plugins.module_utils.model.unimplemented import ignored_message
from ansible_collections.pgkube.operator.plugins.module_utils.execute.kube import apply_plan
from ansible_collections.pgkube.operator.plugins.module_utils.lifecycle.pods import with_flags
from ansible_collections.pgkube.operator.plugins.module_utils.lifecycle.rolling_update import next_step
from ansible_collections.pgkube.operator.plugins.module_utils.lifecycle.step import ROLLING_UPDATE, run_lifecycle
from ansible_collections.pgkube.operator.plugins.module_utils.observe.cluster import observe_owned
from ansible_collections.pgkube.operator.plugins.module_utils.plan.planner import plan_delete

FINALIZER = "postgres-operator.acid.zalan.do"
API_VERSION = "acid.zalan.do/v1"
KIND = "postgresql"

RESOURCE_LIMITS = "ResourceLimits"
_CREATED_EVENT_KINDS = ("Endpoints", "Service", "StatefulSet")


class ReconcileResult:
    """What one reconcile did.

    ``status``: the cluster status after the run (``PostgresClusterStatus``; None when the
    resource is being deleted); ``changed``: something was written (objects, finalizer or status);
    ``actions``: summaries of the object actions; ``rolling_update_pods``: pods waiting for a
    rolling update; ``error``: a one-line safe message or None; ``requeue``: the caller should
    retry with backoff (a failure that may pass; not for invalid manifests); ``roles_result``: what
    ``sync_roles`` returned (a ``roles_step.RolesOutcome``), None when it did not run.
    """

    def __init__(self):
        self.status = None
        self.changed = False
        self.actions = []
        self.rolling_update_pods = []
        self.error = None
        self.requeue = False
        self.phase = None
        self.deleted = False
        self.finalizer_changed = False
        self.status_written = False
        self.warnings = []
        self.notes = []
        self.events = []
        self.roles_result = None
        self.exception = None
        self.requeue_after = None
        self.rolling_update = None

    def as_dict(self):
        return {
            "status": self.status,
            "changed": self.changed,
            "actions": list(self.actions),
            "rolling_update_pods": list(self.rolling_update_pods),
            "error": self.error,
            "requeue": self.requeue,
            "phase": self.phase,
            "deleted": self.deleted,
            "warnings": [str(w) for w in self.warnings],
            "notes": list(self.notes),
            "events": [{"type": t, "reason": r, "message": m} for t, r, m in self.events],
            "roles": self.roles_dict(),
            "requeue_after": self.requeue_after,
        }

    def roles_dict(self):
        """The role step's outcome as a dict (statements masked), or None when it did not run."""
        outcome = self.roles_result
        if outcome is None or isinstance(outcome, bool):
            return None
        if hasattr(outcome, "as_dict"):
            return outcome.as_dict()
        return dict(outcome) if isinstance(outcome, dict) else None

    def __repr__(self):
        return "ReconcileResult(status=%r, changed=%r, actions=%d, error=%r, requeue=%r)" % (
            self.status, self.changed, len(self.actions), self.error, self.requeue)


class _Context:
    """State shared by the steps of one reconcile."""

    def __init__(self, api, cr, cfg, recorder, result, manage_finalizer=True, patroni_client_for=None):
        self.manage_finalizer = manage_finalizer
        self.patroni_client_for = patroni_client_for
        self.api = api
        self.cr = cr
        self.cfg = cfg
        self.recorder = recorder
        self.result = result
        meta = cr.get("metadata") or {}
        self.name = meta.get("name")
        self.namespace = meta.get("namespace") or "default"
        self.generation = meta.get("generation")
        self.current_status = cr.get("status") if isinstance(cr.get("status"), dict) else {}
        self.schema = status_schema(api)

    def event(self, event_type, reason, message):
        self.recorder.event(self.cr, event_type, reason, message)
        self.result.events.append(self.recorder.recorded[-1])

    def write_status(self, cluster_status, message=None, reason=None, observed=True, extra_conditions=None, reconciled_ok=True,
                     waiting_for=None):
        """Write the status when it differs from the stored one; returns True when written."""
        new = st.build_status(self.current_status, cluster_status, self.generation, message, reason, observed, extra_conditions,
                              reconciled_ok, waiting_for)
        self.result.status = cluster_status
        patch = st.status_patch(self.schema.restrict(self.current_status), self.schema.restrict(new))
        if patch is None:
            return False
        fresh = status_schema(self.api, refresh=True)
        if fresh != self.schema:
            self.schema = fresh
            patch = st.status_patch(fresh.restrict(self.current_status), fresh.restrict(new))
            if patch is None:
                return False
        stored = self.api.patch(KIND, API_VERSION, self.namespace, self.name, patch, subresource="status")
        self.schema = learn_from_write(self.api, patch["status"], (stored or {}).get("status")) or self.schema
        self.current_status = self.schema.restrict(new)
        self.result.status_written = True
        self.result.changed = True
        return True


def _finalizers(cr):
    return list(((cr.get("metadata") or {}).get("finalizers")) or [])


def _set_finalizers(ctx, finalizers):
    """Merge-patch ``metadata.finalizers`` guarded by resourceVersion (a concurrent change fails with 409)."""
    meta = ctx.cr.get("metadata") or {}
    patch = {"metadata": {"finalizers": finalizers or None}}
    if meta.get("resourceVersion"):
        patch["metadata"]["resourceVersion"] = meta["resourceVersion"]
    updated = ctx.api.patch(KIND, API_VERSION, ctx.namespace, ctx.name, patch)
    if isinstance(updated, dict) and updated.get("metadata"):
        ctx.cr = copy.deepcopy(ctx.cr)
        ctx.cr.setdefault("metadata", {})["finalizers"] = list(finalizers)
        ctx.cr["metadata"]["resourceVersion"] = updated["metadata"].get("resourceVersion")
    ctx.result.finalizer_changed = True
    ctx.result.changed = True


def delete_protection_reason(cr, cfg, today=None):
    """Why the cluster's objects must not be deleted, or None (reference §5.11).

    Applies only when owner references are off and ``delete_annotation_date_key`` or
    ``delete_annotation_name_key`` is configured: the CR must carry the date key with today's
    date (``YYYY-MM-DD``, UTC) and / or the name key with the cluster's name.
    """
    if cfg.enable_owner_references:
        return None
    date_key, name_key = cfg.delete_annotation_date_key, cfg.delete_annotation_name_key
    if not date_key and not name_key:
        return None
    meta = cr.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    today = today or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    missing = []
    if date_key and annotations.get(date_key) != today:
        missing.append("annotation %s must be today's date %s" % (date_key, today))
    if name_key and annotations.get(name_key) != meta.get("name"):
        missing.append("annotation %s must be the cluster name %s" % (name_key, meta.get("name")))
    if not missing:
        return None
    return "delete protection: " + "; ".join(missing) + ": the cluster's objects are kept"


def _remove_finalizer(ctx):
    if not ctx.manage_finalizer:
        return
    finalizers = _finalizers(ctx.cr)
    if FINALIZER in finalizers:
        _set_finalizers(ctx, [f for f in finalizers if f != FINALIZER])


def _delete(ctx):
    """Deletion path: objects per §5.11 (unless protected), then our finalizer."""
    result = ctx.result
    result.phase = "Delete"
    protection = delete_protection_reason(ctx.cr, ctx.cfg)
    if protection:
        ctx.event("Warning", "Delete", protection)
        result.notes.append(protection)
    else:
        ctx.event("Normal", "Delete", "Started deletion of cluster resources")
        try:
            try:
                actions, notes = _delete_objects(ctx)
            except ValidationError:
                # an invalid manifest must not keep the objects (or the resource) forever
                actions, notes = _delete_objects_by_name(ctx)
        except KubernetesError as exc:
            result.error = st.safe_message(exc)
            result.exception = exc
            result.requeue = True
            ctx.event("Warning", "Delete", "Could not delete the cluster's objects: %s" % result.error)
            return
        result.actions = actions
        result.notes.extend(notes)
        result.changed = result.changed or bool(actions)
    _remove_finalizer(ctx)
    result.deleted = True


def _delete_objects(ctx):
    sync = delete_cluster(ctx.api, _manifest(ctx.cr), ctx.cfg)
    return sync.actions, sync.notes


class _ClusterName:
    """Just enough of a ClusterSpec to find and delete a cluster's objects by name."""

    def __init__(self, name, namespace):
        self.name = name
        self.namespace = namespace


def _delete_objects_by_name(ctx):
    cluster = _ClusterName(ctx.name, ctx.namespace)
    observed = observe_owned(ctx.api, ctx.namespace, selector_labels(cluster, ctx.cfg))
    plan = plan_delete(observed, ctx.cfg, cluster)
    if plan.actions:
        apply_plan(ctx.api, plan)
    return plan.summary(), list(plan.notes or [])


def _manifest(cr):
    """The manifest part of the resource (status left out)."""
    return dict((k, v) for k, v in cr.items() if k != "status")


def _sync_finalizer(ctx):
    if not ctx.manage_finalizer:
        return
    finalizers = _finalizers(ctx.cr)
    if ctx.cfg.enable_finalizers and FINALIZER not in finalizers:
        _set_finalizers(ctx, finalizers + [FINALIZER])
    elif not ctx.cfg.enable_finalizers and FINALIZER in finalizers:
        _set_finalizers(ctx, [f for f in finalizers if f != FINALIZER])


def _statefulset_exists(ctx):
    return ctx.api.get_child("StatefulSet", "apps/v1", ctx.namespace, ctx.name) is not None


def _emit_sync_events(ctx, sync, phase):
    """Events for objects created, pods flagged, and Event-worthy builder warnings."""
    created = [a for a in sync.actions if a["action"] == "create"]
    for action in created:
        if action["kind"] in _CREATED_EVENT_KINDS:
            reason = {"Service": "Services"}.get(action["kind"], action["kind"])
            ctx.event("Normal", reason, "%s %s/%s has been created" % (action["kind"], action["namespace"], action["name"]))
    secrets = sorted(a["name"] for a in created if a["kind"] == "Secret")
    if secrets:
        ctx.event("Normal", "Secrets", "Secrets created: %s" % ", ".join(secrets))
    flagged = []
    for action in sync.plan.actions:
        if action.action == "flag_rolling_update":
            flagged.extend(action.pods or [])
    if flagged:
        ctx.event("Normal", "Update", "Pods flagged for a rolling update: %s" % ", ".join(sorted(set(flagged))))
    if sync.changed or phase != st.PHASE_SYNC:
        for warning in sync.warnings:
            if getattr(warning, "reason", None) == RESOURCE_LIMITS:
                ctx.event("Warning", RESOURCE_LIMITS, str(warning))


def _emit_pods_events(ctx, pods_ready):
    """On a ``PodsReady`` transition: Normal ``StatefulSet`` "Pods are ready" (as upstream, once the
    wanted pods are ready) or Warning ``PodsNotReady`` when ready pods stop being ready. The
    condition holds counts only, so a resync with no change in readiness sends nothing."""
    if not ctx.schema.keeps("conditions"):
        return
    previous = (st.condition_of(ctx.current_status, st.PODS_READY) or {}).get("status")
    now = pods_ready.get("status")
    if now == "True" and pods_ready.get("reason") == "PodsReady" and previous != "True":
        ctx.event("Normal", "StatefulSet", "Pods are ready (%s)" % pods_ready.get("message"))
    elif now == "False" and previous == "True":
        ctx.event("Warning", "PodsNotReady", "Pods are not ready: %s" % pods_ready.get("message"))


def _emit_master_events(ctx, master):
    """Normal ``Failover`` when Patroni's master moved to another pod since the last reconcile;
    Warning ``NoMaster`` when the cluster had a master and has none now (on upstream's CRD, whose
    status keeps no conditions, there is no memory of the previous master and so no Event)."""
    before = st.condition_of(ctx.current_status, st.MASTER)
    old_pod, new_pod = st.last_master(before), st.master_pod(master)
    if old_pod and new_pod and old_pod != new_pod:
        ctx.event("Normal", "Failover", "The master moved from %s to %s (a Patroni failover or switchover)" % (old_pod, new_pod))
    elif st.master_pod(before) and master.get("reason") == "NoMaster":
        ctx.event("Warning", "NoMaster", "No pod is the master (it was %s): waiting for Patroni to elect one" % old_pod)


def _features(ctx, sync, phase):
    """The ``FeaturesSupported`` condition, and a Warning Event ``NotImplemented`` when the list of accepted
    fields without effect changes (on a CRD that keeps no conditions: on Create and Update only)."""
    message = ignored_message(sync.ignored) if sync.ignored else None
    wanted = st.features_condition(message, ctx.generation)
    if message:
        if ctx.schema.keeps("conditions"):
            previous = st.condition_of(ctx.current_status, st.FEATURES_SUPPORTED) or {}
            announce = (previous.get("status"), previous.get("message")) != ("False", wanted["message"])
        else:
            announce = phase != st.PHASE_SYNC
        if announce:
            ctx.event("Warning", st.NOT_IMPLEMENTED, message)
    return wanted


def _roles_changed(outcome):
    if outcome is None:
        return False
    if isinstance(outcome, bool):
        return outcome
    if isinstance(outcome, dict):
        return bool(outcome.get("changed"))
    return bool(getattr(outcome, "changed", False))


def _emit_roles_events(ctx, outcome, phase):
    """A Normal ``Roles`` Event when the role step changed something (statement kinds and counts,
    rotated Secret names; never a statement or a password); its warnings as Warning Events when
    something changed or the phase is not a plain sync, so a resync that repeats them writes nothing."""
    changed = _roles_changed(outcome)
    if changed:
        summary = getattr(outcome, "summary", None)
        ctx.event("Normal", "Roles", summary() if callable(summary) else "Roles and databases synced")
    if changed or phase != st.PHASE_SYNC:
        for warning in getattr(outcome, "warnings", None) or []:
            ctx.event("Warning", "Roles", str(warning))


def _announce_roles_problem(ctx, roles, phase):
    """A Warning Event ``Roles`` when ``RolesSynced`` turns False with a new reason or message (held passwords,
    a superuser that cannot log in); a resync that finds the same writes nothing."""
    if roles.get("status") != "False":
        return
    if ctx.schema.keeps("conditions"):
        previous = st.condition_of(ctx.current_status, st.ROLES_SYNCED) or {}
        if (previous.get("status"), previous.get("reason"), previous.get("message")) == ("False", roles["reason"], roles["message"]):
            return
    elif phase == st.PHASE_SYNC:
        return
    ctx.event("Warning", "Roles", roles["message"])


def _fail(ctx, phase, exc, reason=None, extra_conditions=None):
    """Phase-failed status and a Warning Event; never raises for a status write error."""
    result = ctx.result
    result.error = st.safe_message(exc)
    result.exception = exc
    cluster_status = st.FAILED_STATUS[phase]
    ctx.event("Warning", phase, "%s failed: %s" % (phase, result.error))
    try:
        ctx.write_status(cluster_status, result.error, reason or cluster_status, extra_conditions=extra_conditions)
    except KubernetesError as status_exc:
        result.error += "; could not write the status: %s" % st.safe_message(status_exc)
        result.status = cluster_status


def _invalid(ctx, exc):
    """Status Invalid and (when the status changes) a Warning Event naming the field."""
    result = ctx.result
    result.error = st.safe_message(exc)
    result.exception = exc
    previous = ctx.current_status.get("PostgresClusterStatus")
    written = ctx.write_status(st.INVALID, "Invalid manifest: %s" % result.error, "InvalidManifest")
    if written or previous != st.INVALID:
        ctx.event("Warning", result.phase, "Invalid manifest: %s" % result.error)


def _reconcile(ctx, sync_roles):
    result = ctx.result
    _sync_finalizer(ctx)
    phase = st.phase_for(ctx.cr, _statefulset_exists(ctx), knows_generation=ctx.schema.keeps("observedGeneration"))
    result.phase = phase
    try:
        parse_cluster(_manifest(ctx.cr), ctx.cfg)
    except ConfigurationError as exc:
        _fail(ctx, phase, exc, "InvalidConfiguration")
        return
    except ValidationError as exc:
        _invalid(ctx, exc)
        return
    if phase in st.IN_PROGRESS_STATUS:
        ctx.write_status(st.IN_PROGRESS_STATUS[phase], observed=False)
        if phase == st.PHASE_CREATE:
            ctx.event("Normal", "Create", "Started creation of new cluster resources")
    try:
        sync = sync_cluster(ctx.api, _manifest(ctx.cr), ctx.cfg)
    except ConfigurationError as exc:
        _fail(ctx, phase, exc, "InvalidConfiguration")
        return
    except ValidationError as exc:
        _invalid(ctx, exc)
        return
    except Exception as exc:  # pylint: disable=broad-except
        # The watcher serves every other cluster: nothing may escape.
        result.requeue = True
        _fail(ctx, phase, exc)
        return
    result.actions = sync.actions
    result.rolling_update_pods = sync.rolling_update_pods
    result.warnings = list(sync.warnings)
    result.notes = sync.notes
    result.changed = result.changed or sync.changed
    if phase == st.PHASE_UPDATE and sync.changed:
        # only an update that changed objects is an Event (a new generation may change none)
        ctx.event("Normal", "Update", "Updated cluster resources for generation %s: %d object change%s"
                  % (ctx.generation, len(sync.actions), "" if len(sync.actions) == 1 else "s"))
    _emit_sync_events(ctx, sync, phase)
    conditions = [st.pods_condition(sync.pods, sync.instances, ctx.generation),
                  st.master_condition(sync.pods, ctx.cfg.pod_role_label, sync.instances, ctx.generation,
                                      previous=st.condition_of(ctx.current_status, st.MASTER))]
    _emit_pods_events(ctx, conditions[0])
    _emit_master_events(ctx, conditions[1])
    conditions.append(_features(ctx, sync, phase))
    lifecycle = _lifecycle(ctx, sync)
    if lifecycle is not None:
        conditions.append(lifecycle.condition)
    message = None
    if sync.rolling_update_pods:
        message = "Last reconciliation succeeded; pods waiting for a rolling update: %s" % ", ".join(sync.rolling_update_pods)
    if sync_roles is not None:
        try:
            outcome = sync_roles(ctx.cr, ctx.cfg)
        except Exception as exc:  # pylint: disable=broad-except
            result.requeue = True
            roles = [st.roles_condition(None, ctx.generation, error=st.safe_message(exc))]
            if phase == st.PHASE_SYNC:
                # upstream: role errors during a sync are not fatal to the cluster status
                result.error = st.safe_message(exc)
                result.exception = exc
                ctx.event("Warning", "Sync", "Could not sync roles and databases: %s" % result.error)
                _write_settled_status(ctx, "Roles and databases not in sync: %s" % result.error, "RolesSyncFailed",
                                      conditions + roles, reconciled_ok=False)
                return
            _fail(ctx, phase, exc, "RolesSyncFailed", extra_conditions=conditions + roles)
            return
        result.roles_result = outcome
        result.changed = result.changed or _roles_changed(outcome)
        _emit_roles_events(ctx, outcome, phase)
        roles = st.roles_condition(outcome, ctx.generation)
        _announce_roles_problem(ctx, roles, phase)
        conditions.append(roles)
        if getattr(outcome, "blocking", False):
            # the step could not do its work (the superuser cannot log in): retried, and said so
            result.requeue = True
            _write_settled_status(ctx, roles["message"], roles["reason"], conditions, reconciled_ok=False)
            return
    if lifecycle is not None and lifecycle.error:
        result.requeue = True
        _fail(ctx, phase, lifecycle.error, "PatroniStepFailed", extra_conditions=conditions)
        return
    _write_settled_status(ctx, message, None, conditions)


def _lifecycle(ctx, sync):
    """The step inside the live cluster (lifecycle/step.py): Patroni configuration, restarts, the
    rolling update, scale-down switchover, node drain. Not in check mode (it talks to Patroni)."""
    flagged = []
    for action in sync.plan.actions:
        if action.action == "flag_rolling_update":
            flagged.extend(action.pods or [])
    pods = with_flags(sync.pods, flagged)
    if getattr(ctx.api, "dry_run", False):
        step = next_step(pods, ctx.cfg.pod_role_label, sync.instances, ctx.name)
        if step.action not in ("none", "wait"):
            ctx.result.notes.append("check mode: the rolling update would now %s pod %s (%s)" % (step.action, step.pod_name, step.message))
        return None
    previous = st.condition_of(ctx.current_status, ROLLING_UPDATE) if ctx.schema.keeps("conditions") else None
    outcome = run_lifecycle(ctx.api, sync.cluster, ctx.cfg, pods, sync.instances, previous=previous,
                            client_for=ctx.patroni_client_for, generation=ctx.generation, scale_hold=sync.scale_hold)
    for event_type, reason, message in outcome.events:
        ctx.event(event_type, reason, message)
    ctx.result.notes.extend(outcome.notes)
    ctx.result.changed = ctx.result.changed or outcome.changed
    ctx.result.requeue_after = outcome.requeue_after
    ctx.result.rolling_update = outcome.condition
    return outcome


def _write_settled_status(ctx, message, reason, conditions, reconciled_ok=True):
    """``Running`` when the wanted pods are ready with a master, else ``Creating``/``Updating``
    (st.settled_status); ``conditions`` starts with PodsReady and Master."""
    pods_ready, master = conditions[0], conditions[1]
    cluster_status = st.settled_status(ctx.current_status, pods_ready, master)
    waiting = None
    if cluster_status != st.RUNNING:
        waiting = pods_ready.get("message") if pods_ready.get("status") != "True" else master.get("message")
    ctx.write_status(cluster_status, message, reason, extra_conditions=conditions, reconciled_ok=reconciled_ok,
                     waiting_for=waiting)


def reconcile_cluster(api, cr, cfg, recorder=None, sync_roles=None, patroni_client_for=None):
    """Reconcile one ``postgresql`` resource (as read from the API); see the module docstring.

    ``api``: a ``KubeApi``; ``cr``: the resource dict; ``cfg``: the ``OperatorConfig``;
    ``recorder``: an ``EventRecorder`` (None: Events are not sent); ``sync_roles``: optional
    callable ``(cr, cfg)`` that syncs roles and databases, run after the objects are in sync.
    Never raises for bad input or API errors: see ``ReconcileResult.error`` / ``requeue``.
    """
    return run_reconcile(api, cr, cfg, recorder=recorder, sync_roles=sync_roles, patroni_client_for=patroni_client_for)


def finalize_cluster(api, cr, cfg, recorder=None, manage_finalizer=True):
    """The deletion path of ``reconcile_cluster`` whether or not the resource is being deleted
    (``postgres_cluster`` with ``state: absent`` and ``reconcile: true``)."""
    return run_reconcile(api, cr, cfg, recorder=recorder, manage_finalizer=manage_finalizer, delete=True)


def run_reconcile(api, cr, cfg, recorder=None, sync_roles=None, manage_finalizer=True, delete=False, patroni_client_for=None):
    """``reconcile_cluster`` with two switches: ``manage_finalizer`` False leaves
    ``metadata.finalizers`` alone (ansible-operator adds and removes the finalizer of its watch
    itself); ``delete`` True takes the deletion path without a ``deletionTimestamp``."""
    result = ReconcileResult()
    if not isinstance(cr, dict) or not isinstance(cr.get("metadata"), dict) or not cr["metadata"].get("name"):
        result.error = "the resource has no metadata.name"
        return result
    ctx = _Context(api, cr, cfg, recorder if recorder is not None else NullRecorder(), result, manage_finalizer, patroni_client_for)
    try:
        if delete or (cr.get("metadata") or {}).get("deletionTimestamp"):
            _delete(ctx)
        else:
            _reconcile(ctx, sync_roles)
    except KubernetesError as exc:
        result.error = st.safe_message(exc)
        result.exception = exc
        # the resource is gone: nothing to retry
        result.requeue = exc.status != 404
    except Exception as exc:  # pylint: disable=broad-except
        result.error = "internal error: %s: %s" % (type(exc).__name__, st.safe_message(exc))
        result.exception = exc
        result.requeue = True
    return result


__all__ = ["FINALIZER", "ReconcileResult", "reconcile_cluster", "finalize_cluster", "run_reconcile", "delete_protection_reason"]
