# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Entry points of the planner: ``plan_cluster`` (reconcile) and ``plan_delete`` (state=absent).

``plan_cluster(desired_objects, observed, cfg, pods=None)`` walks the desired objects in
the order the builders give them (their creation order) and asks the rule of each kind
what to do. ``observed`` maps ``(kind, namespace, name)`` to the object as the API server
returned it (missing key: the object does not exist). ``pods`` are the cluster's pods (for
the StatefulSet decision). The result is a ``Plan``; an empty plan means nothing to do.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

__all__ = ("plan_cluster", "plan_delete", "plan_object", "cluster_name_of")

from ansible_collections.pgkube.operator.plugins.module_utils.plan.actions import Plan
from ansible_collections.pgkube.operator.plugins.module_utils.plan.compare import cfg_value
from ansible_collections.pgkube.operator.plugins.module_utils.plan.delete import plan_delete
from ansible_collections.pgkube.operator.plugins.module_utils.plan.generic import (
    plan_create_only,
    plan_endpoints,
    plan_generic,
    plan_patroni_object,
    plan_service_account,
)
from ansible_collections.pgkube.operator.plugins.module_utils.plan.object_meta import identity, labels, meta
from ansible_collections.pgkube.operator.plugins.module_utils.plan.patroni_names import patroni_dcs_names, patroni_service_name
from ansible_collections.pgkube.operator.plugins.module_utils.plan.pdb import plan_pdb
from ansible_collections.pgkube.operator.plugins.module_utils.plan.secret import plan_secret
from ansible_collections.pgkube.operator.plugins.module_utils.plan.service import plan_service
from ansible_collections.pgkube.operator.plugins.module_utils.plan.statefulset import decide_statefulset


def cluster_name_of(desired_objects, cfg):
    """The cluster name: the StatefulSet's name, else the ``cluster_name_label`` of any object."""
    for obj in desired_objects:
        if obj.get("kind") == "StatefulSet":
            return meta(obj).get("name")
    label = cfg_value(cfg, "cluster_name_label", "cluster-name")
    for obj in desired_objects:
        if labels(obj).get(label):
            return labels(obj)[label]
    return None


def _overwrite_reason(secret_overwrites, namespace, name):
    if not secret_overwrites:
        return None
    if isinstance(secret_overwrites, dict):
        return secret_overwrites.get((namespace, name)) or secret_overwrites.get(name)
    if (namespace, name) in secret_overwrites or name in secret_overwrites:
        return "infrastructure role"
    return None


def plan_object(desired, observed_obj, cfg, cluster_name=None, pods=None, secret_overwrites=None, plan=None):
    """Actions for one desired object (appended to ``plan``, which is returned)."""
    plan = plan if plan is not None else Plan()
    kind, namespace, name = identity(desired)
    patroni = patroni_dcs_names(cluster_name) if cluster_name else set()
    if kind == "StatefulSet":
        decision = decide_statefulset(desired, observed_obj, pods or [], cfg)
        plan.extend(decision.actions)
        for pod in decision.rolling_update_pods:
            if pod not in plan.rolling_update_pods:
                plan.rolling_update_pods.append(pod)
    elif kind == "Service":
        if cluster_name and name == patroni_service_name(cluster_name):
            plan.extend(plan_patroni_object(desired, observed_obj, cfg))
        else:
            plan.extend(plan_service(desired, observed_obj, cfg))
    elif kind == "PodDisruptionBudget":
        plan.extend(plan_pdb(desired, observed_obj, cfg))
    elif kind == "Secret":
        plan.extend(plan_secret(desired, observed_obj, cfg, overwrite_data=_overwrite_reason(secret_overwrites, namespace, name)))
    elif kind in ("Endpoints", "ConfigMap") and name in patroni:
        plan.extend(plan_patroni_object(desired, observed_obj, cfg))
    elif kind == "Endpoints":
        plan.extend(plan_endpoints(desired, observed_obj, cfg))
    elif kind == "ServiceAccount":
        plan.extend(plan_service_account(desired, observed_obj, cfg))
    elif kind == "RoleBinding":
        plan.extend(plan_create_only(desired, observed_obj, cfg))
    else:
        plan.extend(plan_generic(desired, observed_obj, cfg))
    return plan


def plan_cluster(desired_objects, observed, cfg, pods=None, secret_overwrites=None):
    """Plan for one cluster.

    ``secret_overwrites``: secrets whose data we own although they exist (infrastructure
    roles, rotations): a set of names or ``(namespace, name)`` pairs, or a dict mapping them to
    the reason shown (``"password rotation"``). Every other existing secret keeps its data.
    Raises ``PlanError`` when the desired state cannot be reached safely.
    """
    desired_objects = list(desired_objects or [])
    observed = observed or {}
    cluster_name = cluster_name_of(desired_objects, cfg)
    plan = Plan()
    for desired in desired_objects:
        plan_object(desired, observed.get(identity(desired)), cfg, cluster_name=cluster_name, pods=pods,
                    secret_overwrites=secret_overwrites, plan=plan)
    return plan
