# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``OperatorConfig``: the operator configuration, from a ConfigMap or an OperatorConfiguration.

One attribute per key of reference §3.2 (see ``config_keys``), named as the
ConfigMap key, Python-typed (durations in seconds). Both sources give the same
flat object; they differ only in the defaults of absent keys (§3.3) and in the
import quirks of the CRD (infrastructure role fields, pooler instances >= 2).

Unknown keys do not fail: they are listed in ``cfg.warnings``. Invalid values
and failed start-up checks raise ``ConfigurationError`` (or ``ConfigurationErrors``
listing all of them) whose path names the key: ``workers`` for a ConfigMap,
``configuration.workers`` / ``configuration.kubernetes.watched_namespace`` for an
OperatorConfiguration.

The object is immutable: attribute reads return copies of lists and dicts, and
``apply_env`` returns a new object.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ConfigurationError
from ansible_collections.pgkube.operator.plugins.module_utils.model import config_parse as cp
from ansible_collections.pgkube.operator.plugins.module_utils.model.config_env import RUNTIME_DEFAULTS, read_environment
from ansible_collections.pgkube.operator.plugins.module_utils.model.config_keys import (
    BOOL, DURATION, INT, LIST, MAP, NAMESPACED, STR, CONFIG_KEYS, GROUPS, REMOVED_KEYS, SECRET_KEYS, default_for,
)
from ansible_collections.pgkube.operator.plugins.module_utils.model.config_validate import validate

REDACTED = "<redacted>"
SOURCES = ("configmap", "crd", "defaults")
CRD_KIND = "OperatorConfiguration"

_SIMPLE_PARSERS = {
    BOOL: cp.parse_bool, INT: cp.parse_int, DURATION: cp.parse_duration, LIST: cp.parse_list, MAP: cp.parse_map,
    STR: cp.parse_str, NAMESPACED: cp.parse_namespaced_name,
}


_ABSENT = object()


def _parse_value(spec, value, path, source, warnings):
    """The typed value of one key, or ``_ABSENT`` when the value means "use the default"."""
    if value is None:
        return _ABSENT
    if source == "configmap" and isinstance(value, str) and value.strip() == "" and spec.kind in (BOOL, INT, DURATION):
        return _ABSENT
    name = spec.name
    if spec.crd_only and source == "configmap" and isinstance(value, str):
        warnings.append("%s: only supported in the OperatorConfiguration resource; the ConfigMap value is ignored" % path)
        return _ABSENT
    if name == "infrastructure_roles_secrets":
        if isinstance(value, str):
            return cp.parse_infrastructure_roles_cm(path, value, warnings)
        return cp.parse_infrastructure_roles_crd(path, value, warnings, crd=(source == "crd"))
    if name == "persistent_volume_claim_retention_policy":
        return cp.parse_pvc_retention_policy(path, value)
    if name == "sidecars":
        return cp.parse_sidecars(path, value)
    if name == "liveness_probe":
        return cp.parse_liveness_probe(path, value)
    if name in ("minimal_major_version", "target_major_version") and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return _SIMPLE_PARSERS[spec.kind](path, value)


def _unknown_key_warning(path, name):
    if name in REMOVED_KEYS:
        return "%s: %s" % (path, REMOVED_KEYS[name])
    spec = CONFIG_KEYS.get(name)
    if spec is not None:
        where = "configuration.%s" % spec.group if spec.group else "the top level of configuration"
        return "%s: misplaced key ignored (it belongs in %s)" % (path, where)
    return "%s: unknown key ignored" % path


def _build(given, source, defaults_from, paths, present_groups, warnings):
    """Parse ``given`` (key -> raw value) over the defaults; returns the values dict."""
    values = {}
    for name, spec in CONFIG_KEYS.items():
        group_present = spec.group is None or present_groups is None or spec.group in present_groups
        values[name] = copy.deepcopy(default_for(spec, defaults_from, group_present))
    errors = []
    for name, raw in given.items():
        path = paths.get(name, name)
        spec = CONFIG_KEYS.get(name)
        if spec is None:
            warnings.append(_unknown_key_warning(path, name))
            continue
        try:
            value = _parse_value(spec, raw, path, source, warnings)
        except ConfigurationError as exc:
            errors.append(exc)
            continue
        if value is _ABSENT:
            continue
        if spec.deprecated and value not in ("", None, [], {}):
            warnings.append("%s: %s" % (path, spec.deprecated))
        values[name] = value
    if values["node_readiness_label_merge"] == "":
        values["node_readiness_label_merge"] = "OR"
    if source == "crd" and values["connection_pooler_number_of_instances"] < 2:
        warnings.append("%s: raised to 2 (the OperatorConfiguration import keeps at least 2 pooler instances)"
                        % paths.get("connection_pooler_number_of_instances", "connection_pooler_number_of_instances"))
        values["connection_pooler_number_of_instances"] = 2
    errors.extend(validate(values, lambda key: paths.get(key, _default_path(key, source))))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise cp.ConfigurationErrors(errors)
    return values


def _default_path(key, source):
    if source != "crd":
        return key
    group = CONFIG_KEYS[key].group
    return "configuration.%s.%s" % (group, key) if group else "configuration.%s" % key


class OperatorConfig(object):
    """The operator configuration; see the module docstring and docs/architecture.md."""

    __slots__ = ("_values", "_runtime", "source", "defaults_from", "warnings")

    def __init__(self, values, source, defaults_from, warnings=(), runtime=None):
        if source not in SOURCES:
            raise ValueError("source must be one of %s" % ", ".join(SOURCES))
        merged_runtime = dict(RUNTIME_DEFAULTS)
        merged_runtime.update(runtime or {})
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_runtime", merged_runtime)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "defaults_from", defaults_from)
        object.__setattr__(self, "warnings", tuple(warnings))

    # constructors -------------------------------------------------------

    @classmethod
    def defaults(cls, source="configmap"):
        """Built-in defaults. ``source="crd"`` gives the OperatorConfiguration defaults
        (schema defaults, as for a resource with every group present); ``cfg.source`` is "defaults"."""
        defaults_from = "crd" if source == "crd" else "configmap"
        return cls(_build({}, "defaults", defaults_from, {}, None, []), "defaults", defaults_from)

    @classmethod
    def from_dict(cls, flat, source="configmap"):
        """A flat ``{key: value}`` dict (strings in ConfigMap syntax or typed values)."""
        if not isinstance(flat, dict):
            raise ConfigurationError("configuration", "must be a mapping of keys to values, got %s" % cp.show(flat))
        if source not in SOURCES:
            raise ConfigurationError("source", "must be one of %s" % ", ".join(SOURCES))
        defaults_from = "crd" if source == "crd" else "configmap"
        warnings = []
        paths = dict((str(k), _default_path(k, source) if k in CONFIG_KEYS else str(k)) for k in flat)
        values = _build(dict((str(k), v) for k, v in flat.items()), source, defaults_from, paths, None, warnings)
        return cls(values, source, defaults_from, warnings)

    @classmethod
    def from_configmap(cls, data):
        """The ``data`` of the ConfigMap, or the whole ConfigMap object."""
        if isinstance(data, dict) and ("kind" in data or "apiVersion" in data or "metadata" in data):
            data = data.get("data") or {}
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigurationError("data", "must be a mapping of keys to strings, got %s" % cp.show(data))
        warnings = []
        given = dict((str(k), v) for k, v in data.items())
        values = _build(given, "configmap", "configmap", {}, None, warnings)
        return cls(values, "configmap", "configmap", warnings)

    @classmethod
    def from_crd(cls, obj):
        """The whole OperatorConfiguration resource, or its ``configuration`` part."""
        if not isinstance(obj, dict):
            raise ConfigurationError("configuration", "must be an object, got %s" % cp.show(obj))
        if "kind" in obj and obj.get("kind") != CRD_KIND:
            raise ConfigurationError("kind", "must be %s, got %s" % (CRD_KIND, cp.show(obj.get("kind"))))
        conf = obj
        if "configuration" in obj or "kind" in obj or "apiVersion" in obj or "metadata" in obj:
            conf = obj.get("configuration")
            if conf is None:
                conf = {}
        if not isinstance(conf, dict):
            raise ConfigurationError("configuration", "must be an object, got %s" % cp.show(conf))
        given, paths, groups, warnings = {}, {}, set(), []
        for name, value in conf.items():
            if name in GROUPS:
                gpath = "configuration.%s" % name
                if value is None:
                    continue
                if not isinstance(value, dict):
                    raise ConfigurationError(gpath, "must be an object, got %s" % cp.show(value))
                groups.add(name)
                for key, item in value.items():
                    path = "%s.%s" % (gpath, key)
                    spec = CONFIG_KEYS.get(key)
                    if spec is None or spec.group != name:
                        warnings.append(_unknown_key_warning(path, key))
                        continue
                    given[key], paths[key] = item, path
                continue
            path = "configuration.%s" % name
            spec = CONFIG_KEYS.get(name)
            if spec is None or spec.group is not None:
                warnings.append(_unknown_key_warning(path, name))
                continue
            given[name], paths[name] = value, path
        values = _build(given, "crd", "crd", paths, groups, warnings)
        return cls(values, "crd", "crd", warnings)

    def apply_env(self, environ):
        """A new configuration with the environment overrides of reference §3.1."""
        overrides, runtime = read_environment(environ)
        values = copy.deepcopy(self._values)
        values.update(overrides)
        merged = dict(self._runtime)
        merged.update(runtime)
        return OperatorConfig(values, self.source, self.defaults_from, self.warnings, merged)

    # access ---------------------------------------------------------------

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        values = object.__getattribute__(self, "_values")
        if name in values:
            return copy.deepcopy(values[name])
        runtime = object.__getattribute__(self, "_runtime")
        if name in runtime:
            return runtime[name]
        raise AttributeError("OperatorConfig has no key %r" % name)

    def __setattr__(self, name, value):
        raise AttributeError("OperatorConfig is immutable")

    def __delattr__(self, name):
        raise AttributeError("OperatorConfig is immutable")

    def __dir__(self):
        return sorted(set(list(CONFIG_KEYS) + list(RUNTIME_DEFAULTS) + ["source", "defaults_from", "warnings"]))

    def get(self, key, default=None):
        if key in self._values:
            return copy.deepcopy(self._values[key])
        if key in self._runtime:
            return self._runtime[key]
        return default

    def as_dict(self, redact=True):
        """Every configuration key -> value (a copy); secret values become ``"<redacted>"``."""
        result = copy.deepcopy(self._values)
        if redact:
            for key in SECRET_KEYS:
                if result.get(key):
                    result[key] = REDACTED
        return result

    def namespaced_name(self, key, default_namespace=None):
        """``(namespace, name)`` of a namespaced-name key (None when unset); the
        namespace defaults to ``default_namespace``, else the operator namespace."""
        return cp.split_namespaced_name(self._values[key], default_namespace or self._runtime["operator_namespace"] or None)

    @property
    def effective_watched_namespace(self):
        """``watched_namespace``, or the operator namespace when empty (``*`` = all)."""
        return self._values["watched_namespace"] or self._runtime["operator_namespace"]

    def __eq__(self, other):
        if not isinstance(other, OperatorConfig):
            return NotImplemented
        return self._values == other._values and self._runtime == other._runtime

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = None

    def __repr__(self):
        return "OperatorConfig(source=%r, defaults_from=%r, warnings=%d)" % (self.source, self.defaults_from, len(self.warnings))
