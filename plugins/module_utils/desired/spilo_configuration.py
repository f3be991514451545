# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``SPILO_CONFIGURATION`` environment value (reference §2.5, §4.9).

The value is a JSON document that Spilo merges into the Patroni configuration:
``{"postgresql": {<local section>}, "bootstrap": {"initdb": [...], "dcs": {...}}}``.
It must be byte-identical to what the Zalando operator writes, otherwise adopting a
cluster changes the pod template and rolls the pods. The upstream operator serialises
Go structs (fixed field order, empty fields left out) and Go maps (keys sorted), with
Go's HTML-safe escaping; :func:`go_json` reproduces that encoding.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import struct
from decimal import Decimal

# Parameters that stay in the pod's local Patroni configuration (changing them changes
# the pod template). Every other parameter is a DCS (cluster-wide) parameter.
LOCAL_ONLY_PARAMETERS = frozenset([
    "archive_command",
    "shared_buffers",
    "logging_collector",
    "log_destination",
    "log_directory",
    "log_filename",
    "log_file_mode",
    "log_rotation_age",
    "log_truncate_on_rotation",
    "ssl",
    "ssl_ca_file",
    "ssl_crl_file",
    "ssl_cert_file",
    "ssl_key_file",
    "shared_preload_libraries",
    "bg_mon.listen_address",
    "bg_mon.history_buckets",
    "pg_stat_statements.track_utility",
    "extwlist.extensions",
    "extwlist.custom_path",
])

# initdb options that take no argument: ``{name: "true"}`` in the manifest becomes the bare flag.
INITDB_BARE_FLAGS = frozenset(["data-checksums", "debug", "no-locale", "noclean", "nosync", "sync-only"])

DEFAULT_INITDB = (("auth-host", "scram-sha-256"), ("auth-local", "trust"))

BIN_DIR_TEMPLATE = "/usr/lib/postgresql/%s/bin"

_GO_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), (u"\u2028", "\\u2028"), (u"\u2029", "\\u2029"))


class GoFloat32(object):
    """A number that Go holds in a ``float32`` field; :func:`go_json` writes it Go's way."""

    def __init__(self, value):
        self.value = float(value)

    def __eq__(self, other):
        return isinstance(other, GoFloat32) and other.value == self.value

    def __repr__(self):
        return "GoFloat32(%r)" % self.value


def _go_string(text):
    encoded = json.dumps(text, ensure_ascii=False)
    for raw, escaped in _GO_ESCAPES:
        encoded = encoded.replace(raw, escaped)
    return encoded


def go_json(value):
    """Serialise like Go's ``json.Marshal``: compact, UTF-8, HTML-safe string escapes.

    Dict key order is kept as given (callers sort what Go holds in maps);
    :class:`GoFloat32` values are written in Go's shortest ``float32`` form.
    """
    if isinstance(value, dict):
        return "{" + ",".join(_go_string(str(k)) + ":" + go_json(v) for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(go_json(v) for v in value) + "]"
    if isinstance(value, GoFloat32):
        return float32_text(value.value)
    if isinstance(value, str):
        return _go_string(value)
    return json.dumps(value)


def sorted_map(mapping):
    """A copy of ``mapping`` with its keys in Go's map-marshalling order (sorted)."""
    return dict((key, mapping[key]) for key in sorted(mapping))


def split_parameters(parameters):
    """Split ``postgresql.parameters`` into ``(local, dcs)`` dicts (keys sorted)."""
    local = {}
    dcs = {}
    for name in sorted(parameters or {}):
        target = local if name in LOCAL_ONLY_PARAMETERS else dcs
        target[name] = parameters[name]
    return local, dcs


def initdb_options(initdb):
    """The ``bootstrap.initdb`` list: the defaults, overridden or extended by the manifest.

    Manifest keys are handled in sorted order. A key that matches a default option
    replaces its value; an option whose value already occurs as a bare flag is skipped
    (upstream compares the value, not the key); ``"true"`` on a known argument-less
    option adds the bare flag; anything else is appended as ``{key: value}``.
    """
    options = [{key: value} for key, value in DEFAULT_INITDB]
    for key in sorted(initdb or {}):
        value = _initdb_value(initdb[key])
        if _merge_into_existing(options, key, value):
            continue
        if value == "true" and key in INITDB_BARE_FLAGS:
            options.append(key)
        else:
            options.append({key: value})
    return options


def _initdb_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _merge_into_existing(options, key, value):
    for option in options:
        if isinstance(option, dict):
            if key in option:
                option[key] = value
                return True
        elif option == value:
            return True
    return False


def _as_float32(number):
    return struct.unpack("f", struct.pack("f", float(number)))[0]


def float32_text(number):
    """Render ``number`` as Go's JSON encoder renders a ``float32`` (shortest round-trip digits)."""
    single = _as_float32(number)
    if single == 0:
        return "0"
    for digits in range(1, 18):
        candidate = "%.*g" % (digits, single)
        if _as_float32(candidate) == single:
            break
    magnitude = abs(single)
    if magnitude < 1e-6 or magnitude >= 1e21:
        mantissa, exponent = ("%.*e" % (digits - 1, single)).split("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        exp = int(exponent)
        return "%se%s%s" % (mantissa, "-" if exp < 0 else "+", ("%d" if exp < 0 else "%02d") % abs(exp))
    text = format(Decimal(candidate), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _uint(value):
    """Manifest integers may arrive as strings; anything unusable counts as unset (0)."""
    if value is None or isinstance(value, bool):
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def bootstrap_dcs(patroni, dcs_parameters, cfg):
    """``bootstrap.dcs`` in the field order of upstream's ``patroniDCS`` struct."""
    dcs = {}
    ttl = _uint(patroni.get("ttl"))
    if ttl > 0:
        dcs["ttl"] = ttl
    loop_wait = _uint(patroni.get("loop_wait"))
    if loop_wait > 0:
        dcs["loop_wait"] = loop_wait
    retry_timeout = _uint(patroni.get("retry_timeout"))
    if retry_timeout > 0:
        dcs["retry_timeout"] = retry_timeout
    lag = patroni.get("maximum_lag_on_failover")
    if lag is not None and not isinstance(lag, bool):
        try:
            lag_value = float(lag)
        except (TypeError, ValueError):
            lag_value = 0.0
        if lag_value > 0:
            dcs["maximum_lag_on_failover"] = GoFloat32(lag_value)
    if patroni.get("synchronous_mode") is True:
        dcs["synchronous_mode"] = True
    if patroni.get("synchronous_mode_strict") is True:
        dcs["synchronous_mode_strict"] = True
    sync_count = _uint(patroni.get("synchronous_node_count"))
    if sync_count >= 1:
        dcs["synchronous_node_count"] = sync_count
    if dcs_parameters:
        dcs["postgresql"] = {"parameters": dcs_parameters}
    slots = patroni.get("slots")
    if slots:
        dcs["slots"] = dict((name, sorted_map(slots[name] or {})) for name in sorted(slots))
    failsafe = patroni.get("failsafe_mode")
    if failsafe is None:
        failsafe = getattr(cfg, "enable_patroni_failsafe_mode", None)
    if failsafe is not None:
        dcs["failsafe_mode"] = bool(failsafe)
    return dcs


def spilo_configuration_dict(cluster, cfg):
    """The SPILO_CONFIGURATION document as ordered Python data."""
    spec = cluster.spec
    postgresql = spec.get("postgresql") or {}
    patroni = spec.get("patroni") or {}
    local_parameters, dcs_parameters = split_parameters(postgresql.get("parameters") or {})

    local = {}
    # bin_dir only when PGVERSION is not used: Spilo prefers bin_dir over PGVERSION.
    if not cfg.enable_pgversion_env_var:
        local["bin_dir"] = BIN_DIR_TEMPLATE % postgresql.get("version", "")
    if local_parameters:
        local["parameters"] = local_parameters
    pg_hba = patroni.get("pg_hba") or []
    if pg_hba:
        local["pg_hba"] = list(pg_hba)

    return {
        "postgresql": local,
        "bootstrap": {
            "initdb": initdb_options(patroni.get("initdb")),
            "dcs": bootstrap_dcs(patroni, dcs_parameters, cfg),
        },
    }


def build_spilo_configuration(cluster, cfg):
    """The ``SPILO_CONFIGURATION`` string, byte-identical to the Zalando operator's."""
    return go_json(spilo_configuration_dict(cluster, cfg))


def strip_bootstrap_dcs(value):
    """SPILO_CONFIGURATION without ``bootstrap.dcs``, for comparing StatefulSets.

    Upstream ignores the DCS part (it is applied through the Patroni API instead).
    Returns the parsed document without ``bootstrap.dcs``; a value that is not a JSON
    object is returned unchanged so it still compares by text.
    """
    try:
        document = json.loads(value)
    except (TypeError, ValueError):
        return value
    if not isinstance(document, dict):
        return value
    bootstrap = document.get("bootstrap")
    if isinstance(bootstrap, dict):
        bootstrap.pop("dcs", None)
    return document
