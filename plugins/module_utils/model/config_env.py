# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Environment variables of the operator process (reference §3.1).

Two kinds:
- overrides of configuration keys: ``WATCHED_NAMESPACE`` (``*`` = all namespaces)
  and ``SCALYR_API_KEY``; an empty variable does not override;
- process settings that are not configuration keys and become attributes of
  ``OperatorConfig``: ``OPERATOR_NAMESPACE``, ``CONTROLLER_ID``,
  ``CRD_READY_WAIT_TIMEOUT`` (30s), ``CRD_READY_WAIT_INTERVAL`` (4s),
  ``ENABLE_JSON_LOGGING``, ``LOG_NOQUOTE``.

``config_location(environ)`` says where the configuration is read from:
``POSTGRES_OPERATOR_CONFIGURATION_OBJECT`` wins over ``CONFIG_MAP_NAME``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.model.config_parse import (
    parse_bool,
    parse_duration,
    parse_namespaced_name,
    split_namespaced_name,
)

KEY_OVERRIDES = {
    "WATCHED_NAMESPACE": "watched_namespace",
    "SCALYR_API_KEY": "scalyr_api_key",
}
"""Environment variable -> configuration key it overrides (string keys)."""

RUNTIME_DEFAULTS = {
    "operator_namespace": "",
    "controller_id": "",
    "crd_ready_wait_timeout": 30,
    "crd_ready_wait_interval": 4,
    "enable_json_logging": False,
    "log_noquote": False,
}
"""Process settings that are not configuration keys, with their defaults."""

_RUNTIME_ENV = (
    ("OPERATOR_NAMESPACE", "operator_namespace", None),
    ("CONTROLLER_ID", "controller_id", None),
    ("CRD_READY_WAIT_TIMEOUT", "crd_ready_wait_timeout", parse_duration),
    ("CRD_READY_WAIT_INTERVAL", "crd_ready_wait_interval", parse_duration),
    ("ENABLE_JSON_LOGGING", "enable_json_logging", parse_bool),
    ("LOG_NOQUOTE", "log_noquote", parse_bool),
)


def read_environment(environ):
    """``(key_overrides, runtime)`` from ``environ``; invalid values raise
    ``ConfigurationError`` naming the variable."""
    overrides = {}
    for var, key in KEY_OVERRIDES.items():
        value = environ.get(var)
        if value:
            overrides[key] = value.strip() if var == "WATCHED_NAMESPACE" else value
    runtime = {}
    for var, attr, parser in _RUNTIME_ENV:
        value = environ.get(var)
        if value is None or value.strip() == "":
            continue
        runtime[attr] = parser(var, value) if parser else value.strip()
    return overrides, runtime


def config_location(environ):
    """Where the configuration comes from, as a dict:
    ``{"kind": "crd", "namespace": ns, "name": n}``, ``{"kind": "configmap", "namespace": ns, "name": n}``
    or ``{"kind": "defaults"}``. The namespace defaults to ``OPERATOR_NAMESPACE`` (None when unset).
    """
    operator_namespace = (environ.get("OPERATOR_NAMESPACE") or "").strip() or None
    crd_name = (environ.get("POSTGRES_OPERATOR_CONFIGURATION_OBJECT") or "").strip()
    if crd_name:
        return {"kind": "crd", "namespace": operator_namespace, "name": crd_name}
    cm_name = parse_namespaced_name("CONFIG_MAP_NAME", environ.get("CONFIG_MAP_NAME") or "")
    if cm_name:
        namespace, name = split_namespaced_name(cm_name, operator_namespace)
        return {"kind": "configmap", "namespace": namespace, "name": name}
    return {"kind": "defaults"}
