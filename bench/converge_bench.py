"""New clusters and no-op resyncs of the native engine, in API requests, against the write bound.

On a private local control plane (no kube-controller-manager, no kubelet: only the operator and this
bench talk to the API server), for each status schema of the ``postgresql`` CRD (``ours`` keeps
conditions and observedGeneration, ``upstream`` is the Zalando operator's, which keeps only
PostgresClusterStatus):

1. the watcher (native engine) starts on an empty namespace and its caches sync;
2. N clusters are created; the bench watches them until each is reconciled (``Reconciled=True``
   for its generation on our CRD, ``PostgresClusterStatus`` set on upstream's) and its StatefulSet
   exists. Converge time is from the first create to the last cluster reconciled;
3. the API server's own ``apiserver_request_total`` before and after gives the requests the
   converge cost, per cluster, by verb and resource (WATCH excluded: the informers' streams);
4. a no-op resync (SIGUSR1 queues every cluster) is counted the same way;
5. the write bound: what the converge wrote (the clusters' resources, which the bench creates
   inside the operator's time, then per cluster the children, Events and status writes the
   operator made) is written again into a fresh namespace with the same concurrency (one thread per
   worker, one cluster at a time per thread, the library's own KubeApi as transport) and no
   operator logic. The bench prints operator time / bound time.

6. a spec change of the last cluster while a resync has queued all of them: seconds until its
   StatefulSet shows it; and the watcher's peak RSS (VmHWM).

Prints figures; asserts nothing.

Run: .venv/bin/python bench/converge_bench.py [--clusters 50] [--workers 8] [--schemas ours,upstream]
     .venv/bin/python bench/converge_bench.py --clusters 1000 --schemas ours     (the 1,000-cluster figures)
"""

import argparse
import concurrent.futures
import copy
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "watcher"))
from pgkube_watcher.bootstrap import ensure_collection  # noqa: E402  pylint: disable=wrong-import-position
ensure_collection()
from ansible_collections.pgkube.operator.plugins.module_utils.kube.client import kubernetes_api_from_params  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order
import watcher_bench  # noqa: E402  pylint: disable=wrong-import-position
from watcher_bench import free_port, manifest, peak_rss_mib, private_plane, wait_idle  # noqa: E402  pylint: disable=wrong-import-position

# the CRD too: the reconcile reads it for its status schema
watcher_bench.RESOURCES = watcher_bench.RESOURCES + ("customresourcedefinitions",)

CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/postgresqls.acid.zalan.do"
UPSTREAM_STATUS = {"type": "object", "properties": {"PostgresClusterStatus": {"type": "string"}}}
READS, WRITES = ("GET", "LIST"), ("POST", "PUT", "PATCH", "DELETE", "APPLY")
CHILD_PATHS = (("apps/v1", "statefulsets"), ("v1", "services"), ("v1", "endpoints"), ("v1", "secrets"),
               ("policy/v1", "poddisruptionbudgets"), ("v1", "serviceaccounts"), ("rbac.authorization.k8s.io/v1", "rolebindings"),
               ("v1", "events"))
SERVER_FIELDS = ("resourceVersion", "uid", "creationTimestamp", "managedFields", "generation", "selfLink", "ownerReferences")


def use_status_schema(api, schema):
    """Give the CRD our status schema or upstream's; wait until a status write shows it in force."""
    crd = api.call("GET", CRD_PATH)
    ours = api.ours_status if hasattr(api, "ours_status") else None
    if ours is None:
        api.ours_status = ours = copy.deepcopy(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"])
    for version in crd["spec"]["versions"]:
        version["schema"]["openAPIV3Schema"]["properties"]["status"] = copy.deepcopy(UPSTREAM_STATUS if schema == "upstream" else ours)
    api.call("PUT", CRD_PATH, crd)
    namespace = "probe-%s-%d" % (schema, int(time.time() * 1000) % 100000000)  # a deleted one terminates for a while
    create_namespace(api, namespace)
    body = manifest(namespace, "probe")
    api.call("POST", "/apis/acid.zalan.do/v1/namespaces/%s/postgresqls" % namespace, body)
    path = "/apis/acid.zalan.do/v1/namespaces/%s/postgresqls/probe/status" % namespace
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        stored = api.call("PATCH", path, {"status": {"PostgresClusterStatus": "probe", "probe": "x"}},
                          content_type="application/merge-patch+json")
        if ("probe" not in stored.get("status", {})) == (schema == "upstream"):
            break
        time.sleep(0.5)
    api.call("DELETE", "/api/v1/namespaces/%s" % namespace)


def create_namespace(api, namespace):
    try:
        api.call("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    except urllib.error.HTTPError as exc:
        if exc.code != 409:
            raise


def reconciled(cr):
    status = cr.get("status") or {}
    return (status.get("observedGeneration") == cr["metadata"].get("generation")
            and any(c.get("type") == "Reconciled" and c.get("status") == "True" for c in status.get("conditions") or []))


class ConvergeWatch:
    """Watches the namespace's postgresqls; records when each one is first seen reconciled."""

    def __init__(self, api, namespace):
        self.api, self.namespace = api, namespace
        self.done = {}
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()

    def _run(self):
        path = "/apis/acid.zalan.do/v1/namespaces/%s/postgresqls?watch=true&timeoutSeconds=600" % self.namespace
        request = urllib.request.Request(self.api.base + path)
        with urllib.request.urlopen(request, context=self.api.ctx, timeout=700) as stream:
            for line in stream:
                cr = json.loads(line)["object"]
                if reconciled(cr):
                    with self.lock:
                        self.done.setdefault(cr["metadata"]["name"], time.monotonic())

    def wait(self, names, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if all(n in self.done for n in names):
                    return max(self.done[n] for n in names)
            time.sleep(0.01)
        raise RuntimeError("%d of %d clusters reconciled after %.0f s" % (len(self.done), len(names), timeout))


def counted(before, after):
    delta = {}
    for key in set(before) | set(after):
        value = after.get(key, 0) - before.get(key, 0)
        if value and not key.startswith("WATCH"):
            delta[key] = value
    return delta


def per_cluster(delta, count):
    reads = sum(v for k, v in delta.items() if k.split()[0] in READS)
    writes = sum(v for k, v in delta.items() if k.split()[0] in WRITES)
    return reads / count, writes / count


def start_watcher(plane, namespace, work, workers, log_name):
    port = free_port()
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "watcher"), OPERATOR_NAMESPACE=namespace)
    argv = [sys.executable, "-m", "pgkube_watcher", "--watches", os.path.join(ROOT, "watches.yaml"), "--engine", "native",
            "--kubeconfig", plane.kubeconfig, "--namespace", namespace, "--api-port", str(port), "--resync-period", "0",
            "--no-leader-elect", "--no-watch-nodes", "--workers", str(workers)]
    log = open(os.path.join(work, log_name), "wb")  # pylint: disable=consider-using-with
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)  # pylint: disable=consider-using-with
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/readyz" % port, timeout=2) as resp:
                if resp.status == 200:
                    return proc, port, log
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("watcher exited: see %s" % log.name)
        time.sleep(0.1)
    raise RuntimeError("watcher not ready in 120 s: see %s" % log.name)


def stop_watcher(proc, log):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def written_objects(api, namespace, names):
    """What the operator wrote for the clusters, as bodies fit to create again: per cluster its
    children and Events, and once the namespace's shared ServiceAccount and RoleBinding."""
    per, shared = dict((n, []) for n in names), []
    for version, plural in CHILD_PATHS:
        base = "/api/v1" if version == "v1" else "/apis/" + version
        for item in api.call("GET", "%s/namespaces/%s/%s" % (base, namespace, plural))["items"]:
            item["apiVersion"], item["kind"] = version, _kind(plural)
            owner = item.get("involvedObject", {}).get("name") if plural == "events" else \
                (item["metadata"].get("labels") or {}).get("cluster-name")
            if owner in per:
                per[owner].append(item)
            elif plural in ("serviceaccounts", "rolebindings") and item["metadata"]["name"] != "default":
                shared.append(item)
    return per, shared


def _kind(plural):
    return {"statefulsets": "StatefulSet", "services": "Service", "endpoints": "Endpoints", "secrets": "Secret",
            "poddisruptionbudgets": "PodDisruptionBudget", "serviceaccounts": "ServiceAccount", "rolebindings": "RoleBinding",
            "events": "Event"}[plural]


def fresh(obj, namespace):
    body = copy.deepcopy(obj)
    for key in SERVER_FIELDS:
        body["metadata"].pop(key, None)
    body["metadata"]["namespace"] = namespace
    body.pop("status", None)
    if body["kind"] == "Event":
        body["involvedObject"]["namespace"] = namespace
        body["involvedObject"].pop("uid", None)
    if body["kind"] == "Service":  # addresses and node ports are the API server's to allocate
        for key in ("clusterIP", "clusterIPs", "healthCheckNodePort"):
            body["spec"].pop(key, None)
        for port in body["spec"].get("ports") or []:
            port.pop("nodePort", None)
    return body


def _discover(kube):
    for kind, version in (("postgresql", "acid.zalan.do/v1"), ("StatefulSet", "apps/v1"), ("Service", "v1"), ("Endpoints", "v1"),
                          ("Secret", "v1"), ("PodDisruptionBudget", "policy/v1"), ("ServiceAccount", "v1"),
                          ("RoleBinding", "rbac.authorization.k8s.io/v1"), ("Event", "v1")):
        kube.resource(kind, version)


def write_bound(plane, api, source_namespace, names, statuses, workers, status_writes):
    """Seconds to write what the converge wrote, the clusters' own resources included (the bench
    creates them inside the operator's converge time too), with ``workers`` threads and no operator
    logic: per cluster its resource, its objects and Events, its status writes."""
    per, shared = written_objects(api, source_namespace, names)
    namespace = source_namespace + "-bound"
    create_namespace(api, namespace)
    # the same watch of the clusters as during the converge, so the API server serves it in both
    ConvergeWatch(api, namespace).start()
    local = threading.local()

    def client():
        if getattr(local, "api", None) is None:
            local.api = kubernetes_api_from_params(kubeconfig=plane.kubeconfig)
        return local.api

    def one_cluster(name, first):
        kube = client()
        kube.create(dict(manifest(namespace, name), apiVersion="acid.zalan.do/v1", kind="postgresql"))
        for obj in (shared if first else []) + per[name]:
            kube.create(fresh(obj, namespace))
        for _write in range(status_writes):
            kube.patch("postgresql", "acid.zalan.do/v1", namespace, name, {"status": statuses[name]}, subresource="status")
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        # each thread's client and its API discovery are made before the clock starts, as the watcher's are
        warm = threading.Barrier(workers)
        list(pool.map(lambda _worker: (_discover(client()), warm.wait()), range(workers)))
        started, cpu, server = time.monotonic(), os.times(), server_cpu(plane)
        list(pool.map(lambda pair: one_cluster(*pair), [(n, i == 0) for i, n in enumerate(names)]))
        elapsed = time.monotonic() - started
        cpu = os.times().user - cpu.user + os.times().system - cpu.system
        server = server_cpu(plane) - server
    writes = sum(len(v) for v in per.values()) + len(shared) + len(names) * (1 + status_writes)
    api.call("DELETE", "/api/v1/namespaces/%s" % namespace)
    return elapsed, writes, cpu, server


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far (/proc/<pid>/stat)."""
    with open("/proc/%d/stat" % pid) as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))


def server_cpu(plane):
    """CPU seconds of etcd and kube-apiserver so far."""
    components = plane.load().get("components") or {}
    return sum(cpu_seconds(components[name]["pid"]) for name in ("etcd", "kube-apiserver") if name in components)


def start_profile(pid, path):
    """py-spy (pip install py-spy) sampling the watcher's threads into ``path`` (collapsed stacks)."""
    spy = shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy")
    argv = [spy, "record", "--pid", str(pid), "--output", path, "--format", "raw", "--rate", "250", "--gil", "--nonblocking"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # pylint: disable=consider-using-with
    time.sleep(1.0)  # attached before the clusters arrive
    return proc


def stop_profile(proc):
    proc.send_signal(signal.SIGINT)
    proc.wait(60)


def create_clusters(creators, namespace, names):
    """Create the clusters' resources with ``creators`` (KubeApi per thread, connected already)."""
    bodies = [manifest(namespace, name) for name in names]
    for body in bodies:
        body.update(apiVersion="acid.zalan.do/v1", kind="postgresql")
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(creators)) as pool:
        list(pool.map(lambda part: [part[0].create(b) for b in part[1]],
                      [(creators[i], bodies[i::len(creators)]) for i in range(len(creators))]))


def connected_clients(plane, count):
    """``count`` KubeApi clients whose connection and discovery are made (a first request each)."""
    clients = [kubernetes_api_from_params(kubeconfig=plane.kubeconfig) for _client in range(count)]
    for kube in clients:
        kube.list("postgresql", "acid.zalan.do/v1", "default")
    return clients


def run_schema(api, plane, schema, count, workers, work, timeout, profile=None):
    use_status_schema(api, schema)
    namespace = "bench-converge-%s" % schema
    create_namespace(api, namespace)
    creators = connected_clients(plane, 4)
    proc, port, log = start_watcher(plane, namespace, work, workers, "watcher-%s.log" % schema)
    result = {"schema": schema}
    try:
        names = ["acid-c%04d" % i for i in range(count)]
        spy = start_profile(proc.pid, "%s.%s" % (profile, schema)) if profile else None
        watch = ConvergeWatch(api, namespace)
        if schema == "ours":
            watch.start()
        before = api.request_counts()
        cpu_before, server_before = cpu_seconds(proc.pid), server_cpu(plane)
        started = time.monotonic()
        create_clusters(creators, namespace, names)
        result["created"] = time.monotonic() - started
        if schema == "upstream":
            # upstream keeps no condition to wait on: the watcher going idle ends the converge
            wait_idle(port, settle=1.0, timeout=timeout)
            finished = time.monotonic() - 1.0
        else:
            finished = watch.wait(names, timeout)
        result["converge"] = finished - started
        result["cpu"], result["server_cpu"] = cpu_seconds(proc.pid) - cpu_before, server_cpu(plane) - server_before
        if spy is not None:
            stop_profile(spy)
        wait_idle(port, timeout=timeout)
        after = api.request_counts()
        result["new"] = counted(before, after)
        result["new"].pop("POST postgresqls", None)  # the bench's own creates of the clusters
        proc.send_signal(signal.SIGUSR1)
        time.sleep(1.5)
        wait_idle(port, timeout=timeout)
        result["resync"] = counted(after, api.request_counts())
        result["latency"] = change_during_resync(api, proc, port, namespace, names, timeout)
        result["rss"] = peak_rss_mib(proc.pid)
        statuses = dict((n, api.call("GET", "/apis/acid.zalan.do/v1/namespaces/%s/postgresqls/%s" % (namespace, n)).get("status") or {})
                        for n in names)
    finally:
        stop_watcher(proc, log)
    if schema == "ours":
        status_writes = max(1, int(round(sum(v for k, v in result["new"].items() if k.endswith("postgresqls/status")) / count)))
        bound = write_bound(plane, api, namespace, names, statuses, workers, status_writes)
        result["bound"], result["bound_writes"], result["bound_cpu"], result["bound_server_cpu"] = bound
    return result


def change_during_resync(api, proc, port, namespace, names, timeout):
    """Seconds from a spec change of one cluster to its StatefulSet showing it, while every cluster
    is queued by a resync (SIGUSR1 first, then the change; the changed cluster is the last by name)."""
    name = names[-1]
    proc.send_signal(signal.SIGUSR1)
    time.sleep(0.2)  # the resync's keys are queued before the change arrives
    started = time.monotonic()
    api.call("PATCH", "/apis/acid.zalan.do/v1/namespaces/%s/postgresqls/%s" % (namespace, name), {"spec": {"numberOfInstances": 3}},
             content_type="application/merge-patch+json")
    deadline = started + timeout
    while api.call("GET", "/apis/apps/v1/namespaces/%s/statefulsets/%s" % (namespace, name))["spec"]["replicas"] != 3:
        if time.monotonic() > deadline:
            raise RuntimeError("the StatefulSet of %s did not follow its spec in %.0f s" % (name, timeout))
        time.sleep(0.02)
    latency = time.monotonic() - started
    wait_idle(port, timeout=timeout)
    return latency


def report(result, count, workers):
    reads, writes = per_cluster(result["new"], count)
    print("\n== %d new clusters, %d workers, %s status schema" % (count, workers, result["schema"]))
    print("  converge (first create -> last reconciled)   %7.2f s  (%.3f s per cluster)" % (result["converge"], result["converge"] / count))
    print("  the bench's creates of the clusters took    %7.2f s (inside the converge)" % result["created"])
    print("  CPU during the converge: watcher, API server + etcd  %.2f s, %.2f s" % (result["cpu"], result["server_cpu"]))
    print("  requests per new cluster                      %.2f reads, %.2f writes" % (reads, writes))
    print("  by verb and resource                          %s" % json.dumps(dict(sorted(result["new"].items()))))
    if "bound" in result:
        print("  write bound (same %d writes, %d threads)      %7.2f s  -> operator / bound = %.2f"
              % (result["bound_writes"], workers, result["bound"], result["converge"] / result["bound"]))
        print("  CPU during the bound: client, API server + etcd      %.2f s, %.2f s" % (result["bound_cpu"], result["bound_server_cpu"]))
    reads, writes = per_cluster(result["resync"], count)
    print("  no-op resync per cluster                      %.2f reads, %.2f writes  %s" % (reads, writes, json.dumps(result["resync"])))
    print("  spec change -> StatefulSet during a resync    %7.2f s  (%d clusters queued)" % (result["latency"], count))
    print("  watcher peak RSS                              %7.1f MiB" % (result["rss"] or float("nan")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--clusters", type=int, default=50)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--schemas", default="ours,upstream")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--profile", help="write py-spy collapsed stacks of the converge to PROFILE.<schema> (slows the run)")
    args = parser.parse_args()
    with private_plane("pgkube-converge-bench-") as (plane, api, work):
        for schema in args.schemas.split(","):
            result = run_schema(api, plane, schema, args.clusters, args.workers, work, args.timeout, args.profile)
            report(result, args.clusters, args.workers)


if __name__ == "__main__":
    main()
