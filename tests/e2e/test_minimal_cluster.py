"""The minimal example cluster on real Patroni pods, reconciled by the operator running in the
cluster under the shipped RBAC: status, Services, the role step against the real master, no
write on a second reconcile, Patroni failover, delete and re-create on the kept volumes."""

import pytest

from clusters import E2E_NAMESPACE as NS
from clusters import connect, delete_cluster, example, operator_metrics, query, secret_name, total, watch_until_running

NAME = "acid-minimal-cluster"


@pytest.fixture(scope="module", name="minimal")
def minimal_fixture(kube, operator):  # pylint: disable=unused-argument
    kube.apply([example("minimal-postgres-manifest.yaml")], namespace=NS)
    seen = watch_until_running(kube, NS, NAME)
    yield {"seen": seen}
    delete_cluster(kube, NS, NAME)


def _master_pod(kube):
    pods = kube.core.list_namespaced_pod(NS, label_selector="cluster-name=%s,spilo-role=master" % NAME).items
    return pods[0] if len(pods) == 1 else None


def test_status_stays_creating_until_the_pods_are_ready(kube, minimal):
    seen = minimal["seen"]
    assert seen[-1] == ("Running", 2, 2)
    assert all(status != "Running" for status, ready, wanted in seen if ready < wanted), seen
    assert any(status == "Creating" for status, _r, _w in seen), seen
    status = kube.postgresql(NS, NAME)["status"]
    pods_ready = [c for c in status["conditions"] if c["type"] == "PodsReady"][0]
    assert (pods_ready["status"], pods_ready["message"]) == ("True", "2 of 2 pods ready")
    # kubectl get pg shows the ready pods
    table = kube.kubectl("get", "pg", "-n", NS, NAME).stdout
    header, row = table.splitlines()[:2]
    assert "READY" in header.split() and "2 of 2 pods ready" in row and "Running" in row


def test_master_and_replica_services_reach_the_right_members(kube, minimal):  # pylint: disable=unused-argument
    assert query(kube, NS, NAME, "select pg_is_in_recovery()") == [(False,)]
    assert query(kube, NS, NAME, "select pg_is_in_recovery()", service=NAME + "-repl") == [(True,)]
    replication = query(kube, NS, NAME, "select state from pg_stat_replication")
    assert replication == [("streaming",)]


def test_the_role_step_created_the_manifest_roles_in_the_live_cluster(kube, minimal):  # pylint: disable=unused-argument
    roles = dict(query(kube, NS, NAME, "select rolname, rolsuper from pg_roles"))
    assert roles["zalando"] is True and roles["foo_user"] is False
    for role in ("bar_owner", "bar_reader", "bar_writer", "bar_data_owner", "bar_data_reader", "bar_data_writer",
                 "admin", "cron_admin"):
        assert role in roles, role
    owners = dict(query(kube, NS, NAME, "select datname, pg_get_userbyid(datdba) from pg_database"))
    assert owners["foo"] == "zalando" and owners["bar"] == "bar_owner"
    schemas = query(kube, NS, NAME, "select nspname, pg_get_userbyid(nspowner) from pg_namespace where nspname = 'data'",
                    dbname="bar")
    assert schemas == [("data", "bar_data_owner")]
    # an application role logs in with the password of its Secret
    assert query(kube, NS, NAME, "select current_user", user="foo_user", dbname="foo") == [("foo_user",)]
    conditions = dict((c["type"], c["status"]) for c in kube.postgresql(NS, NAME)["status"]["conditions"])
    assert conditions["RolesSynced"] == "True" and conditions["Ready"] == "True"


def test_a_second_reconcile_writes_nothing(kube, minimal, wait_for):  # pylint: disable=unused-argument
    before = wait_for(lambda: operator_metrics(kube), what="the leading operator's metrics")
    reconciles = total(before, "pgkube_reconcile_total")
    kube.kubectl("annotate", "postgresql", "-n", NS, NAME, "e2e.pgkube.test/nudge=1", "--overwrite")

    def reconciled_again():
        metrics = operator_metrics(kube)
        return metrics if metrics and total(metrics, "pgkube_reconcile_total") > reconciles else None
    after = wait_for(reconciled_again, what="a reconcile after the annotation")
    assert total(after, "pgkube_api_requests_total", kind="write") == total(before, "pgkube_api_requests_total", kind="write")
    assert total(after, "pgkube_reconcile_errors_total") == total(before, "pgkube_reconcile_errors_total")


def test_patroni_fails_over_and_the_master_service_follows(kube, minimal, wait_for):  # pylint: disable=unused-argument
    old = _master_pod(kube)
    assert old is not None
    query(kube, NS, NAME, "create table if not exists failover_probe (id int); insert into failover_probe values (1)")
    kube.core.delete_namespaced_pod(old.metadata.name, NS)

    def promoted():
        pod = _master_pod(kube)
        return pod if pod and pod.metadata.name != old.metadata.name else None
    new = wait_for(promoted, what="Patroni to promote the other member")
    # the master Service reaches the new master, which has the committed row
    address = wait_for(lambda: query(kube, NS, NAME, "select host(inet_server_addr()), pg_is_in_recovery()")[0],
                       what="the master Service to answer")
    assert address == (new.status.pod_ip, False)
    assert query(kube, NS, NAME, "select count(*) from failover_probe") == [(1,)]
    # the deleted pod comes back as a replica, and the operator tells what happened
    seen = watch_until_running(kube, NS, NAME)
    assert seen[-1] == ("Running", 2, 2)
    events = kube.events(NS, NAME)
    assert ("Warning", "PodsNotReady") in [(t, r) for t, r, _m in events], events
    assert any(r == "Failover" and old.metadata.name in m and new.metadata.name in m for _t, r, m in events), events


def test_delete_keeps_the_volumes_and_recreating_the_cluster_keeps_the_data(kube, minimal, wait_for):  # pylint: disable=unused-argument
    watch_until_running(kube, NS, NAME)
    query(kube, NS, NAME, "create table kept (v text); insert into kept values ('survives')", dbname="foo")
    # both members have the row before the cluster goes: whichever starts first on the kept
    # volumes becomes the master (Patroni's state went with the cluster)
    lsn = query(kube, NS, NAME, "select pg_current_wal_lsn()::text")[0][0]
    wait_for(lambda: query(kube, NS, NAME, "select bool_and(replay_lsn >= %s::pg_lsn) and count(*) = 1 "
                                           "from pg_stat_replication", (lsn,))[0][0], what="the replica to replay the row")
    kube.kubectl("delete", "postgresql", "-n", NS, NAME, "--wait=true", "--timeout=120s")
    wait_for(lambda: not kube.core.list_namespaced_pod(NS, label_selector="cluster-name=%s" % NAME).items,
             what="the pods to go")
    claims = kube.core.list_namespaced_persistent_volume_claim(NS, label_selector="cluster-name=%s" % NAME).items
    assert sorted(c.metadata.name for c in claims) == ["pgdata-%s-0" % NAME, "pgdata-%s-1" % NAME]
    kube.apply([example("minimal-postgres-manifest.yaml")], namespace=NS)
    watch_until_running(kube, NS, NAME)
    assert query(kube, NS, NAME, "select v from kept", dbname="foo") == [("survives",)]
    # every role still logs in with the password of its Secret
    for user, dbname in (("postgres", "postgres"), ("zalando", "foo"), ("foo_user", "foo")):
        conn = connect(kube, NS, NAME, user=user, dbname=dbname)
        conn.close()
    assert kube.core.read_namespaced_secret(secret_name("foo_user", NAME), NS).data["password"]
