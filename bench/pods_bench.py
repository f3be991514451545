"""Real pods: time from ``kubectl apply`` of a cluster manifest to a master that answers ``psql``
through the master Service, and to a streaming replica, for N clusters created together.

Runs against the cluster of ``make run`` (the operator in it, the local images), in a namespace of
its own, which the operator must watch (``make run`` watches every namespace):

    make run
    .venv/bin/python bench/pods_bench.py --clusters 1
    .venv/bin/python bench/pods_bench.py --clusters 10

Each cluster is the minimal example with ``--instances`` pods (default 2) requesting
``--cpu-request`` CPU each (default 10m: the node has the machine's 2 cores, and 20 pods at the
operator's default request of 100m would not all be scheduled). Prints one line per
cluster and the median / max of both figures; then deletes the clusters and their volumes.
Figures, not assertions: a loaded machine gives longer times.
"""

import argparse
import base64
import copy
import os
import statistics
import sys
import time

import psycopg2
import yaml
from kubernetes import client, config

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def minimal_manifest():
    with open(os.path.join(REPO, "manifests", "examples", "minimal-postgres-manifest.yaml")) as handle:
        return yaml.safe_load(handle)


def password(core, namespace, name):
    secret = core.read_namespaced_secret("postgres.%s.credentials.postgresql.acid.zalan.do" % name, namespace)
    return base64.b64decode(secret.data["password"]).decode()


def probe(core, namespace, name, sql):
    """Run ``sql`` through the master Service; its first row, or None while it cannot."""
    try:
        host = core.read_namespaced_service(name, namespace).spec.cluster_ip
        conn = psycopg2.connect(host=host, user="postgres", password=password(core, namespace, name), dbname="postgres",
                                sslmode="require", connect_timeout=2)
    except (client.exceptions.ApiException, psycopg2.Error, KeyError, TypeError):
        return None
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchone()
    except psycopg2.Error:
        return None
    finally:
        conn.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--kubeconfig", default=os.path.join(REPO, ".controlplane", "kubeconfig"))
    parser.add_argument("--namespace", default="bench-pods")
    parser.add_argument("--clusters", type=int, default=1)
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--cpu-request", default="10m", help="CPU request of each pod (default 10m)")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--keep", action="store_true", help="leave the clusters running")
    args = parser.parse_args(argv)
    config.load_kube_config(config_file=args.kubeconfig)
    core, custom = client.CoreV1Api(), client.CustomObjectsApi()
    try:
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=args.namespace)))
    except client.exceptions.ApiException as exc:
        if exc.status != 409:
            raise
    names = ["bench-pods-%02d" % i for i in range(args.clusters)]
    base = minimal_manifest()
    applied = {}
    for name in names:
        body = copy.deepcopy(base)
        body["metadata"]["name"] = name
        body["spec"]["numberOfInstances"] = args.instances
        body["spec"]["resources"] = {"requests": {"cpu": args.cpu_request}}
        custom.create_namespaced_custom_object("acid.zalan.do", "v1", args.namespace, "postgresqls", body)
        applied[name] = time.monotonic()
    master, replica = {}, {}
    deadline = time.monotonic() + args.timeout
    while len(replica) < len(names) and time.monotonic() < deadline:
        for name in names:
            if name not in master and probe(core, args.namespace, name, "select 1"):
                master[name] = time.monotonic() - applied[name]
            if name in master and name not in replica:
                row = probe(core, args.namespace, name, "select count(*) from pg_stat_replication where state = 'streaming'")
                if row and row[0] >= min(1, args.instances - 1):
                    replica[name] = time.monotonic() - applied[name]
        time.sleep(0.2)
    print("%d cluster(s) of %d pods, namespace %s" % (len(names), args.instances, args.namespace))
    for name in names:
        print("  %-16s apply -> psql master %7s s   -> streaming replica %7s s" % (
            name, "%.1f" % master[name] if name in master else "-", "%.1f" % replica[name] if name in replica else "-"))
    for label, values in (("psql master", master), ("streaming replica", replica)):
        if values:
            print("  %-20s median %6.1f s   max %6.1f s   (%d of %d)" % (
                label, statistics.median(values.values()), max(values.values()), len(values), len(names)))
    if not args.keep:
        for name in names:
            custom.delete_namespaced_custom_object("acid.zalan.do", "v1", args.namespace, "postgresqls", name)
        core.delete_namespace(args.namespace)
    return 0 if len(replica) == len(names) else 1


if __name__ == "__main__":
    sys.exit(main())
