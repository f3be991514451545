# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The StatefulSet decision table (reference §5.6, §5.7).

``decide_statefulset(desired, observed, pods, cfg)`` compares the current StatefulSet with
the desired one and returns a ``StatefulSetDecision``:

=========================  ===================================================================
``decision``               when
=========================  ===================================================================
``create``                 no StatefulSet yet (pods left from an orphaned one are flagged)
``recreate``               an immutable spec field changed (volumeClaimTemplates, e.g. the volume
                           size, podManagementPolicy, selector, serviceName): delete with
                           ``Orphan`` propagation, create again; pods keep running
``replace``                ownerReferences, annotations, PVC retention policy, pod template
                           annotations, number of pod volumes, lazy-upgrade image: PUT, no roll
``rolling_update_patch``   container-level change: flag pods, merge-patch the StatefulSet
``rolling_update_replace`` pod-level change: flag pods, PUT the StatefulSet
``rolling_update_recreate`` both an immutable field and a container/pod-level change
``patch``                  replicas (or labels, updateStrategy) only: merge patch
``pod_annotations``        only pod annotations must change: patched on the running pods
``noop``                   nothing to do
=========================  ===================================================================

Where we differ from upstream on purpose:

- tolerations are compared by content, not only by count (upstream misses a changed
  toleration when the count stays the same): any change rolls the pods;
- pod volumes with the same count but different content roll the pods (upstream compares
  the count only); a different count replaces the StatefulSet as upstream does;
- container fields beyond the upstream list (command, args, lifecycle, startupProbe, ...) roll
  the pods too; so do pod spec fields beyond the list (nodeSelector, hostNetwork, ...);
- a StatefulSet whose only differences are mutable (annotations, ownerReferences) is updated
  with PUT instead of delete + create; delete + create (orphan) is kept for immutable fields.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.pgkube.operator.plugins.module_utils.plan.actions import (
    CREATE,
    FLAG_ROLLING_UPDATE,
    PATCH,
    RECREATE,
    REPLACE,
    ROLLING_UPDATE_ANNOTATION,
    Action,
    PlanError,
)
from ansible_collections.pgkube.operator.plugins.module_utils.plan.compare import (
    annotation_changes,
    annotation_excluded,
    annotations_reason,
    cfg_value,
    changed_paths,
    contains,
    env_changes,
    exact_labels_reason,
    field_equal,
    is_empty,
    labels_reason,
    owner_references_equal,
    quantities_equal,
)
from ansible_collections.pgkube.operator.plugins.module_utils.plan.merge_patch import merge_patch
from ansible_collections.pgkube.operator.plugins.module_utils.plan.object_meta import (
    annotations,
    labels,
    meta,
    owner_references,
    replacement_body,
)

KIND = "StatefulSet"
POSTGRES_CONTAINER = "postgres"

# StatefulSet spec fields the API server lets an update change; any other change needs delete + create.
MUTABLE_SPEC = ("replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds")
# Server defaults of StatefulSet spec fields a builder may leave out.
SPEC_DEFAULTS = {"podManagementPolicy": "OrderedReady", "revisionHistoryLimit": 10, "updateStrategy": None}

# Pod-level fields (reference §5.6 "rolling update + sts replace"), with the server default.
POD_FIELDS = (
    ("serviceAccountName", None),
    ("terminationGracePeriodSeconds", 30),
    ("affinity", None),
    ("topologySpreadConstraints", None),
    ("priorityClassName", None),
    ("securityContext", {}),
)
POD_HANDLED = set(name for name, _default in POD_FIELDS) | set(["containers", "initContainers", "volumes", "tolerations", "serviceAccount"])
# Pod spec fields the API server fills in when the builder leaves them out.
POD_SPEC_DEFAULTS = {
    "dnsPolicy": "ClusterFirst",
    "restartPolicy": "Always",
    "schedulerName": "default-scheduler",
    "enableServiceLinks": True,
}

# Container-level fields (reference §5.6 "rolling update + sts merge-patch"), with the server default.
CONTAINER_FIELDS = ("name", "image", "ports", "resources", "env", "envFrom", "securityContext", "volumeMounts", "readinessProbe", "livenessProbe")
CONTAINER_DEFAULTS = {
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
    "resources": {},
}


class StatefulSetDecision:
    """What to do with the StatefulSet and its pods; ``actions`` are ready for a ``Plan``.

    ``pods_to_flag`` are the pods that get the rolling-update annotation now,
    ``rolling_update_pods`` every pod that will be recreated (already flagged ones included).
    """

    def __init__(self, decision, reasons=None, actions=None, pods_to_flag=None, rolling_update_pods=None, rolling_update=False):
        self.decision = decision
        self.reasons = list(reasons or [])
        self.actions = list(actions or [])
        self.pods_to_flag = list(pods_to_flag or [])
        self.rolling_update_pods = list(rolling_update_pods or [])
        self.rolling_update = rolling_update

    def action(self, kind=KIND):
        """The first action on an object of ``kind`` (``None`` if none)."""
        for action in self.actions:
            if action.kind == kind and action.action != FLAG_ROLLING_UPDATE:
                return action
        return None

    def __repr__(self):
        return "StatefulSetDecision(%s: %s)" % (self.decision, "; ".join(self.reasons))


# -- helpers -------------------------------------------------------------------------------

def _spec(obj):
    return (obj or {}).get("spec") or {}


def _template(obj):
    return _spec(obj).get("template") or {}


def _pod_spec(obj):
    return _template(obj).get("spec") or {}


def postgres_container(pod_spec):
    containers = (pod_spec or {}).get("containers") or []
    for container in containers:
        if container.get("name") == POSTGRES_CONTAINER:
            return container
    return containers[0] if containers else {}


def _pod_name(pod):
    return meta(pod).get("name")


def _is_flagged(pod):
    return annotations(pod).get(ROLLING_UPDATE_ANNOTATION) == "true"


def _is_terminating(pod):
    return bool(meta(pod).get("deletionTimestamp"))


def _ordinal(name):
    tail = (name or "").rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _resources_equal(desired, observed):
    """Requests and limits compared key by key, by value; a key on one side only is a change."""
    desired = desired or {}
    observed = observed or {}
    for section in set(desired) | set(observed):
        mine = desired.get(section) or {}
        theirs = observed.get(section) or {}
        if not isinstance(mine, dict) or not isinstance(theirs, dict):
            if mine != theirs:
                return False
            continue
        if set(k for k, v in mine.items() if not is_empty(v)) != set(k for k, v in theirs.items() if not is_empty(v)):
            return False
        for key, value in mine.items():
            if not is_empty(value) and not quantities_equal(value, theirs.get(key)):
                return False
    return True


# -- comparisons ---------------------------------------------------------------------------

def _compare_container(desired, observed, where, lazy):
    """Reasons (strings) why two containers differ; image ignored when ``lazy``."""
    reasons = []
    for field in CONTAINER_FIELDS:
        mine, theirs = desired.get(field), observed.get(field)
        if field == "image" and lazy:
            continue
        if field == "env":
            names = env_changes(mine, theirs)
            if names:
                reasons.append("%s env %s changed" % (where, ", ".join(names)))
            continue
        if field == "resources":
            if not _resources_equal(mine, theirs):
                reasons.append("%s resources changed" % where)
            continue
        if field == "name":
            if mine != theirs:
                reasons.append("%s name changed from %s to %s" % (where, theirs, mine))
            continue
        if not field_equal(mine, theirs, path=(field,)):
            if field == "image":
                reasons.append("%s image changed from %s to %s" % (where, theirs, mine))
            else:
                reasons.append("%s %s changed" % (where, field))
    for field in sorted(set(desired) | set(observed)):
        if field in CONTAINER_FIELDS or field == "imagePullPolicy" and is_empty(desired.get(field)):
            continue
        if not field_equal(desired.get(field), observed.get(field), default=CONTAINER_DEFAULTS.get(field), path=(field,)):
            reasons.append("%s %s changed" % (where, field))
    return reasons


def _compare_containers(desired_spec, observed_spec, lazy):
    reasons = []
    for list_name, label in (("initContainers", "init container"), ("containers", "container")):
        mine = desired_spec.get(list_name) or []
        theirs = observed_spec.get(list_name) or []
        if len(mine) != len(theirs):
            reasons.append("number of %ss changed from %d to %d" % (label, len(theirs), len(mine)))
            continue
        for index, (container, current) in enumerate(zip(mine, theirs)):
            where = "%s %s" % (label, container.get("name") or index)
            reasons.extend(_compare_container(container, current, where, lazy))
    return reasons


def _tolerations_reason(desired, observed):
    desired = desired or []
    observed = observed or []
    if len(desired) != len(observed):
        return "number of tolerations changed from %d to %d" % (len(observed), len(desired))
    if not contains(observed, desired) or not contains(desired, observed):
        return "tolerations changed"
    return ""


def _compare_pod_level(desired, observed):
    """Pod-level differences: pods must roll and the StatefulSet is replaced."""
    reasons = []
    mine, theirs = _pod_spec(desired), _pod_spec(observed)
    for field, default in POD_FIELDS:
        if not field_equal(mine.get(field), theirs.get(field), default=default, path=(field,)):
            if field in ("serviceAccountName", "terminationGracePeriodSeconds", "priorityClassName"):
                reasons.append("pod %s changed from %s to %s" % (field, theirs.get(field, default), mine.get(field, default)))
            else:
                reasons.append("pod %s changed" % field)
    reason = _tolerations_reason(mine.get("tolerations"), theirs.get("tolerations"))
    if reason:
        reasons.append(reason)
    reason = exact_labels_reason(labels(_template(desired)), labels(_template(observed)), "pod template labels")
    if reason:
        reasons.append(reason)
    volumes, current = mine.get("volumes") or [], theirs.get("volumes") or []
    if len(volumes) == len(current) and not contains(current, volumes):
        reasons.append("pod volumes changed")
    for field in sorted(set(mine) | set(theirs)):
        if field in POD_HANDLED:
            continue
        if not field_equal(mine.get(field), theirs.get(field), default=POD_SPEC_DEFAULTS.get(field), path=(field,)):
            reasons.append("pod %s changed" % field)
    return reasons


def _vct_reasons(desired, observed, cfg):
    mine = _spec(desired).get("volumeClaimTemplates") or []
    theirs = _spec(observed).get("volumeClaimTemplates") or []
    if len(mine) != len(theirs):
        return ["number of volumeClaimTemplates changed from %d to %d" % (len(theirs), len(mine))]
    reasons = []
    for template, current in zip(mine, theirs):
        name = meta(template).get("name")
        if name != meta(current).get("name"):
            reasons.append("volumeClaimTemplate name changed from %s to %s" % (meta(current).get("name"), name))
            continue
        reason = annotations_reason(annotations(template), annotations(current), cfg, "volumeClaimTemplate %s annotations" % name)
        if reason:
            reasons.append(reason)
        size = ((_spec(template).get("resources") or {}).get("requests") or {}).get("storage")
        current_size = ((_spec(current).get("resources") or {}).get("requests") or {}).get("storage")
        if size and (not current_size or not quantities_equal(size, current_size)):
            reasons.append("volumeClaimTemplate %s size changed from %s to %s" % (name, current_size, size))
        paths = [p for p in changed_paths(_spec(template), _spec(current), ("spec",)) if p != "spec.resources.requests.storage"]
        if paths:
            reasons.append("volumeClaimTemplate %s %s changed" % (name, ", ".join(paths)))
    return reasons


def _check_selector(desired, observed, name):
    mine = (_spec(desired).get("selector") or {}).get("matchLabels") or {}
    theirs = (_spec(observed).get("selector") or {}).get("matchLabels") or {}
    added = sorted(k for k, v in mine.items() if theirs.get(k) != v)
    if added:
        raise PlanError(
            "StatefulSet %s: the new selector adds or changes label(s) %s (current selector %s); existing pods "
            "would no longer match. Refusing to replace the StatefulSet: relabel the pods or delete the StatefulSet "
            "with orphan propagation yourself." % (name, ", ".join(added), sorted(theirs.items()))
        )
    if mine != theirs or (_spec(desired).get("selector") or {}).get("matchExpressions") != (_spec(observed).get("selector") or {}).get("matchExpressions"):
        return ["selector changed"]
    return []


def _immutable_reasons(desired, observed, cfg):
    reasons = _check_selector(desired, observed, meta(desired).get("name"))
    reasons.extend(_vct_reasons(desired, observed, cfg))
    mine, theirs = _spec(desired), _spec(observed)
    for field in sorted(set(mine) | set(theirs)):
        if field in MUTABLE_SPEC or field in ("selector", "volumeClaimTemplates"):
            continue
        if not field_equal(mine.get(field), theirs.get(field), default=SPEC_DEFAULTS.get(field), path=(field,)):
            if field == "podManagementPolicy":
                reasons.append("podManagementPolicy changed from %s to %s" % (theirs.get(field, "OrderedReady"), mine.get(field, "OrderedReady")))
            else:
                reasons.append("%s changed" % field)
    return reasons


def _replace_reasons(desired, observed, cfg, lazy):
    reasons = []
    if not owner_references_equal(owner_references(desired), owner_references(observed)):
        reasons.append("owner references changed")
    reason = annotations_reason(annotations(desired), annotations(observed), cfg, "StatefulSet annotations")
    if reason:
        reasons.append(reason)
    mine, theirs = _spec(desired), _spec(observed)
    if not field_equal(mine.get("persistentVolumeClaimRetentionPolicy"), theirs.get("persistentVolumeClaimRetentionPolicy"),
                       default={"whenDeleted": "Retain", "whenScaled": "Retain"}):
        reasons.append("persistentVolumeClaimRetentionPolicy changed")
    reason = annotations_reason(annotations(_template(desired)), annotations(_template(observed)), cfg, "pod template annotations")
    if reason:
        reasons.append(reason)
    volumes, current = _pod_spec(desired).get("volumes") or [], _pod_spec(observed).get("volumes") or []
    if len(volumes) != len(current):
        reasons.append("number of pod volumes changed from %d to %d" % (len(current), len(volumes)))
    if lazy:
        image = postgres_container(_pod_spec(desired)).get("image")
        current_image = postgres_container(_pod_spec(observed)).get("image")
        if image != current_image:
            reasons.append("lazy Spilo upgrade: image changed from %s to %s (pods pick it up when recreated)" % (current_image, image))
        for index, (container, now) in enumerate(zip(_pod_spec(desired).get("containers") or [], _pod_spec(observed).get("containers") or [])):
            if container is not postgres_container(_pod_spec(desired)) and container.get("image") != now.get("image"):
                reasons.append("lazy upgrade: container %s image changed" % (container.get("name") or index))
    return reasons


def _patch_reasons(desired, observed, pods, cfg):
    reasons = []
    mine, theirs = _spec(desired), _spec(observed)
    replicas, current = mine.get("replicas"), theirs.get("replicas")
    if replicas is not None and replicas != current:
        reason = "replicas changed from %s to %s" % (current, replicas)
        for pod in pods:
            ordinal = _ordinal(_pod_name(pod))
            if labels(pod).get(cfg_value(cfg, "pod_role_label", "spilo-role")) == "master" and ordinal is not None and ordinal >= replicas and replicas > 0:
                reason += " (master %s would be removed: switch over to %s-0 first)" % (_pod_name(pod), meta(desired).get("name"))
        reasons.append(reason)
    for field in ("updateStrategy", "minReadySeconds", "ordinals"):
        if not contains(theirs.get(field), mine.get(field)):
            reasons.append("%s changed" % field)
    reason = labels_reason(labels(desired), labels(observed), "StatefulSet labels")
    if reason:
        reasons.append(reason)
    return reasons


def _template_annotations_body(desired, observed, cfg):
    """Keep excluded pod template annotations (e.g. ``kubectl.kubernetes.io/restartedAt``) across a PUT."""
    body_template = desired.setdefault("spec", {}).setdefault("template", {}).setdefault("metadata", {})
    kept = dict((k, v) for k, v in annotations(_template(observed)).items() if annotation_excluded(k, cfg))
    if kept:
        body_template["annotations"] = dict(kept, **(body_template.get("annotations") or {}))
    return desired


def _pod_annotation_actions(desired, observed, pods, cfg):
    """Patch running pods whose annotations lag behind the pod template (no rolling update).

    Keys the desired template sets are added or updated; keys the current template had and
    the desired one dropped are removed; other pod annotations (Patroni's ``status``, the
    rolling-update flag, ...) are never touched.
    """
    wanted = dict((k, v) for k, v in annotations(_template(desired)).items() if not annotation_excluded(k, cfg))
    dropped = [k for k in annotations(_template(observed) if observed else {}) if k not in wanted and not annotation_excluded(k, cfg)]
    actions = []
    for pod in pods:
        if _is_terminating(pod):
            continue
        current = annotations(pod)
        patch = dict((k, v) for k, v in wanted.items() if current.get(k) != v)
        removed = sorted(k for k in dropped if k in current)
        for key in removed:
            patch[key] = None
        if not patch:
            continue
        added, changed, _removed = annotation_changes(wanted, dict((k, current[k]) for k in wanted if k in current), cfg)
        reason = "pod annotations out of date with the pod template: patched on the running pod (%s)" % "; ".join(
            part for part in (
                "added: %s" % ", ".join(added) if added else "",
                "changed: %s" % ", ".join(changed) if changed else "",
                "removed: %s" % ", ".join(removed) if removed else "",
            ) if part
        )
        actions.append(Action("Pod", meta(pod).get("namespace") or meta(desired).get("namespace"), _pod_name(pod), PATCH, reason,
                              patch={"metadata": {"annotations": patch}}))
    return actions


def _replace_container_lists(patch, desired, observed):
    """Containers go into the patch whole: a merge patch replaces lists, so fields we dropped
    (a removed limit, a removed probe) disappear too."""
    pod_patch = patch.setdefault("spec", {}).setdefault("template", {}).setdefault("spec", {})
    for list_name in ("containers", "initContainers"):
        mine = _pod_spec(desired).get(list_name)
        if mine:
            pod_patch[list_name] = copy.deepcopy(mine)
        elif _pod_spec(observed).get(list_name):
            pod_patch[list_name] = None
    return patch


def _flag_action(desired, pods, reason):
    return Action("Pod", meta(desired).get("namespace"), meta(desired).get("name"), FLAG_ROLLING_UPDATE, reason, pods=pods)


# -- the decision --------------------------------------------------------------------------

def _flags(desired, pods, cfg, rolling_reasons, lazy):
    """``(pods_to_flag, pending, reason)``: who gets flagged now, who will be recreated."""
    already = [_pod_name(p) for p in pods if _is_flagged(p)]
    candidates = [p for p in pods if not _is_flagged(p) and not _is_terminating(p)]
    to_flag = []
    reason = ""
    if rolling_reasons:
        to_flag = [_pod_name(p) for p in candidates]
        reason = "%s: pods need a rolling update" % "; ".join(rolling_reasons)
    elif not lazy:
        image = postgres_container(_pod_spec(desired)).get("image")
        stale = [p for p in candidates if postgres_container((p.get("spec") or {})).get("image") != image]
        to_flag = [_pod_name(p) for p in stale]
        if stale:
            reason = "pods %s run another image than the StatefulSet (%s): pods need a rolling update" % (", ".join(to_flag), image)
    return sorted(to_flag), sorted(set(already) | set(to_flag)), reason


def decide_statefulset(desired, observed, pods, cfg):
    """Compare the observed StatefulSet (``None`` when missing) with the desired one; see the module doc."""
    pods = list(pods or [])
    name, namespace = meta(desired).get("name"), meta(desired).get("namespace")
    lazy = bool(cfg_value(cfg, "enable_lazy_spilo_upgrade", False))
    if observed is None:
        actions = [Action(KIND, namespace, name, CREATE, "StatefulSet %s does not exist: created" % name, body=copy.deepcopy(desired))]
        leftovers = sorted(_pod_name(p) for p in pods if not _is_flagged(p) and not _is_terminating(p))
        if leftovers:
            actions.append(_flag_action(desired, leftovers, "pods %s existed before the StatefulSet was created: they need a rolling update"
                                        % ", ".join(leftovers)))
        pending = sorted(set(leftovers) | set(_pod_name(p) for p in pods if _is_flagged(p)))
        return StatefulSetDecision(CREATE, ["StatefulSet does not exist"], actions, leftovers, pending, bool(pending))

    immutable = _immutable_reasons(desired, observed, cfg)
    replace = _replace_reasons(desired, observed, cfg, lazy)
    pod_level = _compare_pod_level(desired, observed)
    container_level = _compare_containers(_pod_spec(desired), _pod_spec(observed), lazy)
    patch_only = _patch_reasons(desired, observed, pods, cfg)
    rolling_reasons = container_level + pod_level

    to_flag, pending, flag_reason = _flags(desired, pods, cfg, rolling_reasons, lazy)
    actions = []
    if to_flag:
        actions.append(_flag_action(desired, to_flag, flag_reason))

    reasons = immutable + replace + pod_level + container_level + patch_only
    rolling = bool(rolling_reasons)
    if immutable:
        decision = "rolling_update_recreate" if rolling else RECREATE
        body = _template_annotations_body(replacement_body(desired, observed, cfg, keep_resource_version=False), observed, cfg)
        actions.append(Action(KIND, namespace, name, RECREATE,
                              "%s: StatefulSet deleted with orphaned pods and created again" % "; ".join(reasons),
                              body=body, propagation_policy="Orphan"))
    elif replace or pod_level:
        decision = "rolling_update_replace" if rolling else REPLACE
        body = _template_annotations_body(replacement_body(desired, observed, cfg), observed, cfg)
        actions.append(Action(KIND, namespace, name, REPLACE, "%s: StatefulSet replaced" % "; ".join(reasons), body=body))
    elif container_level or patch_only:
        decision = "rolling_update_patch" if rolling else PATCH
        patch = merge_patch(observed, desired, cfg)
        if container_level:
            _replace_container_lists(patch, desired, observed)
        if patch:
            actions.append(Action(KIND, namespace, name, PATCH, "%s: StatefulSet patched" % "; ".join(reasons), patch=patch))
    else:
        decision = "noop"

    if not rolling:
        pod_patches = _pod_annotation_actions(desired, observed, [p for p in pods if _pod_name(p) not in pending], cfg)
        if pod_patches:
            actions.extend(pod_patches)
            if decision == "noop" or (decision == REPLACE and not [r for r in replace if not r.startswith("pod template annotations")]):
                decision = "pod_annotations"
    if decision == "noop" and to_flag:
        decision = "flag_pods"
    return StatefulSetDecision(decision, reasons, actions, to_flag, pending, rolling or bool(pending))
