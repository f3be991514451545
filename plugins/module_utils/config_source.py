# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load the operator configuration from where the user points: a dict, a ConfigMap or an OperatorConfiguration."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ConfigurationError
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig


def split_namespaced_name(value, default_namespace, what):
    """``[ns/]name`` -> (namespace, name)."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(what, "must be a name or namespace/name")
    parts = value.strip().split("/")
    if len(parts) == 1:
        return default_namespace, parts[0]
    if len(parts) == 2 and all(parts):
        return parts[0], parts[1]
    raise ConfigurationError(what, "%r is not of the form [namespace/]name" % (value,))


def load_config(api=None, config=None, configmap=None, operator_configuration=None, default_namespace="default"):
    """The OperatorConfig from exactly one source; built-in defaults when none is given.

    ``config`` is a dict of flat keys (the ConfigMap names, values typed or strings);
    ``configmap`` and ``operator_configuration`` are ``[namespace/]name`` references read
    through ``api``.
    """
    given = [x for x in (config, configmap, operator_configuration) if x]
    if len(given) > 1:
        raise ConfigurationError("operator_config", "give only one of operator_config, operator_config_map, operator_configuration")
    if config:
        return OperatorConfig.from_dict(config)
    if configmap:
        namespace, name = split_namespaced_name(configmap, default_namespace, "operator_config_map")
        obj = api.get("ConfigMap", "v1", namespace, name)
        if obj is None:
            raise ConfigurationError("operator_config_map", "ConfigMap %s/%s not found" % (namespace, name))
        return OperatorConfig.from_configmap(obj.get("data") or {})
    if operator_configuration:
        namespace, name = split_namespaced_name(operator_configuration, default_namespace, "operator_configuration")
        obj = api.get("OperatorConfiguration", "acid.zalan.do/v1", namespace, name)
        if obj is None:
            raise ConfigurationError("operator_configuration", "OperatorConfiguration %s/%s not found" % (namespace, name))
        return OperatorConfig.from_crd(obj)
    return OperatorConfig.defaults()
