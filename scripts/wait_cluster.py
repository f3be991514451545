"""Wait until a postgresql cluster runs: every wanted pod Ready, a Patroni leader, every replica
streaming, and the operator's status ``Running``. Prints each change of what it waits for.

    .venv/bin/python scripts/wait_cluster.py [--kubeconfig F] [--namespace N] [--timeout S] NAME

Exit 0 when it runs, 1 at the deadline (with what was still missing).
"""

import argparse
import json
import sys
import time
import urllib.request

from kubernetes import client, config


def patroni_members(pod_ip):
    with urllib.request.urlopen("http://%s:8008/cluster" % pod_ip, timeout=3) as resp:
        return json.loads(resp.read().decode("utf-8")).get("members") or []


def observe(core, custom, namespace, name):
    """(done, description) of where the cluster stands."""
    try:
        pg = custom.get_namespaced_custom_object("acid.zalan.do", "v1", namespace, "postgresqls", name)
    except client.exceptions.ApiException as exc:
        return False, "postgresql %s/%s: %s" % (namespace, name, exc.reason)
    wanted = int((pg.get("spec") or {}).get("numberOfInstances") or 0)
    status = (pg.get("status") or {}).get("PostgresClusterStatus") or "(no status yet)"
    pods = core.list_namespaced_pod(namespace, label_selector="cluster-name=%s" % name).items
    ready = [p for p in pods if any(c.type == "Ready" and c.status == "True" for c in (p.status.conditions or []))]
    masters = [p for p in pods if (p.metadata.labels or {}).get("spilo-role") == "master"]
    members = []
    if masters and masters[0].status.pod_ip:
        try:
            members = patroni_members(masters[0].status.pod_ip)
        except (OSError, ValueError):
            members = []
    leaders = [m for m in members if m.get("role") in ("leader", "standby_leader")]
    streaming = [m for m in members if m.get("role") in ("replica", "sync_standby", "quorum_standby")
                 and m.get("state") == "streaming"]
    text = "status %s, %d/%d pods ready, leader %s, %d/%d replicas streaming" % (
        status, len(ready), wanted, leaders[0]["name"] if leaders else "none", len(streaming), max(0, wanted - 1))
    done = (status == "Running" and len(ready) == wanted and len(leaders) == 1 and len(streaming) == wanted - 1)
    return done, text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--kubeconfig")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("name")
    args = parser.parse_args(argv)
    config.load_kube_config(config_file=args.kubeconfig)
    core, custom = client.CoreV1Api(), client.CustomObjectsApi()
    deadline, last = time.monotonic() + args.timeout, None
    while True:
        done, text = observe(core, custom, args.namespace, args.name)
        if text != last:
            print("[wait] %s/%s: %s" % (args.namespace, args.name, text), flush=True)
            last = text
        if done:
            return 0
        if time.monotonic() > deadline:
            print("[wait] gave up after %.0fs" % args.timeout, file=sys.stderr)
            return 1
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
