# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which member a switchover goes to, from Patroni's ``GET /cluster`` answer.

``choose_candidate(members, leader, eligible=None, synchronous=False)`` returns
``(name, None)`` or ``(None, why)``:

- the leader, members tagged ``nofailover`` and members ``eligible`` refuses (a pod that is not
  ready, waits for its own recreation or sits on a node being drained) are never chosen;
- a synchronous standby (role ``sync_standby``) in a healthy state comes first; in synchronous
  mode it is the only choice (Patroni would refuse any other member);
- otherwise the healthy member (state ``running``, ``streaming`` or ``in archive recovery``)
  with the lowest replication lag; a member whose lag Patroni does not know comes after those
  whose lag it knows; ties go to the lower name.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

HEALTHY_STATES = ("running", "streaming", "in archive recovery")
SYNC_ROLES = ("sync_standby",)
LEADER_ROLES = ("leader", "master", "primary", "standby_leader")


def member_lag(member):
    """The member's lag in bytes, or None when Patroni reports none or ``unknown``."""
    lag = member.get("lag")
    if isinstance(lag, bool):
        return None
    if isinstance(lag, (int, float)):
        return lag
    try:
        return int(lag)
    except (TypeError, ValueError):
        return None


def leader_name(members):
    """The member Patroni calls leader, or None."""
    for member in members or []:
        if isinstance(member, dict) and member.get("role") in LEADER_ROLES:
            return member.get("name")
    return None


def _usable(member, leader, eligible):
    if not isinstance(member, dict) or not member.get("name") or member.get("name") == leader:
        return False
    if (member.get("tags") or {}).get("nofailover") in (True, "true"):
        return False
    if member.get("state") not in HEALTHY_STATES:
        return False
    return eligible is None or eligible(member["name"])


def choose_candidate(members, leader, eligible=None, synchronous=False):
    """See the module docstring."""
    usable = [m for m in members or [] if _usable(m, leader, eligible)]
    sync = sorted((m for m in usable if m.get("role") in SYNC_ROLES), key=lambda m: m["name"])
    if sync:
        return sync[0]["name"], None
    if synchronous:
        return None, "synchronous mode is on and no synchronous standby can take over"
    if not usable:
        others = [m.get("name") for m in members or [] if isinstance(m, dict) and m.get("name") != leader]
        if not others:
            return None, "the cluster has no other member"
        return None, "no member can take over (%s)" % ", ".join(
            "%s: %s" % (m.get("name"), m.get("state")) for m in members if isinstance(m, dict) and m.get("name") != leader)

    def order(member):
        lag = member_lag(member)
        return (lag is None, lag if lag is not None else 0, member["name"])

    return sorted(usable, key=order)[0]["name"], None
