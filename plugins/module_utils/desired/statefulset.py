# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster's StatefulSet ``<cluster>`` (reference §4.2, ``generateStatefulSet``).

Owner references are added by the owner-reference builder, not here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

from ansible_collections.pgkube.operator.plugins.module_utils.desired.affinity import build_affinity, build_tolerations
from ansible_collections.pgkube.operator.plugins.module_utils.desired.containers import (
    init_containers,
    postgres_container,
    sidecar_containers,
)
from ansible_collections.pgkube.operator.plugins.module_utils.desired.instances import number_of_instances
from ansible_collections.pgkube.operator.plugins.module_utils.desired.labels import inherited_annotations, object_labels, selector_labels
from ansible_collections.pgkube.operator.plugins.module_utils.desired.naming import master_service_name, statefulset_name
from ansible_collections.pgkube.operator.plugins.module_utils.desired.resources import postgres_resources
from ansible_collections.pgkube.operator.plugins.module_utils.desired.spilo_configuration import build_spilo_configuration
from ansible_collections.pgkube.operator.plugins.module_utils.desired.spilo_env import build_spilo_env
from ansible_collections.pgkube.operator.plugins.module_utils.desired.volumes import (
    add_pod_volumes,
    pgdata_volume_mount,
    pvc_retention_policy,
    volume_claim_template,
)
from ansible_collections.pgkube.operator.plugins.module_utils.errors import ConfigurationError

KUBE_IAM_ANNOTATION = "iam.amazonaws.com/role"
POD_MANAGEMENT_POLICIES = {"ordered_ready": "OrderedReady", "parallel": "Parallel"}


def downscaler_annotations(cluster, cfg):
    """CR annotations whose key matches one of the ``downscaler_annotations`` regexes (unanchored)."""
    result = {}
    for pattern in cfg.downscaler_annotations or []:
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise ConfigurationError("downscaler_annotations", "%r is not a regular expression: %s" % (pattern, exc))
        for key, value in cluster.annotations.items():
            if regex.search(key):
                result[key] = value
    return result


def statefulset_annotations(cluster, cfg):
    annotations = inherited_annotations(cluster, cfg)
    annotations.update(downscaler_annotations(cluster, cfg))
    return annotations


def pod_annotations(cluster, cfg):
    """``custom_pod_annotations`` < ``podAnnotations`` < inherited annotations, plus ``kube_iam_role``."""
    annotations = dict(cfg.custom_pod_annotations or {})
    annotations.update(cluster.spec.get("podAnnotations") or {})
    annotations.update(inherited_annotations(cluster, cfg))
    if cfg.kube_iam_role:
        annotations[KUBE_IAM_ANNOTATION] = cfg.kube_iam_role
    return annotations


def pod_security_context(cluster, cfg):
    """runAsUser / runAsGroup / fsGroup: manifest over configuration; ``{}`` when none is set."""
    spec = cluster.spec
    context = {}
    fields = (("runAsUser", "spiloRunAsUser", "spilo_runasuser"),
              ("runAsGroup", "spiloRunAsGroup", "spilo_runasgroup"),
              ("fsGroup", "spiloFSGroup", "spilo_fsgroup"))
    for field, manifest_key, config_key in fields:
        value = spec.get(manifest_key)
        if value is None:
            value = getattr(cfg, config_key)
        if value is not None:
            context[field] = value
    return context


def pod_management_policy(cfg):
    policy = POD_MANAGEMENT_POLICIES.get(cfg.pod_management_policy)
    if policy is None:
        raise ConfigurationError("pod_management_policy", "%r is not a pod management policy; expected ordered_ready or parallel"
                                 % (cfg.pod_management_policy,))
    return policy


def pod_spec(cluster, cfg, containers, init, labels, warnings):
    spec = cluster.spec
    result = {
        "serviceAccountName": cfg.pod_service_account_name,
        "terminationGracePeriodSeconds": int(cfg.pod_terminate_grace_period),
        "containers": containers,
        "securityContext": pod_security_context(cluster, cfg),
    }
    if init:
        result["initContainers"] = init
    tolerations = build_tolerations(cluster, cfg)
    if tolerations:
        result["tolerations"] = tolerations
    if spec.get("schedulerName"):
        result["schedulerName"] = spec["schedulerName"]
    affinity = build_affinity(cluster, cfg, labels)
    if affinity:
        result["affinity"] = affinity
    priority_class = spec.get("podPriorityClassName") or cfg.pod_priority_class_name
    if priority_class:
        result["priorityClassName"] = priority_class
    if spec.get("topologySpreadConstraints"):
        result["topologySpreadConstraints"] = copy.deepcopy(list(spec["topologySpreadConstraints"]))
    add_pod_volumes(result, cluster, cfg, warnings)
    return result


def build_statefulset(cluster, cfg, pod_env_configmap_data=None, pod_env_secret_keys=None):
    """``(statefulset, warnings)`` for the cluster.

    ``pod_env_configmap_data`` / ``pod_env_secret_keys``: the data of the
    ``pod_environment_configmap`` and the keys of the ``pod_environment_secret`` (read
    by the caller). ``warnings`` are ``BuildWarning`` strings with a ``reason``;
    ``ResourceLimits`` ones are Warning Events upstream. Raises ``ValidationError`` for manifest problems
    (field path in ``path``) and ``ConfigurationError`` for configuration problems.
    """
    warnings = []
    resources, resource_warnings = postgres_resources(cluster, cfg)
    warnings.extend(resource_warnings)
    init = init_containers(cluster, cfg)
    env = build_spilo_env(cluster, cfg, build_spilo_configuration(cluster, cfg), pod_env_configmap_data, pod_env_secret_keys)
    pgdata_mounts = [pgdata_volume_mount(cluster)]
    postgres = postgres_container(cluster, cfg, env, resources, pgdata_mounts)
    sidecars = sidecar_containers(cluster, cfg, pgdata_mounts, warnings)

    labels = object_labels(cluster, cfg)
    template_metadata = {"namespace": cluster.namespace, "labels": dict(labels)}
    annotations = pod_annotations(cluster, cfg)
    if annotations:
        template_metadata["annotations"] = annotations

    metadata = {"name": statefulset_name(cluster.name), "namespace": cluster.namespace, "labels": dict(labels)}
    sts_annotations = statefulset_annotations(cluster, cfg)
    if sts_annotations:
        metadata["annotations"] = sts_annotations

    statefulset = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": metadata,
        "spec": {
            "replicas": number_of_instances(cluster, cfg, warnings),
            "selector": {"matchLabels": selector_labels(cluster, cfg)},
            "serviceName": master_service_name(cluster.name),
            "template": {
                "metadata": template_metadata,
                "spec": pod_spec(cluster, cfg, [postgres] + sidecars, init, labels, warnings),
            },
            "volumeClaimTemplates": [volume_claim_template(cluster, cfg)],
            "updateStrategy": {"type": "OnDelete"},
            "podManagementPolicy": pod_management_policy(cfg),
            "persistentVolumeClaimRetentionPolicy": pvc_retention_policy(cfg),
        },
    }
    return statefulset, warnings
