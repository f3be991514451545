# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``ClusterSpec``: the parsed, defaulted and validated ``postgresql`` manifest.

The shape of ``ClusterSpec.spec`` is a contract (docs/architecture.md, ClusterSpec):
every top-level field of reference §2.4 is present, camelCase as in the CRD. Every
problem found is reported at once (``ValidationErrors``), each with its field path.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError, ValidationErrors
from ansible_collections.pgkube.operator.plugins.module_utils.model.fields import INT32_MAX, INT64_MAX, Fields, describe, join
from ansible_collections.pgkube.operator.plugins.module_utils.model.maintenance import parse_window, parse_windows
from ansible_collections.pgkube.operator.plugins.module_utils.model import kube_objects as k8s
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest_pod import (
    read_additional_volumes, read_env, read_init_containers, read_object, read_object_list, read_sidecars, read_streams, read_tolerations)
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest_roles import (
    check_prepared_names, check_rotation_names, effective_prepared_databases, read_databases, read_prepared_databases, read_users)
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest_sections import (
    DNS1035_RE, read_clone, read_connection_pooler, read_patroni, read_postgresql, read_resources, read_standby, read_tls, read_volume)

API_VERSION = "acid.zalan.do/v1"
KIND = "postgresql"
MAX_CLUSTER_NAME_LENGTH = 58  # 63 - len("-repl")
# No real Patroni cluster has more members (docs/compatibility.md); max_instances raises it.
INSTANCE_CEILING = 100
CRON_RE = re.compile(r"^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$")
STANDBY_ENV_RE = re.compile(r"^STANDBY_WALE_(S3|GS|GSC|SWIFT)_PREFIX$")

REMOVED_FIELDS = {
    "init_containers": "initContainers",
    "pod_priority_class_name": "podPriorityClassName",
    "replicaLoadBalancer": "enableReplicaLoadBalancer",
    "useLoadBalancer": "enableMasterLoadBalancer",
}
TRISTATE_BOOLS = (
    "enableMasterLoadBalancer", "enableReplicaLoadBalancer", "enableMasterPoolerLoadBalancer", "enableReplicaPoolerLoadBalancer",
    "enableMasterNodePort", "enableReplicaNodePort", "enableMasterPoolerNodePort", "enableReplicaPoolerNodePort",
    "enableShmVolume", "enableConnectionPooler", "enableReplicaConnectionPooler",
)
NODE_PORTS = ("masterNodePort", "replicaNodePort", "masterPoolerNodePort", "replicaPoolerNodePort")
OPTIONAL_STRINGS = ("dockerImage", "schedulerName", "podPriorityClassName", "logicalBackupRetention")
SECURITY_IDS = ("spiloRunAsUser", "spiloRunAsGroup", "spiloFSGroup")
STRING_MAPS = ("podAnnotations", "serviceAnnotations", "masterServiceAnnotations", "replicaServiceAnnotations")
STRING_LISTS = ("usersWithSecretRotation", "usersWithInPlaceSecretRotation", "usersIgnoringSecretRotation")
OTHER_FIELDS = (
    "teamId", "numberOfInstances", "livenessProbe", "allowedSourceRanges", "maintenanceWindows", "users", "databases",
    "preparedDatabases", "tolerations", "nodeAffinity", "topologySpreadConstraints", "enableLogicalBackup", "logicalBackupSchedule",
    "additionalVolumes", "initContainers", "sidecars", "env", "envFrom", "clone", "standby", "tls", "streams", "postgresql",
    "patroni", "resources", "volume", "connectionPooler",
)
KNOWN_FIELDS = frozenset(TRISTATE_BOOLS + NODE_PORTS + OPTIONAL_STRINGS + SECURITY_IDS + STRING_MAPS + STRING_LISTS + OTHER_FIELDS)
DNS1035_FORM = "lower-case letters, digits and '-', starting with a letter and ending with a letter or digit"


class ClusterSpec:
    """One ``postgresql`` cluster. Build it with ``ClusterSpec.from_manifest``."""

    def __init__(self, manifest, name, namespace, uid, generation, labels, annotations, spec, warnings=None):
        self.manifest = manifest
        self.name = name
        self.namespace = namespace
        self.uid = uid
        self.generation = generation
        self.labels = labels
        self.annotations = annotations
        self.spec = spec
        self.warnings = list(warnings or [])

    @classmethod
    def from_manifest(cls, manifest):
        """Parse, default and validate ``manifest``; raise ``ValidationError(s)`` on bad input."""
        if not isinstance(manifest, dict):
            raise ValidationError("", "a postgresql manifest must be a mapping, got %s" % describe(manifest))
        fields = Fields()
        _check_kind(fields, manifest)
        metadata = fields.mapping(manifest, "metadata", "", required=True) or {}
        name = fields.string(metadata, "name", "metadata", required=True, non_empty=True)
        if name is not None:
            _check_name_form(fields, name)
        namespace = fields.string(metadata, "namespace", "metadata", default="default")
        uid = fields.string(metadata, "uid", "metadata")
        generation = fields.integer(metadata, "generation", "metadata")
        labels = fields.string_map(metadata, "labels", "metadata", default={})
        annotations = fields.string_map(metadata, "annotations", "metadata", default={})
        raw_spec = fields.mapping(manifest, "spec", "", required=True)
        spec = read_spec(fields, raw_spec or {}) if raw_spec is not None else None
        if spec is not None and spec["preparedDatabases"] == {} and name:
            # {} means one database named like the cluster: its names must fit too
            check_prepared_names(fields, effective_prepared_databases({}, name), "spec.preparedDatabases")
        fields.raise_if_errors()
        return cls(manifest, name, namespace or "default", uid, generation, labels, annotations, spec, fields.warnings)

    def is_standby(self):
        """A standby section, or a non-empty ``STANDBY_WALE_(S3|GS|GSC|SWIFT)_PREFIX`` in ``env``."""
        if self.spec.get("standby") is not None:
            return True
        for item in self.spec.get("env") or []:
            if STANDBY_ENV_RE.match(str(item.get("name", ""))) and item.get("value"):
                return True
        return False

    def maintenance_windows(self):
        """The manifest's windows as ``MaintenanceWindow`` objects (empty list when none)."""
        return parse_windows(self.spec.get("maintenanceWindows"))

    def prepared_databases(self):
        """``preparedDatabases`` with upstream's implicit defaults applied (see manifest_roles)."""
        return effective_prepared_databases(self.spec.get("preparedDatabases"), self.name)

    def __repr__(self):
        return "ClusterSpec(%s/%s)" % (self.namespace, self.name)


def read_spec(fields, raw):
    """Validate the ``spec`` mapping and return the normalised dict."""
    path = "spec"
    for old, new in REMOVED_FIELDS.items():
        if raw.get(old) is not None:
            fields.error(join(path, old), "was removed in version 2 of the postgresql API; use spec.%s instead" % new)
    for key in raw:
        if key not in KNOWN_FIELDS and key not in REMOVED_FIELDS:
            fields.warn("%s: unknown field ignored" % join(path, key))
    spec = {
        "teamId": _read_team(fields, raw, path),
        "numberOfInstances": fields.integer(raw, "numberOfInstances", path, required=True, minimum=0, maximum=INT32_MAX),
        "enableLogicalBackup": fields.boolean(raw, "enableLogicalBackup", path, default=False),
        "logicalBackupSchedule": _read_schedule(fields, raw, path),
        "allowedSourceRanges": _read_source_ranges(fields, raw, path),
        "maintenanceWindows": _read_windows(fields, raw, path),
        "livenessProbe": read_object(fields, raw, "livenessProbe", path, k8s.PROBE),
        "nodeAffinity": read_object(fields, raw, "nodeAffinity", path, k8s.NODE_AFFINITY),
        "users": read_users(fields, raw, path),
        "databases": read_databases(fields, raw, path),
        "preparedDatabases": read_prepared_databases(fields, raw, path),
        "postgresql": read_postgresql(fields, raw, path),
        "patroni": read_patroni(fields, raw, path),
        "resources": read_resources(fields, raw, path),
        "volume": read_volume(fields, raw, path),
        "clone": read_clone(fields, raw, path),
        "standby": read_standby(fields, raw, path),
        "tls": read_tls(fields, raw, path),
        "connectionPooler": read_connection_pooler(fields, raw, path),
        "sidecars": read_sidecars(fields, raw, path),
        "initContainers": read_init_containers(fields, raw, path),
        "additionalVolumes": read_additional_volumes(fields, raw, path),
        "env": read_env(fields, raw, path),
        "envFrom": read_object_list(fields, raw, "envFrom", path, k8s.ENV_FROM_SOURCE),
        "tolerations": read_tolerations(fields, raw, path),
        "topologySpreadConstraints": read_object_list(fields, raw, "topologySpreadConstraints", path, k8s.TOPOLOGY_SPREAD_CONSTRAINT),
        "streams": read_streams(fields, raw, path),
    }
    for key in TRISTATE_BOOLS:
        spec[key] = fields.boolean(raw, key, path)
    for key in NODE_PORTS:
        spec[key] = fields.integer(raw, key, path, minimum=0, maximum=65535)
    for key in OPTIONAL_STRINGS:
        spec[key] = fields.string(raw, key, path)
    for key in SECURITY_IDS:
        spec[key] = fields.integer(raw, key, path, minimum=0, maximum=INT64_MAX)
    for key in STRING_MAPS:
        spec[key] = fields.string_map(raw, key, path, default={})
    for key in STRING_LISTS:
        spec[key] = fields.string_list(raw, key, path, default=[])
    check_rotation_names(fields, spec["usersWithSecretRotation"], join(path, "usersWithSecretRotation"))
    return spec


def _check_kind(fields, manifest):
    api_version, kind = manifest.get("apiVersion"), manifest.get("kind")
    if api_version is not None and api_version != API_VERSION:
        fields.error("apiVersion", "must be %s, got %s" % (API_VERSION, describe(api_version)))
    if kind is not None and kind != KIND:
        fields.error("kind", "must be %s (lower-case), got %s" % (KIND, describe(kind)))


def _check_name_form(fields, name):
    """Always on: the cluster name names Services (``<name>``, ``<name>-repl``), so DNS-1035 and at most 58."""
    if not DNS1035_RE.match(name):
        fields.error("metadata.name", "%r is not a valid cluster name: it names the cluster's Services, so it must be a DNS-1035 label (%s)"
                     % (name, DNS1035_FORM))
    elif len(name) > MAX_CLUSTER_NAME_LENGTH:
        fields.error("metadata.name", "%r is %d characters long; at most %d are allowed (the replica Service \"<name>-repl\" must fit 63)"
                     % (name, len(name), MAX_CLUSTER_NAME_LENGTH))


def validate_cluster_name(cluster, enable_team_id_clustername_prefix):
    """Upstream's ``{TEAM}-{NAME}`` rule, only when the operator config enables it.

    ``cluster`` is a ``ClusterSpec`` (or a manifest dict). With the flag on, the name must
    start with ``<teamId>-`` (case-insensitive), be at most 58 characters and be a
    DNS-1035 label. Raises ``ValidationError`` on ``metadata.name``.
    """
    if not enable_team_id_clustername_prefix:
        return
    if isinstance(cluster, dict):
        name = (cluster.get("metadata") or {}).get("name") or ""
        team = (cluster.get("spec") or {}).get("teamId") or ""
    else:
        name, team = cluster.name or "", cluster.spec.get("teamId") or ""
    if len(name) > MAX_CLUSTER_NAME_LENGTH:
        raise ValidationError("metadata.name", "%r is longer than %d characters" % (name, MAX_CLUSTER_NAME_LENGTH))
    if not DNS1035_RE.match(name):
        raise ValidationError("metadata.name", "%r must be a DNS-1035 label (%s)" % (name, DNS1035_FORM))
    prefix = team.lower() + "-"
    if not team or not name.lower().startswith(prefix) or len(name) <= len(prefix):
        raise ValidationError("metadata.name", "%r must start with the team id followed by '-' (\"%s<name>\") because the operator "
                              "configuration sets enable_team_id_clustername_prefix" % (name, prefix))


def validate_instances(cluster, max_instances):
    """Refuse a ``numberOfInstances`` no real cluster has: above ``INSTANCE_CEILING`` (100), or above
    ``max_instances`` when the configuration sets it higher. Holds with the ignore-limits annotation
    too: 2^31-1 replicas once grew kube-controller-manager to 22 GB. Raises ``ValidationError``."""
    instances = cluster.spec.get("numberOfInstances") or 0
    ceiling = max(INSTANCE_CEILING, max_instances if max_instances is not None else -1)
    if instances > ceiling:
        raise ValidationError("spec.numberOfInstances", "%d instances is more than any real cluster has: at most %d are accepted "
                              "(set max_instances in the operator configuration to allow more)" % (instances, ceiling))


def _read_team(fields, raw, path):
    """Required; an empty string passes the CRD (and upstream), so it is only a warning here."""
    team = fields.string(raw, "teamId", path, required=True)
    if team is not None and not team.strip():
        fields.warn("spec.teamId: is empty; the team label of the cluster's objects will be empty and no team members get roles")
    return team


def _read_schedule(fields, raw, path):
    schedule = fields.string(raw, "logicalBackupSchedule", path)
    if schedule is not None and not CRON_RE.match(schedule):
        fields.error(join(path, "logicalBackupSchedule"), "%r is not a 5-field cron schedule of numbers, '*' and '/step' "
                     "(e.g. \"30 00 * * *\"); names and ranges are not allowed" % schedule)
        return None
    return schedule


def _read_source_ranges(fields, raw, path):
    ranges = fields.string_list(raw, "allowedSourceRanges", path)
    if ranges is None:
        return None
    where = join(path, "allowedSourceRanges")
    result = []
    for index, text in enumerate(ranges):
        if not _is_cidr(text):
            fields.error(join(where, index), "%r is not an IPv4 or IPv6 CIDR range (e.g. \"10.0.0.0/8\", \"2001:db8::/32\")" % text)
        else:
            result.append(text)
    return result


def _is_cidr(text):
    if "/" not in text or text != text.strip():
        return False
    address, prefix = text.split("/", 1)
    if not prefix.isdigit() or (len(prefix) > 1 and prefix.startswith("0")):
        return False
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return bool(address)


def _read_windows(fields, raw, path):
    windows = fields.sequence(raw, "maintenanceWindows", path, default=[])
    where = join(path, "maintenanceWindows")
    result = []
    for index, text in enumerate(windows):
        try:
            parse_window(text)
        except ValueError as error:
            fields.error(join(where, index), str(error))
            continue
        result.append(text)
    return result


__all__ = ["ClusterSpec", "ValidationError", "ValidationErrors", "validate_cluster_name", "validate_instances", "INSTANCE_CEILING"]
