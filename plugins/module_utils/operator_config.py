# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read and write the operator configuration as the operator does (reference §3.1).

- ``load_from_environment(api, environ)``: ``POSTGRES_OPERATOR_CONFIGURATION_OBJECT`` (an
  ``OperatorConfiguration`` in ``OPERATOR_NAMESPACE``) wins over ``CONFIG_MAP_NAME``
  (``[namespace/]name``); neither gives the built-in defaults. The environment overrides
  (``WATCHED_NAMESPACE``, ``SCALYR_API_KEY``, process settings) are applied.
- ``load_from_location(api, location)``: the same for an explicit location.
- ``configmap_data(values)``: typed values in ConfigMap syntax (lists comma separated, maps
  ``k:v,k2:v2``, booleans ``true``/``false``).
- ``write_configmap`` / ``write_operator_configuration``: create or replace idempotently
  (no request beyond one read when nothing changes).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.pgkube.operator.plugins.module_utils.config_source import split_namespaced_name
from ansible_collections.pgkube.operator.plugins.module_utils.errors import ConfigurationError
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig
from ansible_collections.pgkube.operator.plugins.module_utils.model.config_env import config_location
from ansible_collections.pgkube.operator.plugins.module_utils.model.config_keys import SECRET_KEYS

CRD_API_VERSION = "acid.zalan.do/v1"
CRD_KIND = "OperatorConfiguration"
REDACTED = "<redacted>"


def load_from_location(api, location, environ=None):
    """``(OperatorConfig, source)`` for ``location`` (``{"kind": "crd"|"configmap"|"defaults", "namespace", "name"}``).

    ``source`` is the location with the namespace filled in. ``environ`` given: the
    environment overrides of §3.1 are applied.
    """
    kind = location.get("kind")
    source = dict(location)
    if kind == "defaults":
        cfg = OperatorConfig.defaults()
    else:
        namespace = location.get("namespace") or "default"
        name = location.get("name")
        source["namespace"] = namespace
        if kind == "crd":
            obj = api.get(CRD_KIND, CRD_API_VERSION, namespace, name)
            if obj is None:
                raise ConfigurationError("operator_configuration", "OperatorConfiguration %s/%s not found" % (namespace, name))
            cfg = OperatorConfig.from_crd(obj)
        elif kind == "configmap":
            obj = api.get("ConfigMap", "v1", namespace, name)
            if obj is None:
                raise ConfigurationError("config_map", "ConfigMap %s/%s not found" % (namespace, name))
            cfg = OperatorConfig.from_configmap(obj.get("data") or {})
        else:
            raise ConfigurationError("source", "unknown configuration source %r" % (kind,))
    if environ is not None:
        cfg = cfg.apply_env(environ)
    return cfg, source


def load_from_environment(api, environ, default_namespace=None):
    """``(OperatorConfig, source)`` the way the operator process loads it from its environment."""
    location = config_location(environ)
    if location.get("kind") != "defaults" and not location.get("namespace"):
        location["namespace"] = default_namespace or "default"
    return load_from_location(api, location, environ)


def location_for(config_map=None, operator_configuration=None, namespace="default"):
    """The location of an explicit ``[namespace/]name``; defaults when neither is given."""
    if config_map and operator_configuration:
        raise ConfigurationError("config_map", "give only one of config_map and operator_configuration")
    if operator_configuration:
        ns, name = split_namespaced_name(operator_configuration, namespace, "operator_configuration")
        return {"kind": "crd", "namespace": ns, "name": name}
    if config_map:
        ns, name = split_namespaced_name(config_map, namespace, "config_map")
        return {"kind": "configmap", "namespace": ns, "name": name}
    return {"kind": "defaults"}


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def configmap_value(value):
    """One value in the ConfigMap syntax."""
    if isinstance(value, (list, tuple)):
        return ",".join(_text(v) for v in value)
    if isinstance(value, dict):
        return ",".join("%s:%s" % (k, _text(v)) for k, v in value.items())
    return _text(value)


def configmap_data(values):
    """A ConfigMap ``data`` dict (strings only) from typed or string values."""
    if not isinstance(values, dict):
        raise ConfigurationError("data", "must be a mapping of configuration keys to values")
    return dict((str(k), configmap_value(v)) for k, v in values.items())


def redact_data(data):
    """A copy of ConfigMap data (or a flat dict) with secret values replaced."""
    if not isinstance(data, dict):
        return data
    return dict((k, REDACTED if (k in SECRET_KEYS and v) else v) for k, v in data.items())


def redact_configuration(configuration):
    """A copy of an OperatorConfiguration ``configuration`` with secret values replaced (any depth)."""
    if isinstance(configuration, dict):
        return dict((k, REDACTED if (k in SECRET_KEYS and v) else redact_configuration(v)) for k, v in configuration.items())
    if isinstance(configuration, list):
        return [redact_configuration(v) for v in configuration]
    return configuration


def _is_subset(wanted, current):
    """True when every key of ``wanted`` is in ``current`` with the same value (dicts recursively)."""
    if isinstance(wanted, dict):
        if not isinstance(current, dict):
            return False
        return all(k in current and _is_subset(v, current[k]) for k, v in wanted.items())
    return wanted == current


class WriteResult:
    def __init__(self, changed, obj, before, after):
        self.changed = changed
        self.object = obj
        self.before = before
        self.after = after


def _write(api, desired, field, unchanged, redactor):
    """Create ``desired`` or replace the ``field`` (and our labels) of the existing object."""
    meta = desired["metadata"]
    current = api.get(desired["kind"], desired["apiVersion"], meta["namespace"], meta["name"])
    if current is None:
        created = api.create(desired)
        return WriteResult(True, created, None, redactor(desired.get(field)))
    labels = meta.get("labels") or {}
    current_labels = (current.get("metadata") or {}).get("labels") or {}
    if unchanged(desired.get(field), current.get(field)) and all(current_labels.get(k) == v for k, v in labels.items()):
        return WriteResult(False, current, redactor(current.get(field)), redactor(current.get(field)))
    body = copy.deepcopy(current)
    body.get("metadata", {}).pop("managedFields", None)
    body[field] = copy.deepcopy(desired.get(field))
    if labels:
        body["metadata"]["labels"] = dict(current_labels, **labels)
    replaced = api.replace(body)
    return WriteResult(True, replaced, redactor(current.get(field)), redactor(desired.get(field)))


def write_configmap(api, namespace, name, values, labels=None):
    """Create or update the ConfigMap ``namespace/name`` so that its data is exactly ``values``
    (validated first: a ConfigurationError names the key)."""
    data = configmap_data(values)
    cfg = OperatorConfig.from_configmap(data)
    desired = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace}, "data": data}
    if labels:
        desired["metadata"]["labels"] = dict(labels)
    result = _write(api, desired, "data", lambda want, cur: (cur or {}) == want, redact_data)
    return result, cfg


def write_operator_configuration(api, namespace, name, configuration, labels=None):
    """Create or update the OperatorConfiguration ``namespace/name`` with ``configuration``.

    The API server fills schema defaults in, so "unchanged" means every given key has the given
    value in the stored object (keys only present in the stored object are not compared).
    """
    cfg = OperatorConfig.from_crd({"configuration": configuration or {}})
    desired = {"apiVersion": CRD_API_VERSION, "kind": CRD_KIND, "metadata": {"name": name, "namespace": namespace},
               "configuration": copy.deepcopy(configuration or {})}
    if labels:
        desired["metadata"]["labels"] = dict(labels)
    result = _write(api, desired, "configuration", lambda want, cur: _is_subset(want, cur or {}), redact_configuration)
    return result, cfg


__all__ = ["load_from_location", "load_from_environment", "location_for", "configmap_value", "configmap_data", "redact_data",
           "redact_configuration", "write_configmap", "write_operator_configuration", "WriteResult"]
