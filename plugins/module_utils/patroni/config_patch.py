# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Patroni dynamic configuration a manifest wants, and the ``PATCH /config`` that gets it there.

Spilo writes ``bootstrap.dcs`` of ``SPILO_CONFIGURATION`` into the DCS once, when the cluster is
created; later manifest changes reach a running cluster only through Patroni's REST API. As the
Zalando operator does, the keys compared are ``ttl``, ``loop_wait``, ``retry_timeout``,
``maximum_lag_on_failover``, ``synchronous_mode``, ``synchronous_mode_strict``,
``synchronous_node_count``, ``failsafe_mode``, ``postgresql.pg_hba``, ``slots`` and the
``postgresql.parameters`` that are not local-only (the local-only ones are in the pod's
environment, and a change of them rolls the pods). Only what the manifest sets is compared: a
parameter left out of the manifest keeps the value it has in Patroni.

Replication slots: slots of the manifest are added or changed; a slot the manifest had and dropped
is removed (set to null); a slot created directly in Patroni (``patronictl edit-config``) is kept.
To tell the two apart, the names of the slots the manifest put there are kept in the
configuration itself, under ``MANAGED_KEY`` (Patroni keeps keys it does not know and ignores them).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.desired.spilo_configuration import (
    GoFloat32, bootstrap_dcs, split_parameters,
)

MANAGED_KEY = "pgkube_managed_slots"
TOP_LEVEL_KEYS = ("ttl", "loop_wait", "retry_timeout", "maximum_lag_on_failover", "synchronous_mode",
                  "synchronous_mode_strict", "synchronous_node_count", "failsafe_mode")


def _plain(value):
    if isinstance(value, GoFloat32):
        return value.value
    if isinstance(value, dict):
        return dict((k, _plain(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def desired_dynamic_config(spec, cfg):
    """The part of Patroni's dynamic configuration the manifest's ``spec`` decides."""
    patroni = spec.get("patroni") or {}
    _local, dcs_parameters = split_parameters((spec.get("postgresql") or {}).get("parameters") or {})
    wanted = _plain(bootstrap_dcs(patroni, dcs_parameters, cfg))
    if patroni.get("pg_hba"):
        wanted.setdefault("postgresql", {})["pg_hba"] = list(patroni["pg_hba"])
    wanted.setdefault("slots", {})
    return wanted


def _same(mine, theirs):
    if isinstance(mine, bool) or isinstance(theirs, bool):
        return mine is theirs or (isinstance(theirs, str) and theirs.lower() == str(mine).lower())
    if isinstance(mine, (int, float)) and not isinstance(theirs, bool):
        try:
            return float(mine) == float(theirs)
        except (TypeError, ValueError):
            return False
    return mine == theirs


def _parameter_same(mine, theirs):
    """Manifest parameters are strings; Patroni keeps what it was given (a string, a number, a boolean)."""
    if theirs is None:
        return False
    if isinstance(theirs, bool):
        return (str(mine).lower() in ("on", "true", "yes", "1")) == theirs
    return str(mine) == str(theirs)


def config_patch(current, wanted):
    """``(patch, changed_names)``: the merge patch for ``PATCH /config`` (None when nothing differs)
    and the dotted names of what it changes."""
    current = current if isinstance(current, dict) else {}
    patch, changed = {}, []
    for key in TOP_LEVEL_KEYS:
        if key in wanted and not _same(wanted[key], current.get(key)):
            patch[key] = wanted[key]
            changed.append(key)
    current_pg = current.get("postgresql") if isinstance(current.get("postgresql"), dict) else {}
    wanted_pg = wanted.get("postgresql") or {}
    pg_patch = {}
    current_params = current_pg.get("parameters") if isinstance(current_pg.get("parameters"), dict) else {}
    params = dict((name, value) for name, value in sorted((wanted_pg.get("parameters") or {}).items())
                  if not _parameter_same(value, current_params.get(name)))
    if params:
        pg_patch["parameters"] = params
        changed.extend("postgresql.parameters.%s" % name for name in params)
    if "pg_hba" in wanted_pg and wanted_pg["pg_hba"] != current_pg.get("pg_hba"):
        pg_patch["pg_hba"] = wanted_pg["pg_hba"]
        changed.append("postgresql.pg_hba")
    if pg_patch:
        patch["postgresql"] = pg_patch
    slots_patch = _slots_patch(current, wanted.get("slots") or {})
    if slots_patch:
        patch["slots"] = slots_patch
        changed.extend("slots.%s" % name for name in sorted(slots_patch))
    managed = sorted(wanted.get("slots") or {})
    if slots_patch or sorted(current.get(MANAGED_KEY) or []) != managed:
        patch[MANAGED_KEY] = managed or None
    return (patch or None), changed


def _slots_patch(current, wanted_slots):
    current_slots = current.get("slots") if isinstance(current.get("slots"), dict) else {}
    previously = current.get(MANAGED_KEY) if isinstance(current.get(MANAGED_KEY), list) else []
    patch = {}
    for name, slot in sorted(wanted_slots.items()):
        if current_slots.get(name) != slot:
            patch[name] = slot
    for name in previously:
        if name not in wanted_slots and name in current_slots:
            patch[name] = None
    return patch
