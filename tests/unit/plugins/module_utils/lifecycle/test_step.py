"""One lifecycle step against a recording Kubernetes API and Patroni answers recorded from Patroni 4.0.7."""

import datetime

from ansible_collections.pgkube.operator.plugins.module_utils.errors import KubernetesError
from ansible_collections.pgkube.operator.plugins.module_utils.lifecycle.step import run_lifecycle
from ansible_collections.pgkube.operator.plugins.module_utils.patroni.client import PatroniError
from ansible_collections.pgkube.operator.tests.unit.builders import make_cfg, make_cluster
from ansible_collections.pgkube.operator.tests.unit.podfacts import pod

NOW = datetime.datetime(2026, 12, 3, 10, 6, tzinfo=datetime.timezone.utc)
CONFIG = {"loop_wait": 10, "maximum_lag_on_failover": 33554432, "retry_timeout": 10, "ttl": 30, "failsafe_mode": False,
          "postgresql": {"parameters": {"max_connections": "100"}, "use_pg_rewind": True}}


def members(*rows):
    return {"scope": "pg", "members": [dict({"host": "10.0.0.%d" % i, "port": 5432, "timeline": 1}, **row) for i, row in enumerate(rows)]}


TWO = members({"name": "pg-0", "role": "leader", "state": "running"}, {"name": "pg-1", "role": "replica", "state": "streaming", "lag": 0})


class Api:
    dry_run = False

    def __init__(self, nodes=None, conflict=False):
        self.deleted = []
        self.nodes = nodes or {}
        self.conflict = conflict

    def delete(self, kind, api_version, namespace, name, propagation_policy=None, uid=None):
        if self.conflict:
            raise KubernetesError("deleting pod: Conflict", status=409)
        self.deleted.append((kind, name, uid))
        return True

    def read_listed(self, kind, api_version, name, namespace=None):
        return self.nodes.get(name)


class Patroni:
    """Answers per pod; ``fail`` names calls that raise PatroniError."""

    def __init__(self, config=None, cluster=None, fail=()):
        self.config_answer = CONFIG if config is None else config
        self.cluster_answer = TWO if cluster is None else cluster
        self.fail = set(fail)
        self.calls = []

    def client_for(self, pod_obj):
        patroni, name = self, pod_obj["metadata"]["name"]

        class Client:
            def _do(self, call, answer):
                patroni.calls.append((name, call))
                if call.split(" ")[0] in patroni.fail:
                    raise PatroniError("Patroni %s of pod %s: timed out" % (call, name))
                return answer

            def config(self):
                return self._do("config", patroni.config_answer)

            def patch_config(self, patch):
                return self._do("patch_config %s" % sorted(patch), {})

            def cluster(self):
                return self._do("cluster", patroni.cluster_answer)

            def switchover(self, leader, candidate):
                return self._do("switchover %s->%s" % (leader, candidate), "Successfully switched over to \"%s\"" % candidate)

            def restart(self):
                return self._do("restart", "restarted successfully")
        return Client()


def run(pods, patroni=None, api=None, previous=None, spec=None, hold=None, cfg=None):
    cluster = make_cluster(name="pg", namespace="ns", **(spec or {}))
    patroni = patroni or Patroni()
    api = api or Api()
    out = run_lifecycle(api, cluster, cfg or make_cfg(), pods, len([p for p in pods if not p["metadata"].get("deletionTimestamp")]),
                        previous=previous, client_for=patroni.client_for, now=NOW, generation=3, scale_hold=hold)
    return out, api, patroni


def reasons(out):
    return [(r, m) for _t, r, m in out.events]


def test_a_settled_cluster_with_nothing_to_do_calls_only_get_config_and_changes_nothing():
    out, api, patroni = run([pod("pg-0", "master"), pod("pg-1")])
    assert (out.changed, out.error, out.events, api.deleted) == (False, None, [], [])
    assert patroni.calls == [("pg-0", "config")]
    assert out.condition["reason"] == "NotNeeded" and out.requeue_after is None


def test_a_parameter_change_is_one_patch_to_the_master_and_nothing_else_that_round():
    out, api, patroni = run([pod("pg-0", "master"), pod("pg-1", flagged=True)],
                            spec={"postgresql": {"version": "17", "parameters": {"max_connections": "200"}}})
    assert patroni.calls == [("pg-0", "config"), ("pg-0", "patch_config ['postgresql']")]
    assert api.deleted == [] and out.requeue_after == 12
    assert ("Patroni", "Patroni configuration updated: postgresql.parameters.max_connections") in reasons(out)


def test_pending_restarts_go_one_per_round_replicas_first():
    cluster = members({"name": "pg-0", "role": "leader", "state": "running", "pending_restart": True,
                       "pending_restart_reason": {"max_connections": {"old_value": "100", "new_value": "200"}}},
                      {"name": "pg-1", "role": "replica", "state": "streaming", "pending_restart": True,
                       "pending_restart_reason": {"max_connections": {"old_value": "100", "new_value": "200"}}})
    out, _api, patroni = run([pod("pg-0", "master"), pod("pg-1", pending_restart=True)], Patroni(cluster=cluster))
    assert patroni.calls[-1] == ("pg-1", "restart")
    assert [m for r, m in reasons(out)][0].startswith("restarting Postgres server within pod pg-1 (pending restart, replicas first)")
    cluster["members"][1].pop("pending_restart")
    _out, _api, patroni = run([pod("pg-0", "master", pending_restart=True), pod("pg-1")], Patroni(cluster=cluster))
    assert patroni.calls[-1] == ("pg-0", "restart")


def test_a_decrease_only_restarts_the_master_first():
    reason = {"max_connections": {"old_value": "200", "new_value": "100"}}
    cluster = members({"name": "pg-0", "role": "leader", "state": "running", "pending_restart": True, "pending_restart_reason": reason},
                      {"name": "pg-1", "role": "replica", "state": "streaming", "pending_restart": True, "pending_restart_reason": reason})
    _out, _api, patroni = run([pod("pg-0", "master", pending_restart=True), pod("pg-1")], Patroni(cluster=cluster))
    assert patroni.calls[-1] == ("pg-0", "restart")


def test_the_rolling_update_deletes_a_flagged_replica_by_uid_and_says_so():
    out, api, _patroni = run([pod("pg-0", "master", flagged=True), pod("pg-1", flagged=True)])
    assert api.deleted == [("Pod", "pg-1", "uid-pg-1")]
    assert ("Update", "Performing rolling update") in reasons(out)
    assert out.condition["status"] == "True" and out.condition["message"].startswith("0 of 2 pods done")
    assert out.requeue_after == 3


def test_a_pod_recreated_meanwhile_is_not_deleted_again():
    out, _api, _patroni = run([pod("pg-0", "master", flagged=True), pod("pg-1", flagged=True)], api=Api(conflict=True))
    assert out.error is None and "pod pg-1 was recreated already" in out.notes


def test_the_master_goes_last_through_a_switchover_to_the_best_candidate():
    three = members({"name": "pg-0", "role": "leader", "state": "running"}, {"name": "pg-1", "state": "streaming", "lag": 90},
                    {"name": "pg-2", "state": "streaming", "lag": 0})
    previous = {"type": "RollingUpdate", "status": "True", "reason": "InProgress", "message": "2 of 3 pods done"}
    out, api, patroni = run([pod("pg-0", "master", flagged=True), pod("pg-1"), pod("pg-2")], Patroni(cluster=three), previous=previous)
    assert patroni.calls[-1] == ("pg-0", "switchover pg-0->pg-2") and api.deleted == []
    assert [r for r, _m in reasons(out)] == ["Switchover", "Switchover"]
    assert "Performing rolling update" not in [m for _r, m in reasons(out)]


def test_a_failed_switchover_keeps_the_flag_and_reports_an_error():
    out, api, _patroni = run([pod("pg-0", "master", flagged=True), pod("pg-1")], Patroni(fail={"switchover"}))
    assert api.deleted == [] and "switchover from pg-0 to pg-1 failed" in out.error
    assert ("Switchover", "Switchover from pg-0 to pg-1 FAILED: Patroni switchover pg-0->pg-1 of pod pg-0: timed out") in reasons(out)


def test_patroni_down_with_every_pod_serving_postpones_the_recreation():
    out, api, _patroni = run([pod("pg-0", "master", flagged=True), pod("pg-1", flagged=True)], Patroni(fail={"config"}))
    assert api.deleted == [] and out.error is None and out.requeue_after == 30
    assert any(n.startswith("postpone pod recreation until next sync") for n in out.notes)
    assert "postponed" in out.condition["message"] and out.condition["status"] == "True"


def test_patroni_down_does_not_keep_a_broken_pod_from_being_replaced():
    _out, api, _patroni = run([pod("pg-0", "master"), pod("pg-1", ready=False, flagged=True)], Patroni(fail={"config"}))
    assert api.deleted == [("Pod", "pg-1", "uid-pg-1")]


def test_the_end_of_a_rolling_update_is_an_event_and_a_done_condition():
    previous = {"type": "RollingUpdate", "status": "True", "reason": "InProgress", "message": "1 of 2 pods done"}
    out, _api, _patroni = run([pod("pg-0", "master"), pod("pg-1")], previous=previous)
    assert ("Update", "Rolling update done - pods have been recreated") in reasons(out)
    assert (out.condition["status"], out.condition["reason"]) == ("False", "Done")
    again, _api, _patroni = run([pod("pg-0", "master"), pod("pg-1")], previous=out.condition)
    assert again.events == [] and again.condition["message"] == out.condition["message"]


def test_a_scale_down_that_removes_the_master_switches_over_to_pod_0():
    _out, _api, patroni = run([pod("pg-0"), pod("pg-1"), pod("pg-2", "master")],
                              Patroni(cluster=members({"name": "pg-2", "role": "leader", "state": "running"},
                                                      {"name": "pg-0", "state": "streaming"}, {"name": "pg-1", "state": "streaming"})),
                              hold=3)
    assert patroni.calls[-1] == ("pg-2", "switchover pg-2->pg-0")


def test_a_cordoned_masters_node_moves_the_master_to_a_replica_on_a_ready_node():
    nodes = {"n1": {"metadata": {"name": "n1"}, "spec": {"unschedulable": True}}, "n2": {"metadata": {"name": "n2"}, "spec": {}},
             "n3": {"metadata": {"name": "n3"}, "spec": {"unschedulable": True}}}
    three = members({"name": "pg-0", "role": "leader", "state": "running"}, {"name": "pg-1", "state": "streaming", "lag": 0},
                    {"name": "pg-2", "state": "streaming", "lag": 10})
    pods = [pod("pg-0", "master", node="n1"), pod("pg-1", node="n3"), pod("pg-2", node="n2")]
    out, _api, patroni = run(pods, Patroni(cluster=three), api=Api(nodes=nodes))
    assert patroni.calls[-1] == ("pg-0", "switchover pg-0->pg-2")
    assert "node n1 is being drained" in out.events[0][2]


def test_a_drain_waits_for_the_maintenance_window():
    nodes = {"n1": {"metadata": {"name": "n1"}, "spec": {"unschedulable": True}}}
    out, _api, patroni = run([pod("pg-0", "master", node="n1"), pod("pg-1", node="n2")], api=Api(nodes=nodes),
                             spec={"maintenanceWindows": ["Mon:01:00-02:00"]})
    assert patroni.calls == [("pg-0", "config")] and out.requeue_after == 60
    assert "waits for the maintenance window" in out.notes[-1]


def test_no_pods_or_no_instances_is_no_step():
    out, _api, patroni = run([])
    assert patroni.calls == [] and out.condition["reason"] == "NotNeeded"
