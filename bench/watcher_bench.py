"""Benchmark of the watcher (watcher/pgkube_watcher) on a private local control plane.

For each engine (native with N clusters, ansible with M clusters):
- time from the watcher's start to every cluster converged (StatefulSet present, Reconciled=True);
- API requests per cluster during a no-op resync (SIGUSR1 queues every cluster), from the API
  server's own ``apiserver_request_total`` before and after, by verb (the watcher's resources only);
- event-to-StatefulSet-update latency (a spec change until the StatefulSet shows it), median of K;
- the watcher's peak RSS (VmHWM; for the ansible engine the runner processes are separate).
The control plane runs without kube-controller-manager, so no other client touches these resources.
Prints figures; asserts nothing.

Run: .venv/bin/python bench/watcher_bench.py [--clusters 100] [--ansible-clusters 10] [--engines native,ansible]
"""

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "kube"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import controlplane as cp  # noqa: E402  pylint: disable=wrong-import-position

# Leases are left out: the watcher runs with --no-leader-elect here, and kube-apiserver renews its own
# identity Lease in kube-system every 10 s (about 20 PUTs during a 100-cluster ansible resync).
RESOURCES = ("postgresqls", "statefulsets", "services", "endpoints", "secrets", "poddisruptionbudgets", "pods",
             "configmaps", "serviceaccounts", "rolebindings", "events", "persistentvolumeclaims")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Api:
    """Tiny HTTPS client with the control plane's admin certificate."""

    def __init__(self, plane):
        self.plane = plane
        self.state = plane.load()
        self.base = "https://127.0.0.1:%d" % self.state["ports"]["apiserver"]
        self.ctx = plane._ssl_context()  # pylint: disable=protected-access

    def call(self, method, path, body=None, content_type="application/json"):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={"Content-Type": content_type})
        with urllib.request.urlopen(req, context=self.ctx, timeout=30) as resp:
            text = resp.read().decode()
        return json.loads(text) if text and text[0] in "{[" else text

    def request_counts(self):
        """{verb: count} of apiserver_request_total for the watcher's resources."""
        counts = {}
        for line in self.call("GET", "/metrics").splitlines():
            if not line.startswith("apiserver_request_total{"):
                continue
            labels, value = line[len("apiserver_request_total{"):].rsplit("} ", 1)
            fields = dict(part.split("=", 1) for part in labels.split('",') if "=" in part)
            fields = dict((k, v.strip('"')) for k, v in fields.items())
            if fields.get("resource") not in RESOURCES:
                continue
            verb = "%s %s" % (fields.get("verb"), fields.get("resource") + ("/" + fields["subresource"] if fields.get("subresource") else ""))
            counts[verb] = counts.get(verb, 0) + float(value)
        return counts


def manifest(namespace, name):
    with open(os.path.join(ROOT, "manifests", "examples", "minimal-postgres-manifest.yaml")) as handle:
        body = yaml.safe_load(handle)
    body["metadata"] = {"name": name, "namespace": namespace}
    return body


def install_crds(api):
    for name in sorted(os.listdir(os.path.join(ROOT, "manifests", "crds"))):
        with open(os.path.join(ROOT, "manifests", "crds", name)) as handle:
            crd = yaml.safe_load(handle)
        try:
            api.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
        except urllib.error.HTTPError as exc:
            if exc.code != 409:
                raise
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        crd = api.call("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/postgresqls.acid.zalan.do")
        if any(c["type"] == "Established" and c["status"] == "True" for c in ((crd.get("status") or {}).get("conditions") or [])):
            return
        time.sleep(0.5)


def converged_names(api, namespace):
    items = api.call("GET", "/apis/acid.zalan.do/v1/namespaces/%s/postgresqls" % namespace)["items"]
    sts = set(s["metadata"]["name"] for s in api.call("GET", "/apis/apps/v1/namespaces/%s/statefulsets" % namespace)["items"])
    return set(i["metadata"]["name"] for i in items if _reconciled(i) and i["metadata"]["name"] in sts)


def _reconciled(cr):
    """Every object of the cluster matches its manifest: ``Reconciled=True`` for its generation
    (the status stays ``Creating`` here, the control plane has no kubelet and no pod gets ready)."""
    status = cr.get("status") or {}
    return (status.get("observedGeneration") == cr["metadata"].get("generation")
            and any(c.get("type") == "Reconciled" and c.get("status") == "True" for c in status.get("conditions") or []))


def watcher_idle(port):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/workers/all/status" % port, timeout=5) as resp:
            workers = json.loads(resp.read().decode())
        with urllib.request.urlopen("http://127.0.0.1:%d/workers/all/queue" % port, timeout=5) as resp:
            queues = json.loads(resp.read().decode())
    except OSError:
        return False
    return all(v == "idle" for v in workers.values()) and not any(q.get("Keys") for q in queues.values())


def wait_idle(port, settle=3.0, timeout=1800):
    deadline = time.monotonic() + timeout
    idle_since = None
    while time.monotonic() < deadline:
        if watcher_idle(port):
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= settle:
                return True
        else:
            idle_since = None
        time.sleep(0.2)
    return False


def peak_rss_mib(pid):
    try:
        with open("/proc/%d/status" % pid) as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def stall_report(api, namespace, names, done, port, log_path, timeout):
    """What is known when the clusters did not converge in time: who is missing, their status, the
    watcher's workers and queue, the end of its log."""
    lines = ["%d of %d clusters not converged after %.0f s" % (len(names) - len(done), len(names), timeout)]
    for name in [n for n in names if n not in done][:10]:
        try:
            cr = api.call("GET", "/apis/acid.zalan.do/v1/namespaces/%s/postgresqls/%s" % (namespace, name))
            lines.append("  %s: %s" % (name, json.dumps((cr.get("status") or {}).get("PostgresClusterStatus"))))
        except (OSError, ValueError) as exc:
            lines.append("  %s: could not read: %s" % (name, exc))
    for what in ("workers/all/status", "workers/all/queue"):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/%s" % (port, what), timeout=5) as resp:
                lines.append("  %s: %s" % (what, resp.read().decode()[:2000]))
        except OSError as exc:
            lines.append("  %s: %s" % (what, exc))
    with open(log_path, "rb") as handle:
        lines.append("watcher log (end):\n" + handle.read().decode("utf-8", "replace")[-4000:])
    return "\n".join(lines)


def bench_engine(api, plane, engine, count, latency_samples, workers, work, converge_timeout=1200):
    namespace = "bench-%s" % engine
    api.call("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    names = ["acid-b%04d" % i for i in range(count)]
    for name in names:
        api.call("POST", "/apis/acid.zalan.do/v1/namespaces/%s/postgresqls" % namespace, manifest(namespace, name))
    port = free_port()
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "watcher"), OPERATOR_NAMESPACE=namespace, PGKUBE_WORK_DIR=os.path.join(work, engine))
    argv = [sys.executable, "-m", "pgkube_watcher", "--watches", os.path.join(ROOT, "watches.yaml"), "--engine", engine,
            "--kubeconfig", plane.kubeconfig, "--namespace", namespace, "--api-port", str(port), "--resync-period", "0",
            "--no-leader-elect", "--no-watch-nodes"]
    if workers:
        argv += ["--workers", str(workers)]
    log = open(os.path.join(work, "watcher-%s.log" % engine), "wb")  # pylint: disable=consider-using-with
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)  # pylint: disable=consider-using-with
    try:
        deadline = time.monotonic() + converge_timeout
        while True:
            done = converged_names(api, namespace)
            if len(done) == count:
                break
            if proc.poll() is not None:
                raise RuntimeError("watcher exited: see %s" % log.name)
            if time.monotonic() > deadline:
                raise RuntimeError(stall_report(api, namespace, names, done, port, log.name, converge_timeout))
            time.sleep(0.2)
        converge = time.monotonic() - started
        wait_idle(port)
        before = api.request_counts()
        proc.send_signal(signal.SIGUSR1)
        time.sleep(1.5)
        wait_idle(port)
        after = api.request_counts()
        resync = dict((verb, after.get(verb, 0) - before.get(verb, 0)) for verb in set(after) | set(before))
        resync = dict((k, v) for k, v in resync.items() if v)
        latencies = []
        for i in range(min(latency_samples, count)):
            name = names[i]
            path = "/apis/acid.zalan.do/v1/namespaces/%s/postgresqls/%s" % (namespace, name)
            t0 = time.monotonic()
            api.call("PATCH", path, {"spec": {"numberOfInstances": 3}}, content_type="application/merge-patch+json")
            while api.call("GET", "/apis/apps/v1/namespaces/%s/statefulsets/%s" % (namespace, name))["spec"]["replicas"] != 3:
                time.sleep(0.01)
            latencies.append(time.monotonic() - t0)
        rss = peak_rss_mib(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(120)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = "killed"
        log.close()
    writes = sum(v for k, v in resync.items() if k.split()[0] in ("POST", "PUT", "PATCH", "DELETE"))
    print("\n== engine %s: %d clusters, workers %s" % (engine, count, workers or "default (cfg.workers)"))
    print("  converge all (watcher start -> all reconciled) %7.2f s   (%.3f s per cluster)" % (converge, converge / count))
    print("  no-op resync API requests, by verb and resource %s" % json.dumps(dict(sorted(resync.items()))))
    print("  no-op resync requests per cluster              %8.2f   (writes per cluster %.2f)" % (sum(resync.values()) / count, writes / count))
    if latencies:
        print("  event -> StatefulSet update latency           median %.3f s, max %.3f s (%d samples)" % (
            statistics.median(latencies), max(latencies), len(latencies)))
    print("  watcher peak RSS                               %8.1f MiB" % (rss or float("nan")))
    print("  exit code after SIGTERM                        %s" % code)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--ansible-clusters", type=int, default=10)
    parser.add_argument("--engines", default="native,ansible")
    parser.add_argument("--latency-samples", type=int, default=10)
    parser.add_argument("--workers", type=int, default=0, help="default: the workers configuration key (8)")
    parser.add_argument("--converge-timeout", type=float, default=1200.0,
                        help="seconds before a run that has not converged stops with a report of what is stuck")
    args = parser.parse_args()
    with private_plane("pgkube-watcher-bench-") as (plane, api, work):
        for engine in args.engines.split(","):
            count = args.clusters if engine == "native" else args.ansible_clusters
            bench_engine(api, plane, engine, count, args.latency_samples if engine == "native" else min(3, args.latency_samples),
                         args.workers, work, args.converge_timeout)


@contextlib.contextmanager
def private_plane(prefix):
    """``(plane, api, work dir)`` of a private control plane (etcd and kube-apiserver only) with our
    CRDs; stopped and removed at the end. SIGTERM (a timeout, a kill) unwinds like Ctrl-C."""
    signal.signal(signal.SIGTERM, lambda _sig, _frame: sys.exit(143))
    work = tempfile.mkdtemp(prefix=prefix)
    plane = cp.ControlPlane(os.path.join(work, "controlplane"))
    plane.up(controller_manager=False)
    try:
        api = Api(plane)
        install_crds(api)
        yield plane, api, work
    finally:
        plane.down(quiet=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
