# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pod-level lists of the ``postgresql`` spec: containers, volumes, env, scheduling, streams.

Kubernetes types (v1.Container, v1.EnvVar, v1.Toleration, ...) are passed through as
given after their shape is checked (``kube_objects``): a malformed item is an error naming its
path here, never an exception in a builder or a refusal by the API server later.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

from ansible_collections.pgkube.operator.plugins.module_utils.model import kube_objects as k8s
from ansible_collections.pgkube.operator.plugins.module_utils.model.fields import join
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest_sections import read_resources

CONTAINER_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
CONTAINER_NAME_FORM = "lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters"
TOLERATION_OPERATORS = ("", "Equal", "Exists")  # "" means Equal, as in Kubernetes
TOLERATION_EFFECTS = ("", "NoExecute", "NoSchedule", "PreferNoSchedule")  # "" matches every effect


def _container_name(fields, item, where, required):
    name = fields.string(item, "name", where, required=required, non_empty=required)
    if name and (len(name) > 63 or not CONTAINER_NAME_RE.match(name)):
        fields.error(join(where, "name"), "%r is not a container name (%s)" % (name, CONTAINER_NAME_FORM))
    return name


def _check_rest(fields, item, where, shape, handled):
    """Check the fields of ``item`` not read by the caller (``handled``) against ``shape``."""
    k8s.check(fields, dict((k, v) for k, v in item.items() if k not in handled), where, shape)


def read_sidecars(fields, spec, path):
    """Sidecars need an image; a missing name becomes ``sidecar-<index>`` (as upstream)."""
    result = []
    for index, item in fields.mapping_list(spec, "sidecars", path, default=[]):
        where = join(join(path, "sidecars"), index)
        sidecar = copy.deepcopy(item)
        sidecar["name"] = _container_name(fields, item, where, False) or "sidecar-%d" % index
        sidecar["image"] = fields.string(item, "image", where, required=True, non_empty=True)
        sidecar["resources"] = read_resources(fields, item, where)
        _check_rest(fields, item, where, k8s.SIDECAR, ("name", "image", "resources"))
        result.append(sidecar)
    return result


def read_init_containers(fields, spec, path):
    """Init containers are full v1.Container objects: name and image required."""
    result = []
    for index, item in fields.mapping_list(spec, "initContainers", path, default=[]):
        where = join(join(path, "initContainers"), index)
        _container_name(fields, item, where, True)
        fields.string(item, "image", where, required=True, non_empty=True)
        _check_rest(fields, item, where, k8s.CONTAINER, ("name", "image"))
        result.append(copy.deepcopy(item))
    return result


def read_additional_volumes(fields, spec, path):
    result = []
    for index, item in fields.mapping_list(spec, "additionalVolumes", path, default=[]):
        where = join(join(path, "additionalVolumes"), index)
        fields.string(item, "name", where, required=True, non_empty=True)
        fields.string(item, "mountPath", where, required=True, non_empty=True)
        if fields.mapping(item, "volumeSource", where, required=True) is not None:
            k8s.check(fields, item["volumeSource"], join(where, "volumeSource"), k8s.VOLUME_SOURCE)
        fields.string(item, "subPath", where)
        fields.boolean(item, "isSubPathExpr", where)
        fields.string_list(item, "targetContainers", where)
        result.append(copy.deepcopy(item))
    return result


def read_env(fields, spec, path):
    result = []
    for index, item in fields.mapping_list(spec, "env", path, default=[]):
        k8s.check(fields, item, join(join(path, "env"), index), k8s.ENV_VAR)
        result.append(copy.deepcopy(item))
    return result


def read_tolerations(fields, spec, path):
    result = []
    for index, item in fields.mapping_list(spec, "tolerations", path, default=[]):
        where = join(join(path, "tolerations"), index)
        fields.string(item, "key", where)
        fields.string(item, "operator", where, choices=TOLERATION_OPERATORS)
        fields.string(item, "value", where)
        fields.string(item, "effect", where, choices=TOLERATION_EFFECTS)
        fields.integer(item, "tolerationSeconds", where)
        result.append(copy.deepcopy(item))
    return result


def read_object_list(fields, spec, key, path, shape):
    """A list of Kubernetes objects of ``shape`` passed through (envFrom, topologySpreadConstraints)."""
    result = []
    for index, item in fields.mapping_list(spec, key, path, default=[]):
        k8s.check(fields, item, join(join(path, key), index), shape)
        result.append(copy.deepcopy(item))
    return result


def read_object(fields, spec, key, path, shape):
    """One Kubernetes object of ``shape`` (livenessProbe, nodeAffinity), or None when absent."""
    value = fields.mapping(spec, key, path)
    if value is not None:
        k8s.check(fields, value, join(path, key), shape)
    return copy.deepcopy(value)


def read_streams(fields, spec, path):
    result = []
    for index, item in fields.mapping_list(spec, "streams", path, default=[]):
        where = join(join(path, "streams"), index)
        fields.string(item, "applicationId", where, required=True, non_empty=True)
        fields.string(item, "database", where, required=True, non_empty=True)
        tables = fields.mapping(item, "tables", where, required=True) or {}
        for table, definition in tables.items():
            table_path = join(join(where, "tables"), table)
            if not isinstance(definition, dict):
                fields.error(table_path, "must be a mapping with at least eventType")
                continue
            fields.string(definition, "eventType", table_path, required=True, non_empty=True)
        fields.string_map(item, "filter", where)
        fields.integer(item, "batchSize", where, minimum=0)
        fields.boolean(item, "enableRecovery", where)
        result.append(copy.deepcopy(item))
    return result
