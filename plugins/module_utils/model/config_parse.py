# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Value parsers for the operator configuration (reference §3.1, §3.2).

Every parser takes the ``path`` that names the key in error messages and a
value that is either the ConfigMap string or the already-typed value of an
OperatorConfiguration (YAML/JSON). Errors raise ``ConfigurationError(path, reason)``,
e.g. ``workers: must be an integer, got "abc"``.

ConfigMap syntax:
- booleans: ``true`` / ``false`` in any case (also Go's ``1``, ``t``, ``0``, ``f``);
- integers: decimal, optional sign;
- durations: Go syntax (``500ms``, ``10s``, ``30m``, ``1h30m``); a bare integer is
  taken as seconds; the result is seconds (an ``int``, a ``float`` only for
  sub-second remainders);
- lists: comma separated, items stripped, empty items dropped;
- maps: ``k:v,k2:v2``; a comma inside single or double quotes does not split;
  no escapes; a value wrapped in matching quotes loses them; the value may
  contain further colons (split at the first one);
- namespaced names: ``[namespace/]name``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
from decimal import Decimal

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ConfigurationError, ValidationErrors
from ansible_collections.pgkube.operator.plugins.module_utils.model import kube_objects
from ansible_collections.pgkube.operator.plugins.module_utils.model.fields import Fields


class ConfigurationErrors(ValidationErrors, ConfigurationError):
    """Several configuration errors found in one pass; ``errors`` lists them."""


def show(value):
    """A value as it appears in an error message: strings in double quotes."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


_TRUE = ("true", "t", "1")
_FALSE = ("false", "f", "0")


def parse_bool(path, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ConfigurationError(path, "must be a boolean (true or false), got %s" % show(value))


_INT_RE = re.compile(r"^[+-]?[0-9]+$")


def parse_int(path, value):
    if isinstance(value, bool):
        raise ConfigurationError(path, "must be an integer, got %s" % show(value))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_RE.match(value.strip()):
        return int(value.strip())
    raise ConfigurationError(path, "must be an integer, got %s" % show(value))


_UNIT_NS = {"ns": 1, "us": 10 ** 3, "\u00b5s": 10 ** 3, "\u03bcs": 10 ** 3, "ms": 10 ** 6, "s": 10 ** 9, "m": 60 * 10 ** 9, "h": 3600 * 10 ** 9}
_DURATION_PART_RE = re.compile("([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")


def _duration_ns(text):
    """Nanoseconds of a Go duration string, or None when it is not one."""
    sign = 1
    if text and text[0] in "+-":
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if text == "0":
        return 0
    if not text:
        return None
    total = Decimal(0)
    pos = 0
    while pos < len(text):
        match = _DURATION_PART_RE.match(text, pos)
        if not match:
            return None
        total += Decimal(match.group(1)) * _UNIT_NS[match.group(2)]
        pos = match.end()
    return sign * int(total)


def parse_duration(path, value):
    """Seconds of a duration: Go syntax, a bare integer (seconds) or a number."""
    if isinstance(value, bool):
        raise ConfigurationError(path, "must be a duration such as \"30m\" or \"1h30m\", got %s" % show(value))
    if isinstance(value, (int, float)):
        seconds = value
    elif isinstance(value, str) and _INT_RE.match(value.strip()):
        seconds = int(value.strip())
    elif isinstance(value, str):
        nanos = _duration_ns(value.strip())
        if nanos is None:
            raise ConfigurationError(path, "must be a duration such as \"30m\" or \"1h30m\", got %s" % show(value))
        seconds = nanos // 10 ** 9 if nanos % 10 ** 9 == 0 else nanos / 10.0 ** 9
    else:
        raise ConfigurationError(path, "must be a duration such as \"30m\" or \"1h30m\", got %s" % show(value))
    if seconds < 0:
        raise ConfigurationError(path, "must not be negative, got %s" % show(value))
    if isinstance(seconds, float) and seconds.is_integer():
        seconds = int(seconds)
    return seconds


def _scalar_str(path, value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise ConfigurationError(path, "must be a string, got %s" % show(value))


def parse_str(path, value):
    """Free text, a quantity or a template; YAML numbers become their text (``1`` -> ``"1"``)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ConfigurationError(path, "must be a string, got %s" % show(value))
    return str(value)


def parse_list(path, value):
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, (list, tuple)):
        return [_scalar_str("%s[%d]" % (path, i), item) for i, item in enumerate(value)]
    raise ConfigurationError(path, "must be a comma separated list, got %s" % show(value))


def split_outside_quotes(text, sep=","):
    """Split ``text`` on ``sep`` except inside single or double quotes (no escapes)."""
    parts = []
    current = []
    quote = None
    for char in text:
        if quote:
            if char == quote:
                quote = None
        elif char in ("'", '"'):
            quote = char
        elif char == sep:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(text):
    if len(text) >= 2 and text[0] == text[-1] and text[0] in ("'", '"'):
        return text[1:-1]
    return text


def parse_map(path, value):
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            result[str(key)] = _scalar_str("%s.%s" % (path, key), item)
        return result
    if not isinstance(value, str):
        raise ConfigurationError(path, "must be a map \"key:value,key2:value2\", got %s" % show(value))
    result = {}
    for item in split_outside_quotes(value):
        item = item.strip()
        if not item:
            continue
        if ":" not in item:
            raise ConfigurationError(path, "must be a map \"key:value,key2:value2\", item %s has no colon" % show(item))
        key, val = item.split(":", 1)
        key = _unquote(key.strip())
        if not key:
            raise ConfigurationError(path, "map item %s has an empty key" % show(item))
        result[key] = _unquote(val.strip())
    return result


def parse_namespaced_name(path, value):
    """``[namespace/]name``; returned as the (stripped) string, ``""`` when empty."""
    if not isinstance(value, str):
        raise ConfigurationError(path, "must be a name or \"namespace/name\", got %s" % show(value))
    text = value.strip()
    if text and (text.count("/") > 1 or text.startswith("/") or text.endswith("/")):
        raise ConfigurationError(path, "must be a name or \"namespace/name\", got %s" % show(value))
    return text


def split_namespaced_name(value, default_namespace=None):
    """``(namespace, name)`` of a ``[namespace/]name`` string, or None when empty."""
    if not value:
        return None
    if "/" in value:
        namespace, name = value.split("/", 1)
        return namespace, name
    return default_namespace, value


_RETENTION_KEYS = ("when_deleted", "when_scaled")


def parse_pvc_retention_policy(path, value):
    """``when_deleted:retain,when_scaled:retain`` (or a map); values retain / delete."""
    raw = parse_map(path, value)
    result = {"when_deleted": "retain", "when_scaled": "retain"}
    for key, val in raw.items():
        if key not in _RETENTION_KEYS:
            raise ConfigurationError(path, "unknown field %s (expected when_deleted, when_scaled)" % show(key))
        if val.lower() not in ("retain", "delete"):
            raise ConfigurationError("%s.%s" % (path, key), "must be retain or delete, got %s" % show(val))
        result[key] = val.lower()
    return result


INFRA_ROLE_FIELDS = ("secretname", "userkey", "passwordkey", "rolekey", "defaultuservalue", "defaultrolevalue", "details")
INFRA_ROLE_CRD_FIELDS = ("secretname", "userkey", "passwordkey", "rolekey")


def _complete_infra_role(path, definition, warnings):
    missing = [f for f in ("secretname", "passwordkey") if not definition.get(f)]
    if not definition.get("userkey") and not definition.get("defaultuservalue"):
        missing.append("userkey")
    if missing:
        warnings.append("%s: definition without %s ignored" % (path, ", ".join(missing)))
        return False
    return True


def parse_infrastructure_roles_cm(path, value, warnings):
    """The single ConfigMap definition string -> a list of at most one definition dict."""
    if isinstance(value, list):
        return parse_infrastructure_roles_crd(path, value, warnings, crd=False)
    if not isinstance(value, str):
        raise ConfigurationError(path, "must be \"secretname:...,userkey:...,passwordkey:...,rolekey:...\", got %s" % show(value))
    if not value.strip():
        return []
    definition = {}
    for key, val in parse_map(path, value).items():
        if key.lower() not in INFRA_ROLE_FIELDS:
            warnings.append("%s: unknown field %s ignored" % (path, show(key)))
            continue
        definition[key.lower()] = val
    return [definition] if _complete_infra_role(path, definition, warnings) else []


def parse_infrastructure_roles_crd(path, value, warnings, crd=True):
    """A list of definition objects. The CRD import keeps only secretname, userkey,
    passwordkey and rolekey, as upstream does; other fields are dropped with a warning."""
    if not isinstance(value, (list, tuple)):
        raise ConfigurationError(path, "must be a list of objects, got %s" % show(value))
    allowed = INFRA_ROLE_CRD_FIELDS if crd else INFRA_ROLE_FIELDS
    result = []
    for i, item in enumerate(value):
        item_path = "%s[%d]" % (path, i)
        if not isinstance(item, dict):
            raise ConfigurationError(item_path, "must be an object, got %s" % show(item))
        definition = {}
        dropped = []
        for key, val in item.items():
            if key in allowed:
                definition[key] = _scalar_str("%s.%s" % (item_path, key), val)
            else:
                dropped.append(str(key))
        if dropped:
            warnings.append("%s: field(s) %s not supported here and ignored" % (item_path, ", ".join(sorted(dropped))))
        if _complete_infra_role(item_path, definition, warnings):
            result.append(definition)
    return result


def parse_sidecars(path, value):
    if not isinstance(value, (list, tuple)):
        raise ConfigurationError(path, "must be a list of containers, got %s" % show(value))
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise ConfigurationError("%s[%d]" % (path, i), "must be a container object, got %s" % show(item))
        if not isinstance(item.get("name"), str) or not item.get("name"):
            raise ConfigurationError("%s[%d].name" % (path, i), "is required")
        _check_shape(item, "%s[%d]" % (path, i), kube_objects.CONTAINER)
    return json.loads(json.dumps(list(value)))


def _check_shape(value, path, shape):
    """The first shape error of an embedded Kubernetes object as a ConfigurationError."""
    fields = Fields()
    kube_objects.check(fields, value, path, shape)
    if fields.errors:
        raise ConfigurationError(fields.errors[0].path, fields.errors[0].reason)


def parse_liveness_probe(path, value):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ConfigurationError(path, "must be a probe object, got %s" % show(value))
    _check_shape(value, path, kube_objects.PROBE)
    return json.loads(json.dumps(value))
