# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The status of a ``postgresql`` resource: pure builders, no I/O.

``status.PostgresClusterStatus`` takes the Zalando operator's values (reference §5.12). We add
``status.observedGeneration`` (the generation the status describes) and these conditions:

- ``Ready``: ``True`` when ``PostgresClusterStatus`` is ``Running``, i.e. every Kubernetes
  object of the cluster matches the manifest and the wanted pods are ready; ``False`` otherwise,
  with the status as reason (``PodsNotReady`` while a reconcile succeeded and pods are not ready:
  the status is then ``Creating`` or ``Updating``, see ``settled_status``).
- ``Reconciled``: ``True`` when the last reconcile finished without error, ``False`` when it
  failed (reason ``InvalidManifest``, ``InvalidConfiguration`` or ``<Phase>Failed``, the error
  as message), ``Unknown`` while a reconcile is in progress.
- ``PodsReady``: how many of the wanted pods are ready (``pods_condition``).
- ``Master``: the pod Patroni labelled master (``master_condition``); a change of that pod is a
  failover or switchover, which the reconcile reports with an Event.
- ``RollingUpdate`` (written by the lifecycle step, lifecycle/step.py): ``True`` / ``InProgress``
  while pods wait for their recreation (the message: pods done of total, what the update waits
  for), ``False`` / ``Done`` after an update, ``False`` / ``NotNeeded`` before the first.
- ``FeaturesSupported``: ``True`` when every field the manifest sets takes effect; ``False`` with
  reason ``NotImplemented`` naming the accepted fields that have no effect yet (``features_condition``).
- ``RolesSynced`` (only when the reconcile runs a role step): ``True`` when the roles and databases
  of the manifest were synced in PostgreSQL, ``Unknown`` while the step is skipped (reason
  ``WaitingForMaster``, ``Standby``, ``NoInstances``, ``DatabaseAccessDisabled``), ``False`` when
  it failed (``roles_condition``).

``lastTransitionTime`` changes only when a condition's ``status`` changes. Everything else of the
existing status (keys written by others, other condition types) is kept. ``build_status``
returns the same dict as the current status when nothing changed, so the caller can skip the
write (``status_changed``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import re

CREATING = "Creating"
UPDATING = "Updating"
RUNNING = "Running"
CREATE_FAILED = "CreateFailed"
UPDATE_FAILED = "UpdateFailed"
SYNC_FAILED = "SyncFailed"
INVALID = "Invalid"
UNKNOWN = ""

STATUS_VALUES = (CREATING, UPDATING, RUNNING, CREATE_FAILED, UPDATE_FAILED, SYNC_FAILED, INVALID, UNKNOWN)

PHASE_CREATE = "Create"
PHASE_UPDATE = "Update"
PHASE_SYNC = "Sync"

FAILED_STATUS = {PHASE_CREATE: CREATE_FAILED, PHASE_UPDATE: UPDATE_FAILED, PHASE_SYNC: SYNC_FAILED}
IN_PROGRESS_STATUS = {PHASE_CREATE: CREATING, PHASE_UPDATE: UPDATING}

READY = "Ready"
RECONCILED = "Reconciled"
PODS_READY = "PodsReady"
ROLES_SYNCED = "RolesSynced"
MASTER = "Master"
FEATURES_SUPPORTED = "FeaturesSupported"
NOT_IMPLEMENTED = "NotImplemented"
OUR_CONDITIONS = (READY, RECONCILED)

MAX_MESSAGE = 1000

# A value is masked after a key that looks secret, in the forms key=value, key: value, "key": "value"
# and 'key': 'value'. Not masked: the words of our own messages, i.e. a key inside a field path
# ("spec.tls.secretName: must not be empty", preceded by "." or "]") and keys that name a secret
# rather than hold one (secretName, secretNamespace, secretKeyRef, oauth_token_secret_name, passwordkey).
_SECRET_ASSIGNMENT = re.compile(
    r'(?i)(?<![\w.\]-])(?P<key>[\w-]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key)[\w-]*)'
    r'(?P<sep>["\']?\s*[:=]\s*["\']?)(?P<value>[^"\'\s,;}]+)')
_NAMES_A_SECRET = re.compile(r'(?i)(name|namespace|ref|passwordkey)$')
_SECRET_URI = re.compile(r'(?i)(postgres(?:ql)?://[^:/\s]+:)([^@\s]+)(?=@)')


def now_rfc3339(now=None):
    """``2026-01-02T03:04:05Z`` (what Kubernetes' metav1.Time serialises to)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if now.tzinfo is not None:
        now = now.astimezone(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def _mask_assignment(match):
    if _NAMES_A_SECRET.search(match.group("key")) or match.group("value") == "<redacted>":
        return match.group(0)
    return match.group("key") + match.group("sep") + "<redacted>"


def mask_secrets(text):
    """``text`` with secret-looking values replaced by ``<redacted>`` (idempotent)."""
    text = _SECRET_ASSIGNMENT.sub(_mask_assignment, text)
    return _SECRET_URI.sub(lambda m: m.group(1) + "<redacted>", text)


def safe_message(text, limit=MAX_MESSAGE):
    """A message fit for status and Events: secret-looking values masked, length capped.

    A ``ValidationError`` (or several) is masked in its reasons only: its field paths are ours."""
    errors = getattr(text, "errors", None) or ([text] if hasattr(text, "path") and hasattr(text, "reason") else None)
    if errors:
        text = "; ".join(("%s: %s" % (e.path, mask_secrets(str(e.reason)))) if e.path else mask_secrets(str(e.reason)) for e in errors)
    else:
        text = mask_secrets(str(text if text is not None else ""))
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit - 3] + "..."
    return text


def phase_for(cr, statefulset_exists, knows_generation=True):
    """Which upstream operation this reconcile is: Create (no StatefulSet yet), Update (the
    generation changed since ``status.observedGeneration``) or Sync. ``knows_generation`` False
    (the CRD drops ``observedGeneration``): Create or Sync only."""
    if not statefulset_exists:
        return PHASE_CREATE
    if not knows_generation:
        return PHASE_SYNC
    status = (cr or {}).get("status") or {}
    observed = status.get("observedGeneration") if isinstance(status, dict) else None
    generation = ((cr or {}).get("metadata") or {}).get("generation")
    if observed is not None and generation is not None and int(observed) != int(generation):
        return PHASE_UPDATE
    if observed is None and isinstance(status, dict) and status.get("PostgresClusterStatus") in (INVALID, CREATE_FAILED, UPDATE_FAILED):
        # a status written before observedGeneration existed (or by upstream): a retry is an update
        return PHASE_UPDATE
    return PHASE_SYNC


def condition(ctype, status, reason, message, generation=None, transition_time=None):
    """One condition dict (``status`` is ``"True"``, ``"False"`` or ``"Unknown"``)."""
    result = {
        "type": ctype,
        "status": status,
        "reason": reason,
        "message": safe_message(message),
        "lastTransitionTime": transition_time or now_rfc3339(),
    }
    if generation is not None:
        result["observedGeneration"] = int(generation)
    return result


def merge_conditions(current, wanted):
    """Conditions after setting ``wanted`` (list of dicts) over ``current``.

    Conditions of other types are kept in place; a wanted condition whose ``status`` equals the
    current one keeps the current ``lastTransitionTime``. Order: current order, new types appended.
    """
    current = [dict(c) for c in (current or []) if isinstance(c, dict)]
    by_type = dict((c.get("type"), c) for c in wanted)
    result, seen = [], set()
    for cond in current:
        ctype = cond.get("type")
        if ctype in by_type:
            new = dict(by_type[ctype])
            if cond.get("status") == new["status"] and cond.get("lastTransitionTime"):
                new["lastTransitionTime"] = cond["lastTransitionTime"]
            result.append(new)
            seen.add(ctype)
        else:
            result.append(cond)
    for cond in wanted:
        if cond["type"] not in seen:
            result.append(dict(cond))
    return result


def settled_status(current, pods_ready, master=None):
    """The status after a reconcile that succeeded, from its ``PodsReady`` and ``Master`` conditions.

    ``Running`` only when the wanted pods are ready and one of them is the master. Until then
    ``Creating`` for a cluster that has not run yet (upstream stays ``Creating`` until its pods are
    up) and ``Updating`` for one that ran (pods recreated, a failover in progress).
    """
    if (pods_ready or {}).get("status") == "True" and (master is None or master.get("status") == "True"):
        return RUNNING
    previous = (current or {}).get("PostgresClusterStatus") if isinstance(current, dict) else None
    return UPDATING if previous in (RUNNING, UPDATING, UPDATE_FAILED, SYNC_FAILED) else CREATING


def _conditions_for(cluster_status, generation, message, reason=None, reconciled_ok=True, waiting_for=None):
    """Ready and Reconciled for a cluster status (``reconciled_ok`` False: the reconcile did not
    finish, e.g. the role step failed: Reconciled is False with ``reason``; ``waiting_for``: the
    objects are in sync and the status waits for pods, described by this text)."""
    if waiting_for and cluster_status in (CREATING, UPDATING):
        ready = ("False", "PodsNotReady", "Waiting for pods: %s" % waiting_for)
        if reconciled_ok:
            reconciled = ("True", reason or "Synced", message or "Last reconciliation succeeded")
        else:
            reconciled = ("False", reason or "Failed", message or "The last reconciliation did not finish")
    elif cluster_status == RUNNING:
        ready = ("True", RUNNING, "All Kubernetes objects of the cluster match the manifest")
        if reconciled_ok:
            reconciled = ("True", reason or "Synced", message or "Last reconciliation succeeded")
        else:
            reconciled = ("False", reason or "Failed", message or "The last reconciliation did not finish")
    elif cluster_status in (CREATING, UPDATING):
        ready = ("False", cluster_status, "%s the cluster's Kubernetes objects" % ("Creating" if cluster_status == CREATING else "Updating"))
        reconciled = ("Unknown", reason or "InProgress", message or "Reconciliation in progress")
    elif cluster_status == INVALID:
        ready = ("False", INVALID, "The manifest is invalid")
        reconciled = ("False", reason or "InvalidManifest", message or "The manifest is invalid")
    else:
        ready = ("False", cluster_status or "Unknown", "The last reconciliation failed")
        reconciled = ("False", reason or cluster_status or "Failed", message or "The last reconciliation failed")
    return [
        condition(READY, ready[0], ready[1], ready[2], generation),
        condition(RECONCILED, reconciled[0], reconciled[1], reconciled[2], generation),
    ]


def pod_ready(pod):
    """The pod's ``Ready`` condition is ``True``."""
    for cond in (((pod or {}).get("status") or {}).get("conditions") or []):
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def pods_condition(pods, instances, generation=None):
    """``PodsReady``: how many of the wanted pods are ready (the objects can match while no pod runs).

    The message holds only the counts, so the status changes when readiness changes and not when
    a pending pod is merely created or rescheduled (no status write on a no-op resync).
    """
    wanted = int(instances or 0)
    live = [p for p in pods or [] if not (p.get("metadata") or {}).get("deletionTimestamp")]
    ready = sorted(p["metadata"]["name"] for p in live if pod_ready(p))
    if wanted == 0:
        return condition(PODS_READY, "True", "NoPodsWanted", "numberOfInstances is 0", generation)
    message = "%d of %d pods ready" % (len(ready), wanted)
    if len(ready) >= wanted:
        return condition(PODS_READY, "True", "PodsReady", message, generation)
    return condition(PODS_READY, "False", "PodsNotReady", message, generation)


def master_condition(pods, role_label, instances, generation=None, previous=None):
    """``Master``: which pod Patroni labelled master (``role_label`` = ``master``).

    ``True`` / ``Elected`` naming the pod when exactly one live pod is the master; ``False`` /
    ``NoMaster`` when pods are wanted and none is (a failover in progress, Patroni not up yet),
    naming the last master when ``previous`` (the current ``Master`` condition) knows it, or
    ``MultipleMasters`` naming them; ``True`` / ``NoPodsWanted`` with ``numberOfInstances`` 0.
    The message names pods only, so it changes exactly when the master changes.
    """
    if int(instances or 0) == 0:
        return condition(MASTER, "True", "NoPodsWanted", "numberOfInstances is 0", generation)
    live = [p for p in pods or [] if not (p.get("metadata") or {}).get("deletionTimestamp")]
    masters = sorted(p["metadata"]["name"] for p in live
                     if ((p.get("metadata") or {}).get("labels") or {}).get(role_label) == "master")
    if len(masters) == 1:
        return condition(MASTER, "True", "Elected", "%s is the master" % masters[0], generation)
    if masters:
        return condition(MASTER, "False", "MultipleMasters", "pods labelled master: %s" % ", ".join(masters), generation)
    last = last_master(previous)
    return condition(MASTER, "False", "NoMaster", "no pod is labelled master" + (
        " (the last master was %s)" % last if last else ""), generation)


def master_pod(cond):
    """The pod a ``Master`` condition names as the master, or None."""
    if not cond or cond.get("reason") != "Elected":
        return None
    return (cond.get("message") or "").split(" ", 1)[0] or None


def last_master(cond):
    """The master a ``Master`` condition names, or the last one it remembers while there is none."""
    if cond and cond.get("reason") == "NoMaster":
        message = cond.get("message") or ""
        marker = "(the last master was "
        if marker in message:
            return message.split(marker, 1)[1].rstrip(")") or None
        return None
    return master_pod(cond)


def features_condition(ignored_message=None, generation=None):
    """``FeaturesSupported``: ``False`` / ``NotImplemented`` with ``ignored_message`` when the manifest sets
    fields that have no effect yet (model/unimplemented.py), else ``True``."""
    if ignored_message:
        return condition(FEATURES_SUPPORTED, "False", NOT_IMPLEMENTED, ignored_message, generation)
    return condition(FEATURES_SUPPORTED, "True", "AllImplemented", "Every field the manifest sets takes effect", generation)


def roles_condition(outcome, generation=None, error=None):
    """``RolesSynced`` from the outcome of the role step (reconcile's ``sync_roles``).

    ``error`` set: ``False`` / ``RolesSyncFailed`` with the (safe) error. An outcome with ``status``,
    ``reason`` and ``message`` (``roles_step.RolesOutcome`` or a dict) is taken as it is: ``Unknown``
    with a skip reason while the step waits, ``True`` / ``Synced`` when done. Any other outcome
    counts as ``True`` / ``Synced``. Messages are fixed texts, so a no-op resync writes nothing.
    """
    if error is not None:
        return condition(ROLES_SYNCED, "False", "RolesSyncFailed", error, generation)
    get = outcome.get if isinstance(outcome, dict) else (lambda key: getattr(outcome, key, None))
    status, reason, message = get("status"), get("reason"), get("message")
    if status in ("True", "False", "Unknown") and reason:
        return condition(ROLES_SYNCED, status, reason, message or reason, generation)
    return condition(ROLES_SYNCED, "True", "Synced", "Roles and databases are in sync", generation)


def build_status(current, cluster_status, generation=None, message=None, reason=None, observed=True, extra_conditions=None,
                 reconciled_ok=True, waiting_for=None):
    """The new ``status`` dict.

    ``current`` is the resource's current ``status`` (or None); ``cluster_status`` one of
    ``STATUS_VALUES``; ``generation`` the ``metadata.generation`` reconciled; ``message`` and
    ``reason`` describe the Reconciled condition (the message is made safe); ``observed`` False
    keeps the current ``observedGeneration`` (a status written before the work is done);
    ``waiting_for``: the reconcile succeeded and the status waits for pods (``settled_status``).
    """
    current = current if isinstance(current, dict) else {}
    status = copy.deepcopy(current)
    status["PostgresClusterStatus"] = cluster_status
    if observed and generation is not None:
        status["observedGeneration"] = int(generation)
    cond_generation = generation if observed else current.get("observedGeneration")
    wanted = _conditions_for(cluster_status, cond_generation, message, reason, reconciled_ok, waiting_for) + list(extra_conditions or [])
    status["conditions"] = merge_conditions(current.get("conditions"), wanted)
    return status


def status_changed(current, new):
    """True when writing ``new`` would change the stored status."""
    return (current if isinstance(current, dict) else {}) != new


def status_patch(current, new):
    """A JSON merge patch for the status subresource, or None when nothing changed."""
    if not status_changed(current, new):
        return None
    patch = dict(new)
    for key in (current or {}):
        if key not in new:
            patch[key] = None
    return {"status": patch}


def condition_of(status, ctype):
    """The condition of a type in a status dict, or None."""
    for cond in ((status or {}).get("conditions") or []):
        if isinstance(cond, dict) and cond.get("type") == ctype:
            return cond
    return None


__all__ = [
    "CREATING", "UPDATING", "RUNNING", "CREATE_FAILED", "UPDATE_FAILED", "SYNC_FAILED", "INVALID", "UNKNOWN", "STATUS_VALUES",
    "PHASE_CREATE", "PHASE_UPDATE", "PHASE_SYNC", "FAILED_STATUS", "IN_PROGRESS_STATUS", "READY", "RECONCILED", "PODS_READY", "pods_condition", "pod_ready",
    "ROLES_SYNCED", "roles_condition", "MASTER", "master_condition", "master_pod", "last_master",
    "FEATURES_SUPPORTED", "NOT_IMPLEMENTED", "features_condition",
    "now_rfc3339", "safe_message", "phase_for", "settled_status", "condition", "merge_conditions", "build_status", "status_changed",
    "status_patch",
    "condition_of",
]
