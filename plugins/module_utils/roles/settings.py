# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The operator configuration keys the role sync reads (reference §3.2), typed and defaulted.

Accepts an ``OperatorConfig`` (anything with ``get``) or a plain dict of flat ConfigMap keys;
ConfigMap-style strings ("true", "a,b", "k:v,k2:v2") are converted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ConfigurationError

DEFAULTS = {
    "super_username": "postgres",
    "replication_username": "standby",
    "protected_role_names": ["admin", "cron_admin"],
    "additional_owner_roles": [],
    "enable_password_rotation": False,
    "password_rotation_interval": 90,
    "password_rotation_user_retention": 180,
    "enable_teams_api": False,
    "teams_api_url": "https://teams.example.com/api/",
    "team_api_role_configuration": {"log_statement": "all"},
    "enable_team_superuser": False,
    "team_admin_role": "admin",
    "enable_admin_role_for_users": True,
    "pam_role_name": "zalandos",
    "postgres_superuser_teams": [],
    "role_deletion_suffix": "_deleted",
    "enable_database_access": True,
    "infrastructure_roles_secret_name": "",
    "infrastructure_roles_secrets": [],
    "oauth_token_secret_name": "postgresql-operator",
    "cluster_domain": "cluster.local",
}

_BOOL = ("enable_password_rotation", "enable_teams_api", "enable_team_superuser", "enable_admin_role_for_users",
         "enable_database_access")
_INT = ("password_rotation_interval", "password_rotation_user_retention")
_LIST = ("protected_role_names", "additional_owner_roles", "postgres_superuser_teams")
_MAP = ("team_api_role_configuration",)
_STR = ("super_username", "replication_username", "teams_api_url", "team_admin_role", "pam_role_name",
        "role_deletion_suffix", "infrastructure_roles_secret_name", "oauth_token_secret_name", "cluster_domain")


def _as_bool(key, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConfigurationError(key, "must be a boolean, got %r" % (value,))


def _as_int(key, value):
    if isinstance(value, bool):
        raise ConfigurationError(key, "must be an integer, got %r" % (value,))
    try:
        return int(str(value).strip().rstrip("d")) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise ConfigurationError(key, "must be an integer, got %r" % (value,))


def _as_list(key, value):
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    raise ConfigurationError(key, "must be a list, got %r" % (type(value).__name__,))


def _as_map(key, value):
    if value is None:
        return {}
    if isinstance(value, dict):
        return dict((str(k), str(v)) for k, v in value.items())
    if isinstance(value, str):
        result = {}
        for item in value.split(","):
            if not item.strip():
                continue
            if ":" not in item:
                raise ConfigurationError(key, "entry %r is not key:value" % (item,))
            k, v = item.split(":", 1)
            result[k.strip()] = v.strip()
        return result
    raise ConfigurationError(key, "must be a map, got %r" % (type(value).__name__,))


class RoleSettings:
    """Typed view of the configuration keys used by the role sync."""

    def __init__(self, values):
        for key, value in values.items():
            setattr(self, key, value)

    @classmethod
    def from_config(cls, cfg=None):
        values = {}
        for key, default in DEFAULTS.items():
            raw = None
            if cfg is not None:
                raw = cfg.get(key, None) if hasattr(cfg, "get") else getattr(cfg, key, None)
            if raw is None:
                values[key] = copy.deepcopy(default)
                continue
            if key in _BOOL:
                values[key] = _as_bool(key, raw)
            elif key in _INT:
                values[key] = _as_int(key, raw)
            elif key in _LIST:
                values[key] = _as_list(key, raw)
            elif key in _MAP:
                values[key] = _as_map(key, raw)
            elif key == "infrastructure_roles_secrets":
                values[key] = raw
            else:
                values[key] = str(raw)
        return cls(values)

    def system_names(self):
        return {self.super_username, self.replication_username}
