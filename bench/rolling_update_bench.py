"""Real pods: a rolling update of a 2-pod and a 3-pod cluster while a client writes through the
master Service (one committed row per transaction, reconnecting on error). Prints, per cluster,
the longest gap between two successful commits, the committed rows missing afterwards (must be 0)
and the total duration, from flagging every pod until every pod is new and the cluster settled.

Runs against a local cluster with the operator in it (``make run``; it watches every namespace):

    make run
    .venv/bin/python bench/rolling_update_bench.py
    .venv/bin/python bench/rolling_update_bench.py --sizes 2 --kubeconfig /tmp/e2e/kubeconfig --namespace e2e

The rolling update is started the way a pod-template change starts it: the annotation
``zalando-postgres-operator-rolling-update-required: "true"`` on every pod. Figures, not
assertions: a loaded machine gives longer times. The clusters are deleted at the end.
"""

import argparse
import base64
import os
import sys
import time

import psycopg2
from kubernetes import client, config

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))

from writer import CommitWriter  # noqa: E402  pylint: disable=wrong-import-position

FLAG = "zalando-postgres-operator-rolling-update-required"


def manifest(name, instances):
    return {"apiVersion": "acid.zalan.do/v1", "kind": "postgresql", "metadata": {"name": name},
            "spec": {"teamId": "acid", "numberOfInstances": instances, "volume": {"size": "1Gi"}, "postgresql": {"version": "17"},
                     "resources": {"requests": {"cpu": "10m", "memory": "100Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}}}


class Cluster:
    def __init__(self, api, namespace, name, instances):
        self.core = client.CoreV1Api(api)
        self.custom = client.CustomObjectsApi(api)
        self.namespace, self.name, self.instances = namespace, name, instances

    def pods(self):
        items = self.core.list_namespaced_pod(self.namespace, label_selector="cluster-name=%s" % self.name).items
        return dict((p.metadata.name, p) for p in items)

    def connect(self):
        secret = self.core.read_namespaced_secret("postgres.%s.credentials.postgresql.acid.zalan.do" % self.name, self.namespace)
        host = self.core.read_namespaced_service(self.name, self.namespace).spec.cluster_ip
        return psycopg2.connect(host=host, user="postgres", password=base64.b64decode(secret.data["password"]).decode(),
                                dbname="postgres", sslmode="require", connect_timeout=2)

    def settled(self, old_uids=None):
        pods = self.pods()
        if len(pods) != self.instances or any(p.metadata.deletion_timestamp for p in pods.values()):
            return False
        if any((p.metadata.annotations or {}).get(FLAG) == "true" for p in pods.values()):
            return False
        if old_uids and any(p.metadata.uid in old_uids for p in pods.values()):
            return False
        ready = all(any(c.type == "Ready" and c.status == "True" for c in (p.status.conditions or [])) for p in pods.values())
        masters = [p for p in pods.values() if (p.metadata.labels or {}).get("spilo-role") == "master"]
        status = (self.custom.get_namespaced_custom_object("acid.zalan.do", "v1", self.namespace, "postgresqls", self.name)
                  .get("status") or {}).get("PostgresClusterStatus")
        return ready and len(masters) == 1 and status == "Running"


def wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # pylint: disable=broad-except
            pass
        time.sleep(0.5)
    raise SystemExit("timed out waiting for %s" % what)


def measure(cluster, timeout):
    writer = CommitWriter(cluster.connect)
    writer.start()
    wait(lambda: len(writer.committed) > 20, 60, "the writer to commit")
    old = dict((n, p.metadata.uid) for n, p in cluster.pods().items())
    started = time.monotonic()
    for name in old:
        cluster.core.patch_namespaced_pod(name, cluster.namespace, {"metadata": {"annotations": {FLAG: "true"}}})
    try:
        wait(lambda: cluster.settled(set(old.values())), timeout, "the rolling update of %s" % cluster.name)
        duration = time.monotonic() - started
        time.sleep(2)
    finally:
        writer.stop()
    return {"pods": cluster.instances, "duration": duration, "gap": writer.longest_gap(), "rows": len(writer.committed),
            "missing": len(writer.missing()), "errors": writer.errors}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--kubeconfig", default=os.path.join(REPO, ".controlplane", "kubeconfig"))
    parser.add_argument("--namespace", default="bench-rolling")
    parser.add_argument("--sizes", default="2,3", help="pods per cluster, comma-separated (one cluster each)")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    configuration = client.Configuration()
    config.load_kube_config(config_file=args.kubeconfig, client_configuration=configuration)
    api = client.ApiClient(configuration)
    core, custom = client.CoreV1Api(api), client.CustomObjectsApi(api)
    try:
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=args.namespace)))
    except client.exceptions.ApiException as exc:
        if exc.status != 409:
            raise
    clusters = [Cluster(api, args.namespace, "bench-roll-%d" % int(size), int(size)) for size in args.sizes.split(",")]
    try:
        for cluster in clusters:
            custom.create_namespaced_custom_object("acid.zalan.do", "v1", args.namespace, "postgresqls",
                                                   manifest(cluster.name, cluster.instances))
        for cluster in clusters:
            wait(cluster.settled, args.timeout, "cluster %s to run" % cluster.name)
        print("%-14s %5s %10s %14s %8s %8s %8s" % ("cluster", "pods", "duration", "longest gap", "rows", "missing", "errors"))
        for cluster in clusters:
            row = measure(cluster, args.timeout)
            values = (cluster.name, row["pods"], row["duration"], row["gap"], row["rows"], row["missing"], row["errors"])
            print("%-14s %5d %9.1fs %13.1fs %8d %8d %8d" % values)
    finally:
        for cluster in clusters:
            try:
                custom.delete_namespaced_custom_object("acid.zalan.do", "v1", args.namespace, "postgresqls", cluster.name)
            except client.exceptions.ApiException:
                pass
        deadline = time.monotonic() + 180
        while any(c.pods() for c in clusters) and time.monotonic() < deadline:
            time.sleep(1)
        for cluster in clusters:
            core.delete_collection_namespaced_persistent_volume_claim(args.namespace, label_selector="cluster-name=%s" % cluster.name)


if __name__ == "__main__":
    main()
