# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shapes of the Kubernetes v1 objects a ``postgresql`` manifest embeds.

The CRD keeps these fields schemaless (``x-kubernetes-preserve-unknown-fields``): containers,
environment variables, probes, tolerations, node affinity, topology spread constraints and volume
sources reach the operator exactly as written. ``check(fields, value, path, SHAPE)`` walks one of
them and records, with the full field path, every value of the wrong type and every required field
that is missing, so that a builder never meets a malformed item. Fields not listed here (a newer
Kubernetes field, say) are passed through with a warning.

A shape is ``STRING``, ``INTEGER``, ``BOOLEAN``, ``INT_OR_STRING``, ``STRING_MAP``, ``MAPPING``
(any mapping, not looked into), ``ListOf(shape)``, ``OneOf(*choices)`` (a string among choices) or
``Obj(fields, required=(), at_least_one=False)``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.model.fields import describe, is_int, join

STRING = "a string"
INTEGER = "an integer"
BOOLEAN = "a boolean (true or false)"
INT_OR_STRING = "an integer or a string"
STRING_MAP = "a mapping of strings"
MAPPING = "a mapping"


class ListOf:
    def __init__(self, item):
        self.item = item


class OneOf:
    def __init__(self, *choices):
        self.choices = choices


class Obj:
    """A mapping with known ``fields`` (name -> shape); ``at_least_one``: it must set one of them."""

    def __init__(self, fields, required=(), at_least_one=False, name="object"):
        self.fields = fields
        self.required = required
        self.at_least_one = at_least_one
        self.name = name


def _scalar_ok(shape, value):
    if shape == STRING:
        return isinstance(value, str)
    if shape == INTEGER:
        return is_int(value)
    if shape == BOOLEAN:
        return isinstance(value, bool)
    if shape == INT_OR_STRING:
        return is_int(value) or isinstance(value, str)
    return isinstance(value, dict)


def check(fields, value, path, shape):
    """Record in ``fields`` what is wrong with ``value`` (at ``path``) for ``shape``; returns None."""
    if value is None:
        return
    if isinstance(shape, Obj):
        _check_object(fields, value, path, shape)
    elif isinstance(shape, ListOf):
        if not isinstance(value, list):
            fields.error(path, "must be a list, got %s" % describe(value))
            return
        for index, item in enumerate(value):
            if item is None:
                fields.error(join(path, index), "must not be null")
            else:
                check(fields, item, join(path, index), shape.item)
    elif isinstance(shape, OneOf):
        if not isinstance(value, str):
            fields.error(path, "must be a string, got %s" % describe(value))
        elif value not in shape.choices:
            fields.error(path, "%r is not allowed; expected one of: %s" % (value, ", ".join(shape.choices)))
    elif shape == STRING_MAP:
        if not isinstance(value, dict):
            fields.error(path, "must be a mapping, got %s" % describe(value))
            return
        for key, item in value.items():
            if not isinstance(item, str):
                fields.error(join(path, str(key)), "must be a string, got %s" % describe(item))
    elif not _scalar_ok(shape, value):
        fields.error(path, "must be %s, got %s" % (shape, describe(value)))


def _check_object(fields, value, path, shape):
    if not isinstance(value, dict):
        fields.error(path, "must be a mapping (a Kubernetes %s), got %s" % (shape.name, describe(value)))
        return
    for key in shape.required:
        item = value.get(key)
        if item is None or (isinstance(item, str) and not item.strip()):
            fields.error(join(path, key), "is required")
    if shape.at_least_one and not any(value.get(key) is not None for key in shape.fields):
        fields.error(path, "must set one of: %s" % ", ".join(sorted(shape.fields)))
    for key, item in value.items():
        if key in shape.fields:
            check(fields, item, join(path, key), shape.fields[key])
        else:
            fields.warn("%s: unknown field of a Kubernetes %s, passed through as given" % (join(path, str(key)), shape.name))


def check_list(fields, value, path, item_shape):
    check(fields, value, path, ListOf(item_shape))


LABEL_SELECTOR_REQUIREMENT = Obj({"key": STRING, "operator": OneOf("In", "NotIn", "Exists", "DoesNotExist"), "values": ListOf(STRING)},
                                 required=("key", "operator"), name="LabelSelectorRequirement")
LABEL_SELECTOR = Obj({"matchLabels": STRING_MAP, "matchExpressions": ListOf(LABEL_SELECTOR_REQUIREMENT)}, name="LabelSelector")

NODE_SELECTOR_REQUIREMENT = Obj({"key": STRING, "operator": OneOf("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"),
                                 "values": ListOf(STRING)}, required=("key", "operator"), name="NodeSelectorRequirement")
NODE_SELECTOR_TERM = Obj({"matchExpressions": ListOf(NODE_SELECTOR_REQUIREMENT), "matchFields": ListOf(NODE_SELECTOR_REQUIREMENT)},
                         name="NodeSelectorTerm")
NODE_AFFINITY = Obj({
    "requiredDuringSchedulingIgnoredDuringExecution": Obj({"nodeSelectorTerms": ListOf(NODE_SELECTOR_TERM)},
                                                          required=("nodeSelectorTerms",), name="NodeSelector"),
    "preferredDuringSchedulingIgnoredDuringExecution": ListOf(Obj({"weight": INTEGER, "preference": NODE_SELECTOR_TERM},
                                                                  required=("weight", "preference"), name="PreferredSchedulingTerm")),
}, name="NodeAffinity")

TOPOLOGY_SPREAD_CONSTRAINT = Obj({
    "maxSkew": INTEGER, "topologyKey": STRING, "whenUnsatisfiable": OneOf("DoNotSchedule", "ScheduleAnyway"),
    "labelSelector": LABEL_SELECTOR, "minDomains": INTEGER, "nodeAffinityPolicy": OneOf("Honor", "Ignore"),
    "nodeTaintsPolicy": OneOf("Honor", "Ignore"), "matchLabelKeys": ListOf(STRING),
}, required=("maxSkew", "topologyKey", "whenUnsatisfiable"), name="TopologySpreadConstraint")

_KEY_REF = {"name": STRING, "key": STRING, "optional": BOOLEAN}
ENV_VAR_SOURCE = Obj({
    "fieldRef": Obj({"apiVersion": STRING, "fieldPath": STRING}, required=("fieldPath",), name="ObjectFieldSelector"),
    "resourceFieldRef": Obj({"containerName": STRING, "resource": STRING, "divisor": INT_OR_STRING}, required=("resource",),
                            name="ResourceFieldSelector"),
    "configMapKeyRef": Obj(_KEY_REF, required=("key",), name="ConfigMapKeySelector"),
    "secretKeyRef": Obj(_KEY_REF, required=("key",), name="SecretKeySelector"),
}, at_least_one=True, name="EnvVarSource")
ENV_VAR = Obj({"name": STRING, "value": STRING, "valueFrom": ENV_VAR_SOURCE}, required=("name",), name="EnvVar")
ENV_FROM_SOURCE = Obj({"prefix": STRING, "configMapRef": Obj({"name": STRING, "optional": BOOLEAN}, name="ConfigMapEnvSource"),
                       "secretRef": Obj({"name": STRING, "optional": BOOLEAN}, name="SecretEnvSource")}, name="EnvFromSource")

CONTAINER_PORT = Obj({"name": STRING, "containerPort": INTEGER, "hostPort": INTEGER, "protocol": OneOf("TCP", "UDP", "SCTP"),
                      "hostIP": STRING}, required=("containerPort",), name="ContainerPort")
VOLUME_MOUNT = Obj({"name": STRING, "mountPath": STRING, "readOnly": BOOLEAN, "recursiveReadOnly": STRING, "subPath": STRING,
                    "subPathExpr": STRING, "mountPropagation": STRING}, required=("name", "mountPath"), name="VolumeMount")
PROBE = Obj({
    "exec": Obj({"command": ListOf(STRING)}, name="ExecAction"),
    "httpGet": Obj({"path": STRING, "port": INT_OR_STRING, "host": STRING, "scheme": OneOf("HTTP", "HTTPS"),
                    "httpHeaders": ListOf(Obj({"name": STRING, "value": STRING}, required=("name",), name="HTTPHeader"))},
                   required=("port",), name="HTTPGetAction"),
    "tcpSocket": Obj({"port": INT_OR_STRING, "host": STRING}, required=("port",), name="TCPSocketAction"),
    "grpc": Obj({"port": INTEGER, "service": STRING}, required=("port",), name="GRPCAction"),
    "initialDelaySeconds": INTEGER, "timeoutSeconds": INTEGER, "periodSeconds": INTEGER, "successThreshold": INTEGER,
    "failureThreshold": INTEGER, "terminationGracePeriodSeconds": INTEGER,
}, name="Probe")
CONTAINER = Obj({
    "name": STRING, "image": STRING, "command": ListOf(STRING), "args": ListOf(STRING), "workingDir": STRING,
    "ports": ListOf(CONTAINER_PORT), "envFrom": ListOf(ENV_FROM_SOURCE), "env": ListOf(ENV_VAR), "resources": MAPPING,
    "resizePolicy": ListOf(MAPPING), "restartPolicy": STRING, "volumeMounts": ListOf(VOLUME_MOUNT), "volumeDevices": ListOf(MAPPING),
    "livenessProbe": PROBE, "readinessProbe": PROBE, "startupProbe": PROBE, "lifecycle": MAPPING,
    "terminationMessagePath": STRING, "terminationMessagePolicy": OneOf("File", "FallbackToLogsOnError"),
    "imagePullPolicy": OneOf("Always", "Never", "IfNotPresent"), "securityContext": MAPPING,
    "stdin": BOOLEAN, "stdinOnce": BOOLEAN, "tty": BOOLEAN,
}, name="Container")
# upstream's manifest sidecar type: only these six fields are read
SIDECAR = Obj({"name": STRING, "image": STRING, "resources": MAPPING, "ports": ListOf(CONTAINER_PORT), "env": ListOf(ENV_VAR),
               "command": ListOf(STRING)}, name="sidecar (name, image, resources, ports, env, command; other fields are ignored)")

KEY_TO_PATH = Obj({"key": STRING, "path": STRING, "mode": INTEGER}, required=("key", "path"), name="KeyToPath")
_VOLUME_TYPES = {
    "emptyDir": Obj({"medium": STRING, "sizeLimit": INT_OR_STRING}, name="EmptyDirVolumeSource"),
    "secret": Obj({"secretName": STRING, "items": ListOf(KEY_TO_PATH), "defaultMode": INTEGER, "optional": BOOLEAN},
                  name="SecretVolumeSource"),
    "configMap": Obj({"name": STRING, "items": ListOf(KEY_TO_PATH), "defaultMode": INTEGER, "optional": BOOLEAN},
                     name="ConfigMapVolumeSource"),
    "persistentVolumeClaim": Obj({"claimName": STRING, "readOnly": BOOLEAN}, required=("claimName",),
                                 name="PersistentVolumeClaimVolumeSource"),
    "hostPath": Obj({"path": STRING, "type": STRING}, required=("path",), name="HostPathVolumeSource"),
}
VOLUME_TYPE_NAMES = (
    "awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "csi", "downwardAPI", "ephemeral", "fc", "flexVolume",
    "flocker", "gcePersistentDisk", "gitRepo", "glusterfs", "image", "iscsi", "nfs", "photonPersistentDisk", "portworxVolume",
    "projected", "quobyte", "rbd", "scaleIO", "storageos", "vsphereVolume",
)
VOLUME_SOURCE = Obj(dict(_VOLUME_TYPES, **dict((name, MAPPING) for name in VOLUME_TYPE_NAMES)), at_least_one=True, name="VolumeSource")
