"""Restart order after a Patroni configuration change (replicas first unless only decreases)."""

from ansible_collections.pgkube.operator.plugins.module_utils.patroni.restart_order import (
    MASTER_FIRST, REPLICAS_FIRST, only_decreases, restart_order,
)


def pending(name, role="replica", **reasons):
    return {"name": name, "role": role, "state": "streaming", "pending_restart": True,
            "pending_restart_reason": dict((k, {"old_value": old, "new_value": new}) for k, (old, new) in reasons.items())}


def test_an_increase_restarts_the_replicas_first():
    members = [pending("pg-0", "leader", max_connections=("100", "200")), pending("pg-2", max_connections=("100", "200")),
               pending("pg-1", max_connections=("100", "200"))]
    assert restart_order(members, "pg-0") == (REPLICAS_FIRST, ["pg-1", "pg-2", "pg-0"])


def test_only_decreases_of_the_five_parameters_restart_the_master_first():
    members = [pending("pg-1", max_connections=("200", "100"), max_wal_senders=("10", "5")),
               pending("pg-0", "leader", max_connections=("200", "100"), max_wal_senders=("10", "5"))]
    assert restart_order(members, "pg-0") == (MASTER_FIRST, ["pg-0", "pg-1"])


def test_a_decrease_with_any_other_change_is_replicas_first():
    members = [pending("pg-0", "leader", max_connections=("200", "100"), shared_buffers=("128MB", "256MB")), pending("pg-1")]
    assert restart_order(members, "pg-0")[0] == REPLICAS_FIRST
    assert not only_decreases({"max_connections": {"old_value": "100", "new_value": "100"}})
    assert not only_decreases({})  # an older Patroni names no reason: the safe order
    assert not only_decreases({"max_connections": {"old_value": "a lot", "new_value": "1"}})


def test_members_without_a_pending_restart_are_left_alone():
    members = [{"name": "pg-0", "role": "leader", "state": "running"}, pending("pg-1", shared_buffers=("1", "2"))]
    assert restart_order(members, "pg-0") == (REPLICAS_FIRST, ["pg-1"])
    assert restart_order([], "pg-0") == (REPLICAS_FIRST, [])
