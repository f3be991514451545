"""Where one reconcile of the ansible engine spends its seconds.

On a private control plane: the watcher (ansible engine, one worker) reconciles one new cluster,
then a no-op resync reconciles it again. For each run it prints the wall time the watcher logged and
the role's timeline from ansible-runner's job events (seconds from the first event: playbook start,
each task start, the end). Then it runs the ``postgres_cluster`` module alone, in a fresh
interpreter with the same arguments the role gives it, and prints that process's wall time: the
difference to the role's "Reconcile the cluster" task is Ansible's packaging of the module
(AnsiballZ) and its second interpreter. Prints figures; asserts nothing.

Run: .venv/bin/python bench/ansible_reconcile_bench.py
"""

import datetime
import glob
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from watcher_bench import converged_names, free_port, manifest, private_plane  # noqa: E402  pylint: disable=wrong-import-position

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMESPACE, NAME = "bench-ansible", "acid-one"
TIMELINE = ("playbook_on_start", "playbook_on_task_start", "playbook_on_stats")

# The module run the way Ansible runs it, minus Ansible: arguments from a file, the collection
# importable from the checkout.
MODULE_RUN = """
import sys
sys.path.insert(0, %r)
from pgkube_watcher.bootstrap import ensure_collection
ensure_collection()
from ansible.module_utils import basic
basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE = open(sys.argv[1], "rb").read(), "legacy"
from ansible_collections.pgkube.operator.plugins.modules import postgres_cluster
postgres_cluster.main()
""" % os.path.join(ROOT, "watcher")


def timeline(artifact_dir):
    events = [json.load(open(path)) for path in glob.glob(os.path.join(artifact_dir, "job_events", "*.json"))]
    events.sort(key=lambda event: event.get("counter", 0))
    if not events:
        return []
    start = datetime.datetime.fromisoformat(events[0]["created"]).timestamp()
    return [(datetime.datetime.fromisoformat(e["created"]).timestamp() - start, (e.get("event_data") or {}).get("task") or e["event"])
            for e in events if e["event"] in TIMELINE]


def run_watcher(plane, api, work):
    port = free_port()
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "watcher"), OPERATOR_NAMESPACE=NAMESPACE)
    argv = [sys.executable, "-m", "pgkube_watcher", "--watches", os.path.join(ROOT, "watches.yaml"), "--engine", "ansible",
            "--kubeconfig", plane.kubeconfig, "--namespace", NAMESPACE, "--api-port", str(port), "--resync-period", "0",
            "--no-leader-elect", "--no-watch-nodes", "--work-dir", os.path.join(work, "runs"), "--workers", "1"]
    log_path = os.path.join(work, "watcher.log")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)  # pylint: disable=consider-using-with
        try:
            time.sleep(3)
            api.call("POST", "/apis/acid.zalan.do/v1/namespaces/%s/postgresqls" % NAMESPACE, manifest(NAMESPACE, NAME))
            deadline = time.monotonic() + 300
            while NAME not in converged_names(api, NAMESPACE):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the cluster did not converge: see %s" % log_path)
                time.sleep(0.2)
            time.sleep(2)
            proc.send_signal(signal.SIGUSR1)
            while len(re.findall(r"ansible ok in", open(log_path).read())) < 2:
                if time.monotonic() > deadline:
                    raise RuntimeError("the resync did not run: see %s" % log_path)
                time.sleep(0.2)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
    return re.findall(r"ansible ok in ([0-9.]+)s", open(log_path).read())


def module_alone(plane, work):
    args = {"ANSIBLE_MODULE_ARGS": {"name": NAME, "namespace": NAMESPACE, "state": "present", "reconcile": True,
                                    "kubeconfig": plane.kubeconfig, "operator_config_from_env": True}}
    path = os.path.join(work, "args.json")
    with open(path, "w") as handle:
        json.dump(args, handle)
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", MODULE_RUN, path], check=True, capture_output=True)
    return time.monotonic() - started


def main():
    with private_plane("pgkube-ansible-bench-") as (plane, api, work):
        api.call("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
        walls = run_watcher(plane, api, work)
        runs = sorted(glob.glob(os.path.join(work, "runs", "**", "artifacts", "*"), recursive=True), key=os.path.getmtime)
        for label, wall, run in zip(("new cluster", "no-op resync"), walls, runs):
            print("\n== %s: the watcher logged %s s for the run" % (label, wall))
            for seconds, what in timeline(run):
                print("  %6.2f s  %s" % (seconds, what[:90]))
        print("\n== the postgres_cluster module alone (no-op, fresh interpreter): %.2f s" % module_alone(plane, work))


if __name__ == "__main__":
    main()
