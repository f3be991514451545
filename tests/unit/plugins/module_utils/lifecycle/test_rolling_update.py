"""The rolling-update state machine: one step from the pods' state (docs/lifecycle.md)."""

import datetime

from ansible_collections.pgkube.operator.plugins.module_utils.lifecycle import rolling_update as ru

from ansible_collections.pgkube.operator.tests.unit.podfacts import ROLE, pod

NOW = datetime.datetime(2026, 12, 3, 10, 6, tzinfo=datetime.timezone.utc)


def step(pods, instances=None):
    return ru.next_step(pods, ROLE, len(pods) if instances is None else instances, "pg", now=NOW)


def test_nothing_flagged_is_no_step():
    assert step([pod("pg-0", "master"), pod("pg-1")]).action == ru.NONE


def test_replicas_go_first_highest_ordinal_first_then_the_master_switches_over():
    pods = [pod("pg-0", "master", flagged=True), pod("pg-1", flagged=True), pod("pg-2", flagged=True)]
    first = step(pods)
    assert (first.action, first.pod_name, first.done, first.total) == (ru.DELETE, "pg-2", 0, 3)
    pods[2] = pod("pg-2")
    assert step(pods).pod_name == "pg-1"
    pods[1] = pod("pg-1")
    last = step(pods)
    assert (last.action, last.pod_name, last.done) == (ru.SWITCHOVER, "pg-0", 2)


def test_after_the_switchover_the_old_master_is_a_flagged_replica_and_is_deleted():
    pods = [pod("pg-0", "replica", flagged=True), pod("pg-1", "master")]
    assert (step(pods).action, step(pods).pod_name) == (ru.DELETE, "pg-0")


def test_nothing_is_deleted_while_another_member_is_down_or_missing_or_terminating():
    flagged_replica = pod("pg-1", flagged=True)
    assert step([pod("pg-0", "master"), flagged_replica, pod("pg-2", ready=False)]).action == ru.WAIT
    waiting = step([pod("pg-0", "master"), flagged_replica], instances=3)
    assert waiting.action == ru.WAIT and "pg-2 not created yet" in waiting.message
    assert step([pod("pg-0", "master"), flagged_replica, pod("pg-2", terminating=True)]).action == ru.WAIT
    unlabelled = step([pod("pg-0", "master"), flagged_replica, pod("pg-2", role=None)])
    assert unlabelled.action == ru.WAIT and "pg-2" in unlabelled.message


def test_without_a_master_nothing_is_deleted():
    assert step([pod("pg-0", "replica", flagged=True), pod("pg-1", "replica", flagged=True)]).action == ru.WAIT
    assert step([pod("pg-0", "master", flagged=True), pod("pg-1", "master")]).action == ru.WAIT
    assert step([pod("pg-0", "master", ready=False, flagged=True), pod("pg-1", flagged=True)]).action == ru.WAIT


def test_a_broken_flagged_replica_is_replaced_even_while_it_is_down():
    result = step([pod("pg-0", "master", flagged=True), pod("pg-1", flagged=True), pod("pg-2", ready=False, flagged=True)])
    assert (result.action, result.pod_name) == (ru.DELETE, "pg-2")


def test_a_single_pod_is_recreated_without_switchover():
    result = step([pod("pg-0", "master", flagged=True)])
    assert (result.action, result.pod_name, result.single) == (ru.DELETE, "pg-0", True)
    broken = step([pod("pg-0", None, ready=False, flagged=True)])
    assert (broken.action, broken.single) == (ru.DELETE, True)


def test_a_wait_past_the_timeouts_carries_a_warning_and_the_flag_stays():
    new_pod = pod("pg-2", ready=False, created="2026-12-03T09:00:00Z")
    result = step([pod("pg-0", "master", flagged=True), pod("pg-1", flagged=True), new_pod])
    assert result.action == ru.WAIT and "pod_label_wait_timeout" in result.warning
    stuck = step([pod("pg-0", "master", flagged=True), pod("pg-1", terminating=True)], instances=2)
    assert "pod_deletion_wait_timeout" not in (stuck.warning or "")  # deleted 60 s ago
    late = ru.next_step([pod("pg-0", "master", flagged=True), pod("pg-1", terminating=True)], ROLE, 2, "pg",
                        now=NOW + datetime.timedelta(hours=1))
    assert "pod_deletion_wait_timeout" in late.warning


def test_a_drain_switches_over_or_recreates_a_single_pod_or_waits():
    def on_bad_node(pod_obj):
        return pod_obj["spec"]["nodeName"] != "bad"

    pods = [pod("pg-0", "master", node="bad"), pod("pg-1", node="good")]
    assert ru.drain_step(pods, ROLE, 2, on_bad_node).action == ru.SWITCHOVER
    assert ru.drain_step(pods[:1], ROLE, 1, on_bad_node).action == ru.DELETE
    assert ru.drain_step([pods[0], pod("pg-1", ready=False)], ROLE, 2, on_bad_node).action == ru.WAIT
    assert ru.drain_step([pod("pg-0", "master", node="good"), pods[1]], ROLE, 2, on_bad_node).action == ru.NONE
