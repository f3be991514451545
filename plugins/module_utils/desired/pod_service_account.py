# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pod ServiceAccount and its RoleBinding in a cluster's namespace (reference §4.7).

They are namespace-level objects shared by every cluster of the namespace (never owned by one
cluster): created when missing, never updated or deleted, except the IRSA annotation
``eks.amazonaws.com/role-arn`` on the ServiceAccount, which follows ``irsa_role_arn``.

Definitions come from ``pod_service_account_definition`` and
``pod_service_account_role_binding_definition`` (JSON, or YAML when PyYAML is available); empty
means the minimal defaults: ServiceAccount ``pod_service_account_name`` and a RoleBinding of
the same name to the ClusterRole of the same name. As upstream, the ServiceAccount name is
always ``pod_service_account_name`` (a different name in the definition is replaced), and
the RoleBinding's first subject gets the cluster namespace.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

try:
    import yaml
    HAS_YAML = True
except ImportError:
    yaml = None
    HAS_YAML = False

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ConfigurationError

IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
RBAC_API_VERSION = "rbac.authorization.k8s.io/v1"

SA_DEFINITION_KEY = "pod_service_account_definition"
ROLE_BINDING_DEFINITION_KEY = "pod_service_account_role_binding_definition"


def parse_definition(text, key, expected_kind):
    """Parse a JSON (or YAML) object definition from the configuration key ``key``.

    Raises ConfigurationError (path = ``key``) when it does not parse or is not ``expected_kind``.
    """
    if isinstance(text, dict):
        obj = copy.deepcopy(text)
    else:
        try:
            obj = json.loads(text)
        except ValueError as json_error:
            if not HAS_YAML:
                raise ConfigurationError(key, "is not valid JSON (%s) and PyYAML is not installed to read YAML" % json_error)
            try:
                obj = yaml.safe_load(text)
            except yaml.YAMLError as yaml_error:
                raise ConfigurationError(key, "is neither valid JSON nor valid YAML: %s" % yaml_error)
    if not isinstance(obj, dict):
        raise ConfigurationError(key, "must define one Kubernetes object, got %s" % type(obj).__name__)
    if obj.get("kind") != expected_kind:
        raise ConfigurationError(key, "defines a %r, expected a %s" % (obj.get("kind"), expected_kind))
    metadata = obj.get("metadata")
    if metadata is None:
        metadata = obj["metadata"] = {}
    if not isinstance(metadata, dict):
        raise ConfigurationError(key, "metadata must be a mapping")
    for field in ("namespace", "uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink"):
        metadata.pop(field, None)
    obj.pop("status", None)
    return obj


def _namespace_of(cluster_or_namespace):
    if isinstance(cluster_or_namespace, str):
        return cluster_or_namespace
    return cluster_or_namespace.namespace


def build_pod_service_account(cluster, cfg, warnings=None):
    """The pod ServiceAccount for the cluster's namespace (``cluster`` may also be a namespace name)."""
    name = cfg.pod_service_account_name
    definition = cfg.get(SA_DEFINITION_KEY, "") or ""
    if definition:
        account = parse_definition(definition, SA_DEFINITION_KEY, "ServiceAccount")
        account.setdefault("apiVersion", "v1")
    else:
        account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {}}
    metadata = account["metadata"]
    if metadata.get("name") and metadata["name"] != name and warnings is not None:
        warnings.append("%s names the service account %r; using pod_service_account_name %r"
                        % (SA_DEFINITION_KEY, metadata["name"], name))
    metadata["name"] = name
    metadata["namespace"] = _namespace_of(cluster)
    arn = cfg.get("irsa_role_arn", "") or ""
    if arn:
        annotations = metadata.get("annotations") or {}
        annotations[IRSA_ANNOTATION] = arn
        metadata["annotations"] = annotations
    return account


def build_pod_role_binding(cluster, cfg):
    """The RoleBinding that gives the pod ServiceAccount its ClusterRole in the cluster's namespace."""
    name = cfg.pod_service_account_name
    namespace = _namespace_of(cluster)
    definition = cfg.get(ROLE_BINDING_DEFINITION_KEY, "") or ""
    if definition:
        binding = parse_definition(definition, ROLE_BINDING_DEFINITION_KEY, "RoleBinding")
        binding.setdefault("apiVersion", RBAC_API_VERSION)
        if not binding["metadata"].get("name"):
            binding["metadata"]["name"] = name
    else:
        binding = {
            "apiVersion": RBAC_API_VERSION,
            "kind": "RoleBinding",
            "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": name}],
        }
    binding["metadata"]["namespace"] = namespace
    subjects = binding.get("subjects")
    if not isinstance(subjects, list) or not subjects or not isinstance(subjects[0], dict):
        raise ConfigurationError(ROLE_BINDING_DEFINITION_KEY, "must have at least one subject")
    subjects[0]["namespace"] = namespace
    return binding


def build_pod_service_account_objects(cluster, cfg, warnings=None):
    """``[ServiceAccount, RoleBinding]`` for the cluster's namespace."""
    return [build_pod_service_account(cluster, cfg, warnings), build_pod_role_binding(cluster, cfg)]
