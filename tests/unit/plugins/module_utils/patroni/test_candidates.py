"""Switchover candidate choice from Patroni's GET /cluster answer."""

from ansible_collections.pgkube.operator.plugins.module_utils.patroni.candidates import choose_candidate, leader_name, member_lag


def member(name, role="replica", state="streaming", lag=0, **extra):
    found = {"name": name, "role": role, "state": state, "lag": lag}
    found.update(extra)
    return found


LEADER = member("pg-0", role="leader", state="running", lag=None)


def test_the_lowest_lag_among_healthy_members_wins():
    members = [LEADER, member("pg-1", lag=4096), member("pg-2", lag=16)]
    assert choose_candidate(members, "pg-0") == ("pg-2", None)


def test_a_synchronous_standby_comes_before_a_lower_lag():
    members = [LEADER, member("pg-1", lag=0), member("pg-2", role="sync_standby", lag=900)]
    assert choose_candidate(members, "pg-0") == ("pg-2", None)


def test_synchronous_mode_without_a_sync_standby_gives_none_with_the_reason():
    name, why = choose_candidate([LEADER, member("pg-1")], "pg-0", synchronous=True)
    assert name is None and "synchronous" in why


def test_unhealthy_nofailover_and_ineligible_members_are_never_chosen():
    members = [LEADER, member("pg-1", state="starting"), member("pg-2", tags={"nofailover": True}), member("pg-3", lag=1 << 30),
               member("pg-4", lag=0)]
    assert choose_candidate(members, "pg-0", eligible=lambda n: n != "pg-4") == ("pg-3", None)
    name, why = choose_candidate(members[:3], "pg-0")
    assert name is None and "pg-1: starting" in why


def test_unknown_lag_comes_after_known_lag_and_ties_go_to_the_lower_name():
    members = [LEADER, member("pg-1", lag="unknown"), member("pg-3", lag=5), member("pg-2", lag=5)]
    assert choose_candidate(members, "pg-0") == ("pg-2", None)
    assert member_lag(member("x", lag="unknown")) is None
    assert member_lag(member("x", lag="12")) == 12


def test_a_cluster_of_one_has_no_candidate():
    assert choose_candidate([LEADER], "pg-0") == (None, "the cluster has no other member")
    assert leader_name([member("a"), LEADER]) == "pg-0"
    assert choose_candidate("garbage", "pg-0")[0] is None
