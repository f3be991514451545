# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the current state of a cluster's Kubernetes objects."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.errors import KubernetesError
from ansible_collections.pgkube.operator.plugins.module_utils.kube.kinds import api_version, object_key

# Kinds a cluster owns that are found by its selector labels when deleting it (pods included:
# the StatefulSet is deleted with orphaned pods, which are deleted one by one).
LABELLED_KINDS = ("StatefulSet", "Pod", "Service", "Endpoints", "Secret", "PodDisruptionBudget", "ConfigMap", "PersistentVolumeClaim")


def label_selector(labels):
    return ",".join("%s=%s" % (k, v) for k, v in sorted(labels.items()))


def observe_objects(api, desired_objects):
    """Map (kind, namespace, name) -> current object (absent objects are left out). Read with
    ``get_child``: these are objects the operator creates."""
    observed = {}
    for obj in desired_objects:
        kind, namespace, name = object_key(obj)
        current = api.get_child(kind, obj.get("apiVersion") or api_version(kind), namespace, name)
        if current is not None:
            observed[(kind, namespace, name)] = current
    return observed


def observe_secrets(api, namespaced_names):
    """Map secret name -> current Secret for the (namespace, name) pairs given."""
    found = {}
    for namespace, name in namespaced_names:
        current = api.get_child("Secret", "v1", namespace, name)
        if current is not None:
            found[name] = current
    return found


def observe_pods(api, namespace, selector):
    pods = api.list("Pod", "v1", namespace, label_selector(selector))
    return sorted(pods, key=lambda pod: pod["metadata"]["name"])


def observe_owned(api, namespace, selector, kinds=LABELLED_KINDS, named=None):
    """Everything in the namespace carrying the cluster's selector labels, by key.

    A kind the operator may read but not list (the Zalando operator's own ClusterRole grants only
    get on Secrets, Services, PDBs) is read by name instead: ``named`` maps a kind to the names the
    cluster's objects of that kind have; without an entry the 403 is raised.
    """
    found = {}
    for kind in kinds:
        try:
            objects = api.list(kind, api_version(kind), namespace, label_selector(selector))
        except KubernetesError as exc:
            if exc.status != 403 or kind not in (named or {}):
                raise
            objects = _get_named(api, kind, namespace, named[kind])
        for obj in objects:
            obj.setdefault("kind", kind)
            obj.setdefault("apiVersion", api_version(kind))
            found[object_key(obj)] = obj
    return found


def _get_named(api, kind, namespace, names):
    """The objects of these names that exist; none when even reading them is forbidden (the
    Zalando ClusterRole in ConfigMap mode grants nothing on Endpoints: there are none to delete)."""
    found = []
    for name in names:
        try:
            obj = api.get(kind, api_version(kind), namespace, name)
        except KubernetesError as exc:
            if exc.status == 403:
                return found
            raise
        if obj is not None:
            found.append(obj)
    return found
