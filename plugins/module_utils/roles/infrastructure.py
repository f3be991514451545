# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Infrastructure roles from Secrets (and ConfigMaps), reference §6.2.

Three formats:

* template Secret (``infrastructure_roles_secret_name``): keys ``user1``/``password1``/``inrole1``, ...;
* per-definition Secrets (``infrastructure_roles_secrets``): ``secretname``, ``userkey``, ``passwordkey``,
  ``rolekey``, ``defaultuservalue``, ``defaultrolevalue``;
* Secret + ConfigMap of the same name: each ConfigMap key is a role name whose value is YAML
  ``{inrole: [...], user_flags: [...], db_parameters: {...}}``; the password is the Secret value under
  that role name.

Secret and ConfigMap contents arrive as plain ``{key: str}`` dicts (already base64-decoded).
Invalid or incomplete definitions are skipped with a warning, never fatal.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

try:
    import yaml
    HAS_YAML = True
except ImportError:
    HAS_YAML = False

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError
from ansible_collections.pgkube.operator.plugins.module_utils.model.role_flags import normalize_flags, is_valid_username
from ansible_collections.pgkube.operator.plugins.module_utils.roles.spec import RoleSpec, ORIGIN_INFRASTRUCTURE

DEFINITION_KEYS = ("secretname", "userkey", "passwordkey", "rolekey", "defaultuservalue", "defaultrolevalue", "details")


def parse_definitions(settings):
    """Return the list of definitions (dicts) from the two configuration keys."""
    definitions = []
    legacy = settings.infrastructure_roles_secret_name
    if legacy:
        definitions.append({"secretname": legacy, "template": True})
    raw = settings.infrastructure_roles_secrets
    if isinstance(raw, str):
        raw = [_parse_definition_string(raw)] if raw.strip() else []
    elif isinstance(raw, dict):
        raw = [raw]
    for item in raw or []:
        if not isinstance(item, dict):
            continue
        item = dict((str(k).lower(), v) for k, v in item.items())
        definition = dict((k, item.get(k)) for k in DEFINITION_KEYS if item.get(k) not in (None, ""))
        definition["template"] = not (definition.get("userkey") or definition.get("defaultuservalue"))
        definitions.append(definition)
    return definitions


def _parse_definition_string(text):
    result = {}
    for part in text.split(","):
        if ":" in part:
            key, value = part.split(":", 1)
            result[key.strip().lower()] = value.strip()
    return result


def _load_yaml(text):
    if isinstance(text, dict):
        return text
    if HAS_YAML:
        return yaml.safe_load(text)
    return json.loads(text)


def _membership(value):
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    raise ValueError("inrole must be a list or a comma separated string")


def _accept(name, settings, where, warnings):
    if not is_valid_username(name):
        warnings.append("infrastructure role %r from %s ignored: invalid role name" % (name, where))
        return False
    if name in settings.protected_role_names or name in settings.system_names():
        warnings.append("infrastructure role %r from %s ignored: the name is protected or a system role" % (name, where))
        return False
    return True


def infrastructure_roles(settings, secrets=None, configmaps=None, warnings=None):
    """Build the infrastructure RoleSpecs.

    ``secrets`` / ``configmaps``: ``{name: {key: value}}``; ``name`` as written in the configuration
    (``namespace/name`` or ``name``).
    """
    secrets = secrets or {}
    configmaps = configmaps or {}
    warnings = warnings if warnings is not None else []
    roles = []
    for definition in parse_definitions(settings):
        secretname = definition.get("secretname")
        if not secretname:
            warnings.append("infrastructure role definition without secretname ignored")
            continue
        data = secrets.get(secretname)
        if data is None:
            warnings.append("infrastructure roles secret %r not found; its roles are ignored" % secretname)
            continue
        where = "secret %s" % secretname
        if definition.get("template"):
            if secretname in configmaps:
                roles.extend(_from_configmap(secretname, data, configmaps[secretname], settings, warnings))
            else:
                roles.extend(_from_template(secretname, data, settings, warnings))
            continue
        name = data.get(definition["userkey"]) if definition.get("userkey") else None
        name = name or definition.get("defaultuservalue")
        password = data.get(definition["passwordkey"]) if definition.get("passwordkey") else None
        inrole = data.get(definition["rolekey"]) if definition.get("rolekey") else None
        inrole = inrole or definition.get("defaultrolevalue")
        if not name:
            warnings.append("infrastructure role from %s ignored: no user name under %r" % (where, definition.get("userkey")))
            continue
        if not password:
            warnings.append("infrastructure role %r from %s ignored: no password" % (name, where))
            continue
        if not _accept(name, settings, where, warnings):
            continue
        roles.append(RoleSpec(name, ORIGIN_INFRASTRUCTURE, flags=["LOGIN"], member_of=_membership(inrole), password=password,
                              path="%s:%s" % (where, name)))
    return roles


def _from_template(secretname, data, settings, warnings):
    roles = []
    index = 1
    where = "secret %s" % secretname
    while ("user%d" % index) in data:
        name = data.get("user%d" % index)
        password = data.get("password%d" % index)
        inrole = data.get("inrole%d" % index)
        index += 1
        if not password:
            warnings.append("infrastructure role %r from %s ignored: no password" % (name, where))
            continue
        if not _accept(name, settings, where, warnings):
            continue
        roles.append(RoleSpec(name, ORIGIN_INFRASTRUCTURE, flags=["LOGIN"], member_of=_membership(inrole), password=password,
                              path="%s:user%d" % (where, index - 1)))
    return roles


def _from_configmap(secretname, data, configmap, settings, warnings):
    roles = []
    where = "configmap %s" % secretname
    for name in sorted(configmap):
        password = data.get(name)
        if not password:
            warnings.append("infrastructure role %r from %s ignored: no password in the secret" % (name, where))
            continue
        if not _accept(name, settings, where, warnings):
            continue
        try:
            body = _load_yaml(configmap[name]) or {}
            if not isinstance(body, dict):
                raise ValueError("value must be a mapping")
            flags = normalize_flags(body.get("user_flags") or [], path="%s:%s.user_flags" % (where, name))
            params = body.get("db_parameters") or {}
            if not isinstance(params, dict):
                raise ValueError("db_parameters must be a mapping")
            member_of = _membership(body.get("inrole"))
        except (ValueError, ValidationError) as exc:
            warnings.append("infrastructure role %r from %s ignored: %s" % (name, where, exc))
            continue
        except Exception as exc:  # YAML errors
            warnings.append("infrastructure role %r from %s ignored: invalid YAML (%s)" % (name, where, type(exc).__name__))
            continue
        roles.append(RoleSpec(name, ORIGIN_INFRASTRUCTURE, flags=flags, member_of=member_of, password=password,
                              parameters=dict((str(k), str(v)) for k, v in params.items()), path="%s:%s" % (where, name)))
    return roles
