# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge (or delete) the Kubernetes objects of one cluster: model -> desired -> observe -> plan -> execute.

This is what the ``postgres_cluster`` module, the per-cluster role and the watcher's
native engine call. It needs a ``KubeApi`` (kube/api.py) and an ``OperatorConfig``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.pgkube.operator.plugins.module_utils.config_source import split_namespaced_name
from ansible_collections.pgkube.operator.plugins.module_utils.desired.cluster import build_cluster
from ansible_collections.pgkube.operator.plugins.module_utils.desired.labels import selector_labels
from ansible_collections.pgkube.operator.plugins.module_utils.desired.secrets import secret_users
from ansible_collections.pgkube.operator.plugins.module_utils.errors import AlreadyExistsError
from ansible_collections.pgkube.operator.plugins.module_utils.execute.kube import apply_plan
from ansible_collections.pgkube.operator.plugins.module_utils.lifecycle.pods import ordinal
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest import ClusterSpec, validate_cluster_name, validate_instances
from ansible_collections.pgkube.operator.plugins.module_utils.model.unimplemented import ignored_features, ignored_message
from ansible_collections.pgkube.operator.plugins.module_utils.desired.naming import REGENERATED_PASSWORD_ANNOTATION
from ansible_collections.pgkube.operator.plugins.module_utils.observe.cluster import (
    label_selector, observe_objects, observe_owned, observe_pods, observe_secrets,
)
from ansible_collections.pgkube.operator.plugins.module_utils.status import now_rfc3339
from ansible_collections.pgkube.operator.plugins.module_utils.plan.patroni_names import patroni_dcs_names, patroni_service_name
from ansible_collections.pgkube.operator.plugins.module_utils.plan.planner import plan_cluster, plan_delete

REDACTED = "<redacted>"


class SyncResult:
    """What a sync or delete did (or, in check mode, would do)."""

    def __init__(self, cluster, plan, warnings, diff=None, pods=None, instances=None, ignored=None, scale_hold=None):
        self.cluster = cluster
        self.scale_hold = scale_hold  # replicas kept until the master leaves an ordinal a scale-down removes
        self.ignored = list(ignored or [])  # [(field, what is not done)]: accepted fields with no effect yet
        self.plan = plan
        self.warnings = list(warnings)
        self.diff = diff
        self.pods = list(pods or [])
        self.instances = instances

    @property
    def changed(self):
        return bool(self.plan.actions)

    @property
    def actions(self):
        return self.plan.summary()

    @property
    def rolling_update_pods(self):
        """Pods waiting for a rolling update: flagged by this run or earlier."""
        return sorted(set(self.plan.rolling_update_pods or []))

    @property
    def notes(self):
        return list(self.plan.notes or [])

    def as_dict(self):
        result = {"changed": self.changed, "actions": self.actions, "rolling_update_pods": self.rolling_update_pods, "notes": self.notes}
        if self.diff is not None:
            result["diff"] = self.diff
        return result


def parse_cluster(manifest, cfg):
    """ClusterSpec from a manifest, with the configuration-dependent rules applied (name, size)."""
    cluster = ClusterSpec.from_manifest(manifest)
    validate_cluster_name(cluster, cfg.enable_team_id_clustername_prefix)
    validate_instances(cluster, cfg.max_instances)
    return cluster


def _pod_environment(api, cluster, cfg):
    """Data of ``pod_environment_configmap`` and key names of ``pod_environment_secret`` (reference §4.9)."""
    configmap_data = None
    secret_keys = None
    if cfg.pod_environment_configmap:
        namespace, name = split_namespaced_name(cfg.pod_environment_configmap, cluster.namespace, "pod_environment_configmap")
        found = api.get("ConfigMap", "v1", namespace, name)
        if found is None and namespace != cluster.namespace:
            found = api.get("ConfigMap", "v1", cluster.namespace, name)
        configmap_data = (found or {}).get("data") or {}
    if cfg.pod_environment_secret:
        found = api.get("Secret", "v1", cluster.namespace, cfg.pod_environment_secret)
        secret_keys = sorted(((found or {}).get("data") or {}).keys())
    return configmap_data, secret_keys


def redact(obj):
    """A copy of an object fit for output: Secret data values replaced."""
    if not obj or obj.get("kind") != "Secret":
        return obj
    shown = copy.deepcopy(obj)
    for field in ("data", "stringData"):
        if isinstance(shown.get(field), dict):
            shown[field] = dict((key, REDACTED) for key in shown[field])
    shown.get("metadata", {}).pop("managedFields", None)
    return shown


def _diff(plan, observed, desired_by_key):
    before, after = {}, {}
    for action in plan.actions:
        key = (action.kind, action.namespace, action.name)
        label = "%s/%s/%s" % (action.kind, action.namespace, action.name)
        current = observed.get(key)
        before[label] = redact(current) if current is not None else None
        if action.action == "delete":
            after[label] = None
        elif action.action == "flag_rolling_update":
            after[label] = {"pods": list(action.pods or []), "annotation": "rolling update required"}
        else:
            after[label] = redact(action.body or desired_by_key.get(key))
    return {"before": before, "after": after}


def _resolve_uid(api, cluster, warnings):
    """Owner references need the CR's uid; a manifest given inline has none, so read it."""
    if cluster.uid:
        return
    current = api.get("postgresql", "acid.zalan.do/v1", cluster.namespace, cluster.name)
    if current is None:
        warnings.append("enable_owner_references is on but postgresql %s/%s does not exist: objects are created without owner references"
                        % (cluster.namespace, cluster.name))
        return
    cluster.uid = current["metadata"].get("uid")


def _data_exists(api, cluster, cfg, observed):
    """The cluster has data already: its StatefulSet exists, or PVCs of it were kept (a re-created cluster)."""
    if observed.get(("StatefulSet", cluster.namespace, cluster.name)) is not None:
        return True
    return bool(api.list("PersistentVolumeClaim", "v1", cluster.namespace, label_selector(selector_labels(cluster, cfg))))


def mark_regenerated_secrets(api, cluster, cfg, plan, observed):
    """Credentials Secrets created while the cluster's data exists carry ``REGENERATED_PASSWORD_ANNOTATION``:
    their password is new, PostgreSQL may know the role with another one, and the role step must not push
    it (docs/roles.md "Regenerated credentials"). Returns the names marked. Reads PVCs only when a Secret
    is about to be created for a cluster without a StatefulSet."""
    created = [a for a in plan.actions if a.kind == "Secret" and a.action == "create" and a.body is not None]
    if not created or not _data_exists(api, cluster, cfg, observed):
        return []
    stamp = now_rfc3339()
    for action in created:
        action.body.setdefault("metadata", {}).setdefault("annotations", {})[REGENERATED_PASSWORD_ANNOTATION] = stamp
    return sorted(a.name for a in created)


def hold_scale_down(statefulset, pods, role_label):
    """Keep a scale-down from removing the master's pod (Zalando: switch over to pod 0 first).

    When the desired ``replicas`` (above 0) would remove the master's ordinal, the desired
    StatefulSet keeps ``master ordinal + 1`` replicas for now; returns that number (None when
    nothing is held). The lifecycle step then switches over to pod 0 and the next sync scales down.
    """
    wanted = int((statefulset.get("spec") or {}).get("replicas") or 0)
    if wanted <= 0:
        return None
    for pod in pods:
        labels = (pod.get("metadata") or {}).get("labels") or {}
        number = ordinal((pod.get("metadata") or {}).get("name"))
        if labels.get(role_label) == "master" and number is not None and number >= wanted:
            statefulset["spec"]["replicas"] = number + 1
            return number + 1
    return None


def sync_cluster(api, manifest, cfg, want_diff=False, _again=False):
    """Converge every Kubernetes object of the cluster; returns a SyncResult.

    A create that collides with an existing object (created since it was read, or a cache that
    answered "absent" for an object it does not hold: ``KubeApi.get_child``) makes the whole sync
    read and plan again, once; the API now says what exists."""
    cluster = parse_cluster(manifest, cfg)
    warnings = list(getattr(cluster, "warnings", []) or [])
    ignored = ignored_features(cluster)
    if ignored:
        warnings.append(ignored_message(ignored))
    if cfg.enable_owner_references:
        _resolve_uid(api, cluster, warnings)
    users = secret_users(cluster, cfg, warnings=[])
    existing_secrets = observe_secrets(api, sorted(set((u.namespace, u.secret_name) for u in users)))
    configmap_data, secret_keys = _pod_environment(api, cluster, cfg)
    desired = build_cluster(cluster, cfg, existing_secrets=existing_secrets,
                            pod_env_configmap_data=configmap_data, pod_env_secret_keys=secret_keys)
    warnings.extend(desired.warnings)
    observed = observe_objects(api, desired.objects)
    pods = observe_pods(api, cluster.namespace, selector_labels(cluster, cfg))
    statefulset = desired.by_kind("StatefulSet")[0]
    instances = statefulset["spec"].get("replicas")
    scale_hold = hold_scale_down(statefulset, pods, cfg.pod_role_label)
    plan = plan_cluster(desired.objects, observed, cfg, pods=pods)
    mark_regenerated_secrets(api, cluster, cfg, plan, observed)
    diff = None
    if want_diff:
        diff = _diff(plan, observed, dict(((o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]), o) for o in desired.objects))
    if plan.actions:
        try:
            apply_plan(api, plan)
        except AlreadyExistsError:
            if _again:
                raise
            return sync_cluster(api, manifest, cfg, want_diff, _again=True)
    return SyncResult(cluster, plan, warnings, diff, pods=pods, instances=instances, ignored=ignored, scale_hold=scale_hold)


def owned_names(cluster, cfg):
    """Kind -> the names of the cluster's objects (what the builders make, Patroni's DCS objects and
    Service): read by name when a kind may not be listed (observe_owned)."""
    named = {}
    for obj in build_cluster(cluster, cfg).objects:
        named.setdefault(obj["kind"], set()).add(obj["metadata"]["name"])
    named.setdefault("Service", set()).add(patroni_service_name(cluster.name))
    for kind in ("ConfigMap", "Endpoints"):
        named.setdefault(kind, set()).update(patroni_dcs_names(cluster.name))
    return dict((kind, sorted(names)) for kind, names in named.items())


def delete_cluster(api, manifest, cfg, want_diff=False):
    """Delete the cluster's objects as reference §5.11 says (PVCs and Secrets per configuration)."""
    cluster = parse_cluster(manifest, cfg)
    observed = observe_owned(api, cluster.namespace, selector_labels(cluster, cfg), named=owned_names(cluster, cfg))
    plan = plan_delete(observed, cfg, cluster)
    diff = _diff(plan, observed, {}) if want_diff else None
    if plan.actions:
        apply_plan(api, plan)
    return SyncResult(cluster, plan, [], diff)
