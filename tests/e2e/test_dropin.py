"""Drop-in replacement: a Zalando operator installation (its Deployment, ServiceAccount and
ClusterRole shape, tests/e2e/zalando_shape.py) where only the image is ours. The operator runs
without leader election (no Lease rights), says so in one log line, and brings a cluster up."""

import pytest

from clusters import delete_cluster, example, manifest_for, query, watch_until_running
import zalando_shape  # tests/zalando_shape.py

NS = "e2e-dropin"
NAME = "acid-dropin"


@pytest.fixture(scope="module", name="dropin")
def dropin_fixture(kube):
    kube.apply(zalando_shape.objects(NS, kube.images["operator"], kube.images["spilo"]))
    kube.kubectl("-n", NS, "rollout", "status", "deployment/postgres-operator", "--timeout=180s", timeout=200)
    yield NS
    delete_cluster(kube, NS, NAME)
    kube.kubectl("delete", "namespace", NS, "--wait=false", check=False)
    for kind, name in (("clusterrole", zalando_shape.OPERATOR_ROLE), ("clusterrolebinding", zalando_shape.OPERATOR_ROLE),
                       ("clusterrole", zalando_shape.POD_ROLE)):
        kube.kubectl("delete", kind, name, "--ignore-not-found", check=False)


def test_the_operator_runs_in_the_zalando_shape_and_brings_a_cluster_up(kube, dropin, wait_for):
    base = example("minimal-postgres-manifest.yaml")
    kube.apply([manifest_for(base, NAME, numberOfInstances=1)], namespace=dropin)
    watch_until_running(kube, dropin, NAME)
    assert query(kube, dropin, NAME, "select pg_is_in_recovery()") == [(False,)]
    roles = [r for (r,) in query(kube, dropin, NAME, "select rolname from pg_roles where rolname in ('zalando', 'foo_user')")]
    assert sorted(roles) == ["foo_user", "zalando"]
    log = kube.kubectl("logs", "-n", dropin, "deployment/postgres-operator").stdout
    assert log.count("leader election off") == 1, log[-3000:]
    # the security context held: uid 1000, a read-only root filesystem, nothing writable mounted
    pod = kube.core.list_namespaced_pod(dropin, label_selector="name=postgres-operator").items[0]
    assert pod.spec.containers[0].security_context.read_only_root_filesystem is True
    assert not pod.spec.volumes or all(v.projected for v in pod.spec.volumes)
    assert pod.status.container_statuses[0].restart_count == 0
