"""Helpers of the end-to-end tests: cluster manifests, waiting for a cluster to run, SQL through
its Services, the operator's metrics."""

import copy
import os
import sys
import time

import psycopg2
import yaml
from prometheus_client.parser import text_string_to_metric_families

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = os.path.join(REPO, "scripts")
if SCRIPTS not in sys.path:
    sys.path.insert(0, SCRIPTS)

import wait_cluster  # noqa: E402  pylint: disable=wrong-import-position

EXAMPLES = os.path.join(REPO, "manifests", "examples")
# the namespace the shipped operator of the tests watches, and its own
E2E_NAMESPACE = "e2e"
OPERATOR_NAMESPACE = "postgres-operator"


def example(name):
    with open(os.path.join(EXAMPLES, name)) as handle:
        return yaml.safe_load(handle)


def secret_name(user, cluster):
    return "%s.%s.credentials.postgresql.acid.zalan.do" % (user.replace("_", "-"), cluster)


def connect(kube, namespace, cluster, service=None, user="postgres", dbname="postgres", host=None):
    """psycopg2 connection over TLS to a Service's cluster IP (or ``host``), password from the Secret."""
    password = kube.secret_value(namespace, secret_name(user, cluster), "password")
    host = host or kube.service_ip(namespace, service or cluster)
    return psycopg2.connect(host=host, port=5432, user=user, password=password, dbname=dbname,
                            sslmode="require", connect_timeout=5)


def query(kube, namespace, cluster, sql, params=None, **kwargs):
    conn = connect(kube, namespace, cluster, **kwargs)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def watch_until_running(kube, namespace, name, timeout=300.0):
    """Poll until the cluster runs (scripts/wait_cluster.py's rule); returns every distinct
    (status, ready pods, wanted pods) seen on the way. Fails with the last observation."""
    deadline = time.monotonic() + timeout
    seen, text = [], ""
    while time.monotonic() < deadline:
        done, text = wait_cluster.observe(kube.core, kube.custom, namespace, name)
        pg = kube.postgresql(namespace, name)
        pods = kube.core.list_namespaced_pod(namespace, label_selector="cluster-name=%s" % name).items
        ready = sum(1 for p in pods if any(c.type == "Ready" and c.status == "True" for c in (p.status.conditions or [])))
        row = ((pg.get("status") or {}).get("PostgresClusterStatus"), ready, int(pg["spec"].get("numberOfInstances") or 0))
        if not seen or seen[-1] != row:
            seen.append(row)
        if done:
            return seen
        time.sleep(0.5)
    raise AssertionError("cluster %s/%s did not run within %ss: %s (seen %s)" % (namespace, name, timeout, text, seen))


def manifest_for(base, name, **spec):
    obj = copy.deepcopy(base)
    obj["metadata"]["name"] = name
    obj["spec"].update(spec)
    return obj


def operator_metrics(kube, namespace="postgres-operator"):
    """``{metric name + labels: value}`` of the operator replica that leads (through the API
    server's pod proxy), or None when no replica leads."""
    pods = kube.core.list_namespaced_pod(namespace, label_selector="app.kubernetes.io/component=operator").items
    for pod in pods:
        if pod.status.phase != "Running":
            continue
        text = kube.kubectl("get", "--raw", "/api/v1/namespaces/%s/pods/%s:8080/proxy/metrics" % (
            namespace, pod.metadata.name), check=False).stdout
        values = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                key = sample.name + "".join("{%s=%s}" % kv for kv in sorted(sample.labels.items()))
                values[key] = sample.value
        if values.get("pgkube_leader") == 1.0:
            return values
    return None


def total(metrics, prefix, **labels):
    wanted = ["{%s=%s}" % kv for kv in sorted(labels.items())]
    return sum(v for k, v in metrics.items() if k.startswith(prefix) and all(w in k for w in wanted))


def delete_cluster(kube, namespace, name, volumes=True, timeout=180.0):
    """Delete a cluster, wait until its pods are gone, then (``volumes``) its volume claims."""
    kube.kubectl("delete", "postgresql", "-n", namespace, name, "--ignore-not-found", "--wait=true",
                 "--timeout=%ds" % timeout, check=False)
    selector = "cluster-name=%s" % name
    deadline = time.monotonic() + timeout
    while kube.core.list_namespaced_pod(namespace, label_selector=selector).items and time.monotonic() < deadline:
        time.sleep(0.5)
    if volumes:
        kube.kubectl("delete", "pvc", "-n", namespace, "-l", selector, "--wait=true", "--timeout=%ds" % timeout, check=False)
