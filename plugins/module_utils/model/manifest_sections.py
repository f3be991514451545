# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Structured sections of the ``postgresql`` spec (reference §2.5-§2.10, §2.12).

Each ``read_*`` function takes a ``Fields`` collector, the spec mapping and the spec
path, validates one section and returns its normalised value (see the ClusterSpec
section of docs/architecture.md for the shapes).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

from ansible_collections.pgkube.operator.plugins.module_utils.model.fields import INT32_MAX, describe, is_int, join
from ansible_collections.pgkube.operator.plugins.module_utils.model.quantity import check_cpu, check_memory, parse_quantity

POSTGRES_VERSIONS = ("14", "15", "16", "17", "18")
POOLER_MODES = ("session", "transaction")
RESOURCE_KEYS = ("cpu", "memory", "hugepages-2Mi", "hugepages-1Gi")
VOLUME_IOPS_MAX = 80000
VOLUME_THROUGHPUT_MAX = 2000
POOLER_INSTANCE_CEILING = 100

DNS1035_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TIMESTAMP_RE = re.compile(r"^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?[+-]([01]\d|2[0-3]):[0-5]\d$")
TIMESTAMP_FORM = "an RFC 3339 time with a numeric UTC offset, e.g. \"2026-01-31T14:00:00+00:00\""

PATRONI_INTS = ("ttl", "loop_wait", "retry_timeout", "synchronous_node_count")
PATRONI_BOOLS = ("synchronous_mode", "synchronous_mode_strict", "failsafe_mode")


def read_postgresql(fields, spec, path):
    section = fields.mapping(spec, "postgresql", path, required=True)
    where = join(path, "postgresql")
    version = None
    raw = section.get("version") if section else None
    if section is not None:
        if raw is None:
            fields.error(join(where, "version"), "is required; one of %s (as a string)" % ", ".join(POSTGRES_VERSIONS))
        elif is_int(raw) or isinstance(raw, str):
            version = str(raw)
            if version not in POSTGRES_VERSIONS:
                fields.error(join(where, "version"), "PostgreSQL version %r is not supported; expected one of %s" % (raw, ", ".join(POSTGRES_VERSIONS)))
                version = None
        else:
            fields.error(join(where, "version"), "must be a string, one of %s; got %s" % (", ".join(POSTGRES_VERSIONS), describe(raw)))
    parameters = fields.string_map(section, "parameters", where, default={}, coerce=True) if section else {}
    return {"version": version, "parameters": parameters}


def read_patroni(fields, spec, path):
    section = fields.mapping(spec, "patroni", path, default={})
    where = join(path, "patroni")
    result = {}
    for key, value in section.items():
        if value is None:
            continue
        if key == "initdb":
            result[key] = fields.string_map(section, key, where, coerce=True)
        elif key == "pg_hba":
            result[key] = fields.string_list(section, key, where)
        elif key == "slots":
            result[key] = _read_slots(fields, section, where)
        elif key in PATRONI_INTS:
            result[key] = fields.integer(section, key, where, minimum=0, maximum=INT32_MAX * 2 + 1)
        elif key == "maximum_lag_on_failover":
            result[key] = fields.integer(section, key, where)
        elif key in PATRONI_BOOLS:
            result[key] = fields.boolean(section, key, where)
        else:
            fields.warn("%s: unknown Patroni setting %r ignored" % (where, key))
    return dict((k, v) for k, v in result.items() if v is not None)


def _read_slots(fields, section, where):
    slots = fields.mapping(section, "slots", where)
    if slots is None:
        return None
    result = {}
    for name, settings in slots.items():
        if settings is None:
            settings = {}
        slot = fields.string_map(slots, name, join(where, "slots"), default={}, coerce=True) if settings else {}
        result[name] = slot
    return result


def read_resources(fields, obj, path, key="resources"):
    """``{"requests": {...}, "limits": {...}}`` with every resource key, ``None`` when unset."""
    section = fields.mapping(obj, key, path, default={})
    where = join(path, key)
    result = {}
    for part in ("requests", "limits"):
        values = fields.mapping(section, part, where, default={})
        result[part] = {}
        for name in RESOURCE_KEYS:
            value = values.get(name)
            if value is None or value == "":
                result[part][name] = None
                continue
            reason = check_cpu(value) if name == "cpu" else check_memory(value)
            if reason:
                fields.error(join(join(where, part), name), reason)
                value = None
            result[part][name] = value
        for name in values:
            if name not in RESOURCE_KEYS:
                fields.warn("%s: unknown resource %r ignored (known: %s)" % (join(where, part), name, ", ".join(RESOURCE_KEYS)))
    for name in RESOURCE_KEYS:
        request, limit = result["requests"][name], result["limits"][name]
        if request is not None and limit is not None and parse_quantity(request) > parse_quantity(limit):
            fields.warn("%s: request %s is larger than the limit %s; the limit is raised to the request (as upstream)"
                        % (join(join(where, "requests"), name), request, limit))
    return result


def read_volume(fields, spec, path):
    section = fields.mapping(spec, "volume", path, required=True)
    where = join(path, "volume")
    if section is None:
        return {"size": None}
    size = section.get("size")
    if size is None:
        fields.error(join(where, "size"), "is required, e.g. \"1Gi\"")
    else:
        reason = check_memory(size)
        if reason:
            fields.error(join(where, "size"), reason)
            size = None
        elif parse_quantity(size) <= 0:
            fields.error(join(where, "size"), "must be larger than zero")
            size = None
    return {
        "size": size,
        "storageClass": fields.string(section, "storageClass", where),
        "subPath": fields.string(section, "subPath", where),
        "isSubPathExpr": fields.boolean(section, "isSubPathExpr", where),
        "iops": fields.integer(section, "iops", where, minimum=0, maximum=VOLUME_IOPS_MAX),
        "throughput": fields.integer(section, "throughput", where, minimum=0, maximum=VOLUME_THROUGHPUT_MAX),
        "type": fields.string(section, "type", where),
        "selector": copy.deepcopy(fields.mapping(section, "selector", where)),
    }


def read_clone(fields, spec, path):
    section = fields.mapping(spec, "clone", path)
    if section is None:
        return None
    where = join(path, "clone")
    result = {
        "cluster": fields.string(section, "cluster", where, required=True, non_empty=True),
        "uid": fields.string(section, "uid", where),
        "timestamp": fields.string(section, "timestamp", where),
        "s3_wal_path": fields.string(section, "s3_wal_path", where),
        "s3_endpoint": fields.string(section, "s3_endpoint", where),
        "s3_access_key_id": fields.string(section, "s3_access_key_id", where),
        "s3_secret_access_key": fields.string(section, "s3_secret_access_key", where),
        "s3_force_path_style": _tolerant_bool(fields, section, "s3_force_path_style", where),
    }
    if result["uid"] is not None and not UUID_RE.match(result["uid"]):
        fields.error(join(where, "uid"), "%r is not a UUID (the source cluster's metadata.uid, e.g. \"efd12e58-5786-11e8-b5a7-06148230260c\")" % result["uid"])
    if result["timestamp"] is not None and not TIMESTAMP_RE.match(result["timestamp"]):
        fields.error(join(where, "timestamp"), "%r is not %s" % (result["timestamp"], TIMESTAMP_FORM))
    cluster = result["cluster"]
    if cluster is not None and section.get("timestamp") is None and (len(cluster) > 63 or not DNS1035_RE.match(cluster)):
        fields.error(join(where, "cluster"), "%r: a clone without timestamp connects to the service of the source cluster, so the name must be a "
                     "DNS-1035 label (lower-case letters, digits and '-', starting with a letter, at most 63 characters)" % cluster)
    return result


def _tolerant_bool(fields, section, key, where):
    value = section.get(key)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return fields.boolean(section, key, where)


def read_standby(fields, spec, path):
    section = fields.mapping(spec, "standby", path)
    if section is None:
        return None
    where = join(path, "standby")
    port = section.get("standby_port")
    if is_int(port):
        port = str(port)
    elif port is not None:
        port = fields.string(section, "standby_port", where)
    if port is not None and not port.isdigit():
        fields.error(join(where, "standby_port"), "%r is not a port number" % port)
        port = None
    result = {
        "s3_wal_path": fields.string(section, "s3_wal_path", where),
        "gs_wal_path": fields.string(section, "gs_wal_path", where),
        "standby_host": fields.string(section, "standby_host", where),
        "standby_port": port,
        "standby_primary_slot_name": fields.string(section, "standby_primary_slot_name", where),
    }
    if result["s3_wal_path"] and result["gs_wal_path"]:
        fields.error(where, "s3_wal_path and gs_wal_path are mutually exclusive; set only one")
    if not (result["s3_wal_path"] or result["gs_wal_path"] or result["standby_host"]):
        fields.error(where, "needs a source: s3_wal_path, gs_wal_path or standby_host")
    return result


def read_tls(fields, spec, path):
    section = fields.mapping(spec, "tls", path)
    if section is None:
        return None
    where = join(path, "tls")
    secret_name = fields.string(section, "secretName", where, required=True)
    if secret_name is not None and not secret_name.strip():
        # upstream: TLS only when tls.secretName has a value (its complete example ships "")
        return None
    return {
        "secretName": secret_name,
        "certificateFile": fields.string(section, "certificateFile", where, default="tls.crt"),
        "privateKeyFile": fields.string(section, "privateKeyFile", where, default="tls.key"),
        "caFile": fields.string(section, "caFile", where),
        "caSecretName": fields.string(section, "caSecretName", where),
    }


def read_connection_pooler(fields, spec, path):
    section = fields.mapping(spec, "connectionPooler", path)
    if section is None:
        return None
    where = join(path, "connectionPooler")
    return {
        # the same ceiling as the cluster's own size (manifest.INSTANCE_CEILING): no pooler has more
        "numberOfInstances": fields.integer(section, "numberOfInstances", where, minimum=1, maximum=POOLER_INSTANCE_CEILING),
        "schema": fields.string(section, "schema", where),
        "user": fields.string(section, "user", where),
        "dockerImage": fields.string(section, "dockerImage", where),
        "maxDBConnections": fields.integer(section, "maxDBConnections", where, minimum=1, maximum=INT32_MAX),
        "mode": fields.string(section, "mode", where, choices=POOLER_MODES),
        "resources": read_resources(fields, section, where),
    }
