# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""In which order members with a pending restart are restarted (Zalando's rule).

A hot standby refuses to start when some parameters are lower than on its primary. So when the
pending change only *decreases* ``max_connections``, ``max_prepared_transactions``,
``max_locks_per_transaction``, ``max_worker_processes`` or ``max_wal_senders``, the master restarts
first (its replicas still have the higher values); any other pending change restarts the replicas
first and the master last.

Patroni (3.3 and later) names the change of each member in ``pending_restart_reason``:
``{"max_connections": {"old_value": "200", "new_value": "100"}}``; without it (an older Patroni)
the safe default is replicas first.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DECREASE_FIRST_PARAMETERS = frozenset([
    "max_connections", "max_prepared_transactions", "max_locks_per_transaction", "max_worker_processes", "max_wal_senders",
])

MASTER_FIRST = "master first"
REPLICAS_FIRST = "replicas first"


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def only_decreases(reasons):
    """True when every pending change is a decrease of one of DECREASE_FIRST_PARAMETERS."""
    if not isinstance(reasons, dict) or not reasons:
        return False
    for name, change in reasons.items():
        if name not in DECREASE_FIRST_PARAMETERS or not isinstance(change, dict):
            return False
        old, new = _number(change.get("old_value")), _number(change.get("new_value"))
        if old is None or new is None or new >= old:
            return False
    return True


def pending_members(members):
    """Members of ``GET /cluster`` that report a pending restart."""
    return [m for m in members or [] if isinstance(m, dict) and m.get("pending_restart") in (True, "true")]


def restart_order(members, leader):
    """``(order, names)``: MASTER_FIRST or REPLICAS_FIRST, and the pending members in that order
    (replicas by name)."""
    pending = pending_members(members)
    if not pending:
        return REPLICAS_FIRST, []
    reasons = [m.get("pending_restart_reason") for m in pending]
    order = MASTER_FIRST if all(only_decreases(r) for r in reasons) else REPLICAS_FIRST
    replicas = sorted(m["name"] for m in pending if m.get("name") != leader)
    master = [m["name"] for m in pending if m.get("name") == leader]
    return order, (master + replicas) if order == MASTER_FIRST else (replicas + master)
