# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A rolling update carried to its end in one run (``postgres_cluster`` with
``complete_rolling_update: true``: a maintenance run from a playbook or an AWX job).

The watcher steps a rolling update one reconcile at a time and returns to other clusters in
between. A deliberate maintenance run wants the opposite: keep reconciling this cluster, waiting
``requeue_after`` seconds between steps, until no pod waits for a rolling update, and show every
step. ``finish_rolling_update(reconcile_once, timeout)`` does that.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

DEFAULT_PAUSE = 3.0


def in_progress(result):
    """Pods still wait for their recreation, or the RollingUpdate condition says the update is under way."""
    condition = getattr(result, "rolling_update", None) or {}
    return bool(result.rolling_update_pods) or condition.get("status") == "True"


def step_summary(result):
    """One line of what a reconcile did for the rolling update."""
    condition = getattr(result, "rolling_update", None) or {}
    parts = [m for t, r, m in result.events if r in ("Update", "Switchover", "Patroni")]
    if condition.get("message"):
        parts.append(condition["message"])
    return "; ".join(parts) or "nothing to do"


def finish_rolling_update(reconcile_once, first, timeout, sleep=time.sleep, clock=time.monotonic):
    """Reconcile until the rolling update is over or ``timeout`` seconds passed.

    ``reconcile_once()`` runs one reconcile and returns its ``ReconcileResult``; ``first`` is the
    result of the reconcile already run. Returns ``(last_result, steps, finished)``; a reconcile that
    fails stops the loop (its error is the caller's to report)."""
    deadline = clock() + float(timeout)
    result, steps = first, [step_summary(first)]
    while in_progress(result) and not result.error:
        if clock() >= deadline:
            return result, steps, False
        sleep(min(result.requeue_after or DEFAULT_PAUSE, max(0.0, deadline - clock())))
        result = reconcile_once()
        steps.append(step_summary(result))
    return result, steps, not in_progress(result)
