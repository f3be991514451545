"""The operator's work on a live cluster (issue 9): a rolling update from an image change of the
operator configuration (replicas first, switchover, master last, no committed row lost), the
rolling-update flag set by hand on the master, an operator killed in the middle of an update,
Patroni configuration (a parameter) reaching both members without recreating pods and with the
restart order rule, and scaling 2 -> 3 -> 2 with the master on the ordinal that goes."""

import json
import threading
import time
import urllib.error
import urllib.request

import psycopg2
import pytest

from clusters import E2E_NAMESPACE as NS
from clusters import OPERATOR_NAMESPACE, connect, delete_cluster, query, secret_name, watch_until_running
from writer import CommitWriter

NAME = "acid-lifecycle"
FLAG = "zalando-postgres-operator-rolling-update-required"
TIMEOUT = 420.0


def manifest(instances=2, parameters=None):
    spec = {"teamId": "acid", "numberOfInstances": instances, "volume": {"size": "1Gi"},
            "postgresql": dict({"version": "17"}, **({"parameters": parameters} if parameters else {})),
            "resources": {"requests": {"cpu": "10m", "memory": "100Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}}
    return {"apiVersion": "acid.zalan.do/v1", "kind": "postgresql", "metadata": {"name": NAME}, "spec": spec}


@pytest.fixture(scope="module", name="cluster")
def cluster_fixture(kube, operator):  # pylint: disable=unused-argument
    kube.apply([manifest()], namespace=NS)
    watch_until_running(kube, NS, NAME, timeout=TIMEOUT)
    yield NAME
    delete_cluster(kube, NS, NAME)


def pods(kube):
    items = kube.core.list_namespaced_pod(NS, label_selector="cluster-name=%s" % NAME).items
    return dict((p.metadata.name, p) for p in items)


def master_name(kube):
    masters = [n for n, p in pods(kube).items() if (p.metadata.labels or {}).get("spilo-role") == "master" and not p.metadata.deletion_timestamp]
    return masters[0] if len(masters) == 1 else None


def condition(kube, ctype):
    for cond in (kube.postgresql(NS, NAME).get("status") or {}).get("conditions") or []:
        if cond["type"] == ctype:
            return cond
    return {}


def events(kube):
    return kube.events(NS, NAME)


def settled(kube, count=2):
    """Running, ``count`` ready pods with one master, no pod flagged or terminating, no rolling update in progress."""
    found = pods(kube)
    if len(found) != count or any(p.metadata.deletion_timestamp for p in found.values()):
        return False
    if any((p.metadata.annotations or {}).get(FLAG) == "true" for p in found.values()):
        return False
    if (kube.postgresql(NS, NAME).get("status") or {}).get("PostgresClusterStatus") != "Running":
        return False
    return master_name(kube) is not None and condition(kube, "RollingUpdate").get("status") != "True"


def writer_for(kube):
    return CommitWriter(lambda: connect(kube, NS, NAME))


class UidWatch:
    """Every pod uid seen per pod name while it runs (a pod recreated twice would show three)."""

    def __init__(self, kube):
        self.kube = kube
        self.seen = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                for name, pod in pods(self.kube).items():
                    self.seen.setdefault(name, set()).add(pod.metadata.uid)
            except Exception:  # pylint: disable=broad-except
                pass
            time.sleep(0.3)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)


def operator_config(kube):
    return kube.core.read_namespaced_config_map("postgres-operator", OPERATOR_NAMESPACE)


def set_operator_config(kube, **data):
    kube.core.patch_namespaced_config_map("postgres-operator", OPERATOR_NAMESPACE, {"data": data})


def test_an_image_change_of_the_operator_configuration_rolls_every_pod_master_last(kube, cluster, wait_for):  # pylint: disable=unused-argument
    old_image = operator_config(kube).data["docker_image"]
    new_image = old_image + "-roll"
    kube.cluster.tag_image(old_image, new_image)
    before = pods(kube)
    old_master = master_name(kube)
    writer = writer_for(kube).start()
    wait_for(lambda: len(writer.committed) > 20, what="the writer to commit")
    set_operator_config(kube, docker_image=new_image)
    try:
        try:
            def rolled():
                found = pods(kube)
                return settled(kube) and all(p.spec.containers[0].image == new_image for p in found.values()) and found
            after = wait_for(rolled, timeout=TIMEOUT, interval=1, what="every pod recreated with the new image")
        finally:
            writer.stop()
        _check_the_roll(kube, writer, before, after, old_master)
    finally:
        set_operator_config(kube, docker_image=old_image)
    # the configuration is back: the pods roll back to it
    wait_for(lambda: settled(kube) and all(p.spec.containers[0].image == old_image for p in pods(kube).values()),
             timeout=TIMEOUT, interval=1, what="the pods back on the first image")


def _check_the_roll(kube, writer, before, after, old_master):
    assert writer.missing() == [], "committed rows lost"
    assert all(after[n].metadata.uid != before[n].metadata.uid for n in before)
    # replicas first, the master last: the old master's pod is the newest
    replica = [n for n in before if n != old_master][0]
    assert after[old_master].metadata.creation_timestamp >= after[replica].metadata.creation_timestamp
    messages = [(r, m) for _t, r, m in events(kube)]
    assert ("Update", "Performing rolling update") in messages
    assert any(r == "Switchover" and m.startswith("Successfully switched over from %s" % old_master) for r, m in messages), messages
    assert ("Update", "Rolling update done - pods have been recreated") in messages
    assert condition(kube, "RollingUpdate")["reason"] == "Done"
    print("\nrolling update of 2 pods: longest gap between commits %.1fs, %d rows, %d errors"
          % (writer.longest_gap(), len(writer.committed), writer.errors))


def test_the_flag_set_by_hand_on_the_master_switches_over_and_recreates_it(kube, cluster, wait_for):  # pylint: disable=unused-argument
    wait_for(lambda: settled(kube), timeout=TIMEOUT, what="a settled cluster")
    old_master = master_name(kube)
    old_uid = pods(kube)[old_master].metadata.uid
    replica_uid = [p.metadata.uid for n, p in pods(kube).items() if n != old_master][0]
    kube.kubectl("annotate", "pod", "-n", NS, old_master, "%s=true" % FLAG)

    def done():
        found = pods(kube)
        return settled(kube) and found[old_master].metadata.uid != old_uid and master_name(kube) != old_master
    wait_for(done, timeout=TIMEOUT, interval=1, what="the switchover and the recreation of %s" % old_master)
    # the replica was not touched: only the flagged pod is recreated
    assert replica_uid in [p.metadata.uid for p in pods(kube).values()]


def test_an_operator_killed_in_the_middle_of_a_rolling_update_finishes_it_without_rolling_a_pod_twice(
        kube, cluster, wait_for):  # pylint: disable=unused-argument
    wait_for(lambda: settled(kube), timeout=TIMEOUT, what="a settled cluster")
    before = dict((n, p.metadata.uid) for n, p in pods(kube).items())
    with UidWatch(kube) as watch:
        for name in before:
            kube.kubectl("annotate", "pod", "-n", NS, name, "%s=true" % FLAG)
        wait_for(lambda: any(p.metadata.uid != before[n] for n, p in pods(kube).items()), timeout=TIMEOUT,
                 what="the first pod to be recreated")
        kube.kubectl("delete", "pod", "-n", OPERATOR_NAMESPACE, "-l", "app.kubernetes.io/component=operator", "--wait=false")
        wait_for(lambda: settled(kube) and all(p.metadata.uid != before[n] for n, p in pods(kube).items()),
                 timeout=TIMEOUT, interval=1, what="the update to finish under the new operator")
    assert all(len(uids) == 2 for uids in watch.seen.values()), watch.seen


def member_facts(kube, name, sql):
    pod = pods(kube)[name]
    conn = psycopg2.connect(host=pod.status.pod_ip, port=5432, user="postgres", dbname="postgres", sslmode="require", connect_timeout=5,
                            password=kube.secret_value(NS, secret_name("postgres", NAME), "password"))
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchone()
    finally:
        conn.close()


def test_a_parameter_change_reaches_both_members_through_patroni_in_the_restart_order(kube, cluster, wait_for):  # pylint: disable=unused-argument
    wait_for(lambda: settled(kube), timeout=TIMEOUT, what="a settled cluster")
    uids = dict((n, p.metadata.uid) for n, p in pods(kube).items())
    master = master_name(kube)
    replica = [n for n in uids if n != master][0]
    current = int(member_facts(kube, master, "show max_connections")[0])

    def applied(value):
        def check():
            return all(member_facts(kube, n, "show max_connections")[0] == str(value) for n in uids) and settled(kube)
        return check

    def started(name):
        return member_facts(kube, name, "select pg_postmaster_start_time()")[0]

    for value, first in ((current + 20, replica), (current, master)):   # an increase: replicas first; back down: master first
        kube.apply([manifest(parameters={"max_connections": str(value)})], namespace=NS)
        wait_for(applied(value), timeout=TIMEOUT, interval=2, what="max_connections %d on both members" % value)
        later = master if first == replica else replica
        assert started(first) < started(later), "%s must restart before %s" % (first, later)
        assert dict((n, p.metadata.uid) for n, p in pods(kube).items()) == uids, "no pod may be recreated"
    restarts = [m for _t, r, m in events(kube) if m.startswith("restarting Postgres server within pod")]
    assert any("replicas first" in m for m in restarts) and any("master first" in m for m in restarts), restarts


def patroni_switchover(kube, leader, candidate):
    """A switchover by hand through Patroni's REST API (as an administrator would); Patroni's answer."""
    ip = pods(kube)[leader].status.pod_ip
    request = urllib.request.Request("http://%s:8008/switchover" % ip, method="POST",
                                     data=json.dumps({"leader": leader, "candidate": candidate}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.read().decode()


def test_scale_up_and_down_with_the_master_on_the_ordinal_that_goes(kube, cluster, wait_for):  # pylint: disable=unused-argument
    wait_for(lambda: settled(kube), timeout=TIMEOUT, what="a settled cluster")
    query(kube, NS, NAME, "create table if not exists scale_probe (id int); insert into scale_probe values (1)")
    kube.apply([manifest(instances=3)], namespace=NS)
    wait_for(lambda: settled(kube, 3), timeout=TIMEOUT, interval=1, what="three members")
    assert query(kube, NS, NAME, "select count(*) from pg_stat_replication where state = 'streaming'") == [(2,)]
    name = "%s-2" % NAME
    wait_for(lambda: "switched over" in patroni_switchover(kube, master_name(kube), name) or master_name(kube) == name,
             timeout=120, interval=5, what="a switchover to %s" % name)
    wait_for(lambda: master_name(kube) == name, what="%s to be the master" % name)
    kube.apply([manifest(instances=2)], namespace=NS)
    wait_for(lambda: settled(kube, 2) and set(pods(kube)) == {"%s-0" % NAME, "%s-1" % NAME}, timeout=TIMEOUT, interval=1,
             what="the scale-down to pods 0 and 1")
    assert master_name(kube) == "%s-0" % NAME
    assert query(kube, NS, NAME, "select count(*) from scale_probe") == [(1,)]
    assert any(r == "Switchover" and "scale-down" in m for _t, r, m in events(kube))
