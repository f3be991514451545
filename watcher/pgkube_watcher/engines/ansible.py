# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ansible engine: the watches.yaml role (or playbook) run by ansible-runner, one process per
reconcile, exactly as ansible-operator runs it (reference ansible-contracts.md §1.3, §1.4, §1.8, §1.9).

Per run, in ``<work_dir>/runner/<group>/<version>/<kind>/<namespace>/<name>/``:
- ``env/extravars``: the spec keys (snake_case when ``snakeCaseParameters``), ``ansible_operator_meta``,
  ``_<group>_<kind>`` (the whole object), ``_<group>_<kind>_spec`` (raw spec), the watch ``vars``, and on
  finalizer runs the finalizer ``vars``; later ones win;
- ``env/envvars``: ``K8S_AUTH_KUBECONFIG`` and ``KUBECONFIG`` (our kubeconfig; no proxy);
- ``inventory/hosts``: ``localhost ansible_connection=local ansible_python_interpreter=<this python>``.
Then ``ansible-runner run <dir> --role <name> --roles-path <parent> --hosts localhost -i <ident>
--rotate-artifacts N [--role-skip-facts]`` (or ``-p <playbook>``).

Finalizers (§1.9): added before the first run when the operator configuration's ``enable_finalizers`` is
on (removed when it is off, as the native engine and the Zalando operator do; ansible-operator itself
always adds it); a deleting resource with our finalizer gets a finalizer run (finalizer role/playbook or
the main one, plus finalizer vars), and the finalizer is removed when it succeeded; a deleting resource
without it is skipped, and runs from its DELETE event instead (a tombstone run: the last known object is
passed to the role with ``pgkube_use_passed_resource``, since it can no longer be read). ``manageStatus`` (§1.8): ``Running``,
``Successful`` and ``Failure`` conditions are merged into ``status.conditions`` at the end of a run,
and written only when they change (ansible-operator also flips them at the start of every run, which
costs two status writes per reconcile; we skip that).
"""

import copy
import glob
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

from ansible_collections.pgkube.operator.plugins.module_utils import status as st
from ansible_collections.pgkube.operator.plugins.module_utils.errors import KubernetesError

from pgkube_watcher.engines import Outcome
from pgkube_watcher.engines.native import tombstone_copy
from pgkube_watcher.paramconv import convert_keys
from pgkube_watcher.watches import resolve_role

LOG = logging.getLogger("pgkube.engine.ansible")


def mark_unsafe(value):
    if isinstance(value, str):
        return {"__ansible_unsafe": value}
    if isinstance(value, dict):
        return dict((k, mark_unsafe(v)) for k, v in value.items())
    if isinstance(value, list):
        return [mark_unsafe(v) for v in value]
    return value


def build_extravars(watch, cr, finalizer_run=False, tombstone=False):
    """The extra vars of one run, in ansible-operator's order (later wins). A tombstone run (the resource
    is gone) tells the role to use the object passed (``pgkube_use_passed_resource``)."""
    spec = cr.get("spec") or {}
    meta = cr.get("metadata") or {}
    params = convert_keys(copy.deepcopy(spec)) if watch.snake_case_parameters else copy.deepcopy(spec)
    if not isinstance(params, dict):
        params = {}
    params["ansible_operator_meta"] = {"name": meta.get("name"), "namespace": meta.get("namespace")}
    params[watch.object_var] = copy.deepcopy(cr)
    params[watch.spec_var] = copy.deepcopy(spec)
    if watch.mark_unsafe:
        # every string of the resource (also meta, object and raw spec) is never templated; watch vars stay as written
        params = mark_unsafe(params)
    params.update(copy.deepcopy(watch.vars))
    if finalizer_run and watch.finalizer is not None:
        params.update(copy.deepcopy(watch.finalizer.vars))
    if tombstone:
        params["pgkube_use_passed_resource"] = True
    return params


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


def read_run_events(artifact_dir):
    """``(stats, failure messages)`` from the run's job_events (stats None: no playbook_on_stats)."""
    stats, failures = None, []
    for path in sorted(glob.glob(os.path.join(artifact_dir, "job_events", "*.json")),
                       key=lambda p: int(os.path.basename(p).split("-")[0]) if os.path.basename(p).split("-")[0].isdigit() else 0):
        try:
            with open(path) as handle:
                event = json.load(handle)
        except (OSError, ValueError):
            continue
        data = event.get("event_data") or {}
        if event.get("event") == "runner_on_failed" and not data.get("ignore_errors"):
            res = data.get("res") or {}
            failures.append(st.safe_message(str(res.get("msg") or "task %r failed" % data.get("task"))))
        elif event.get("event") == "playbook_on_stats":
            stats = {
                "ok": sum((data.get("ok") or {}).values()),
                "changed": sum((data.get("changed") or {}).values()),
                "skipped": sum((data.get("skipped") or {}).values()),
                "failures": sum((data.get("failures") or {}).values()) + sum((data.get("dark") or {}).values()),
                "rescued": sum((data.get("rescued") or {}).values()),
            }
    return stats, failures


class AnsibleEngine:
    name = "ansible"

    def __init__(self, watch, api_factory, work_dir, kubeconfig=None, verbosity=0, timeout=900.0, environ=None):
        self.watch = watch
        self._api_factory = api_factory
        self._local = threading.local()
        self.work_dir = work_dir
        self.kubeconfig = kubeconfig
        self.verbosity = int(verbosity)
        self.timeout = float(timeout)
        self.environ = dict(os.environ if environ is None else environ)
        self._procs = {}
        self._procs_lock = threading.Lock()
        self._aborted = False
        self.role_dir = resolve_role(watch.role, self.environ) if watch.role else None
        self.finalizer_role_dir = None
        if watch.finalizer is not None and watch.finalizer.role:
            self.finalizer_role_dir = resolve_role(watch.finalizer.role, self.environ)
        if not self.role_dir and not watch.playbook:
            raise ValueError("watch %r has neither role nor playbook" % (watch,))
        if watch.playbook and not os.path.isfile(watch.playbook):
            raise ValueError("playbook %s does not exist" % watch.playbook)

    def api(self):
        api = getattr(self._local, "api", None)
        if api is None:
            api = self._local.api = self._api_factory()
        return api

    # ------------------------------------------------------------------ one reconcile

    def reconcile(self, cr, cfg, tombstone=False):
        watch = self.watch
        meta = cr.get("metadata") or {}
        finalizers = list(meta.get("finalizers") or [])
        deleting = tombstone or bool(meta.get("deletionTimestamp"))
        fin = watch.finalizer
        if deleting and not tombstone and (fin is None or fin.name not in finalizers):
            return Outcome(skipped="being deleted without our finalizer: nothing to run")
        if tombstone and fin is None:
            return Outcome(skipped="deleted; children are left to garbage collection (no finalizer in watches.yaml)")
        wanted = cfg is None or bool(getattr(cfg, "enable_finalizers", True))
        if fin is not None and not deleting and wanted and fin.name not in finalizers:
            cr = self._set_finalizers(cr, finalizers + [fin.name])
        elif fin is not None and not deleting and not wanted and fin.name in finalizers:
            cr = self._set_finalizers(cr, [f for f in finalizers if f != fin.name])
        run_cr = tombstone_copy(cr) if tombstone else cr
        finalizer_run = deleting and fin is not None
        ok, stats, failures, error = self._run(run_cr, finalizer_run, tombstone)
        outcome = Outcome(changed=bool(stats and stats.get("changed")), error=error, requeue=not ok)
        if ok and finalizer_run and not tombstone:
            try:
                self._set_finalizers(cr, [f for f in finalizers if f != fin.name])
                outcome.deleted = True
            except KubernetesError as exc:
                if exc.status != 404:
                    outcome.error, outcome.requeue = st.safe_message(exc), True
                else:
                    outcome.deleted = True
            return outcome
        if tombstone:
            outcome.deleted = ok
            return outcome
        current = self._read(cr)
        if current is not None:
            outcome.status = (current.get("status") or {}).get("PostgresClusterStatus")
            if watch.manage_status and not deleting:
                self._write_conditions(current, ok, stats, failures)
        if ok and watch.reconcile_period:
            outcome.requeue_after = watch.reconcile_period
        return outcome

    def _read(self, cr):
        meta = cr["metadata"]
        try:
            return self.api().get(self.watch.kind, self.watch.api_version, meta.get("namespace"), meta["name"])
        except KubernetesError:
            return None

    def _set_finalizers(self, cr, finalizers):
        meta = cr["metadata"]
        patch = {"metadata": {"finalizers": finalizers or None, "resourceVersion": meta.get("resourceVersion")}}
        updated = self.api().patch(self.watch.kind, self.watch.api_version, meta.get("namespace"), meta["name"], patch)
        return updated or cr

    def _write_conditions(self, current, ok, stats, failures):
        """Running / Successful / Failure as ansible-operator sets them at the end of a run (§1.8)."""
        status = current.get("status") if isinstance(current.get("status"), dict) else {}
        result = dict(stats or {})      # no completion time: a no-op run must not rewrite the status
        if ok:
            wanted = [
                st.condition("Running", "True", "Successful", "Awaiting next reconciliation"),
                st.condition("Successful", "True", "Successful", "Last reconciliation succeeded"),
                st.condition("Failure", "False", "Successful", ""),
            ]
        else:
            wanted = [
                st.condition("Running", "False", "Failed", "Reconciliation failed"),
                st.condition("Successful", "False", "Failed", "Last reconciliation failed"),
                st.condition("Failure", "True", "Failed", "\n".join(failures) or "the run failed"),
            ]
        wanted[0 if ok else 2]["ansibleResult"] = result
        old = [dict(c) for c in (status.get("conditions") or []) if isinstance(c, dict)]
        merged = st.merge_conditions(old, wanted)
        if _same_conditions(old, merged):
            return False
        meta = current["metadata"]
        try:
            self.api().patch(self.watch.kind, self.watch.api_version, meta.get("namespace"), meta["name"],
                             {"status": {"conditions": merged}}, subresource="status")
            return True
        except KubernetesError as exc:
            LOG.warning("could not write the conditions of %s/%s: %s", meta.get("namespace"), meta["name"], exc)
            return False

    # ------------------------------------------------------------------ ansible-runner

    def _input_dir(self, cr):
        meta = cr["metadata"]
        watch = self.watch
        return os.path.join(self.work_dir, "runner", watch.group or "core", watch.version, watch.kind,
                            meta.get("namespace") or "_cluster", meta["name"])

    def command(self, private_dir, ident, finalizer_run):
        """The ansible-runner command line of one run."""
        watch = self.watch
        argv = [sys.executable, "-m", "ansible_runner", "run", private_dir, "-i", ident,
                "--rotate-artifacts", str(max(1, watch.max_runner_artifacts)), "-q"]
        role_dir, playbook = self.role_dir, watch.playbook
        if finalizer_run and watch.finalizer is not None:
            if watch.finalizer.playbook:
                role_dir, playbook = None, watch.finalizer.playbook
            elif self.finalizer_role_dir:
                role_dir, playbook = self.finalizer_role_dir, None
        if playbook:
            argv += ["-p", playbook]
        else:
            argv += ["--role", os.path.basename(role_dir), "--roles-path", os.path.dirname(role_dir), "--hosts", "localhost"]
            if (self.environ.get("ANSIBLE_GATHERING") or "explicit").lower() == "explicit":
                argv.append("--role-skip-facts")
        if self.verbosity:
            argv.append("-" + "v" * min(self.verbosity, 7))
        return argv

    def _prepare(self, cr, finalizer_run, tombstone=False):
        private_dir = self._input_dir(cr)
        extravars = build_extravars(self.watch, cr, finalizer_run, tombstone)
        _write(os.path.join(private_dir, "env", "extravars"), json.dumps(extravars))
        envvars = {}
        if self.kubeconfig:
            envvars = {"K8S_AUTH_KUBECONFIG": self.kubeconfig, "KUBECONFIG": self.kubeconfig}
        _write(os.path.join(private_dir, "env", "envvars"), json.dumps(envvars))
        _write(os.path.join(private_dir, "inventory", "hosts"),
               "localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
        return private_dir

    def _env(self):
        env = dict(self.environ)
        bindir = os.path.dirname(sys.executable)
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
        env.setdefault("ANSIBLE_GATHERING", "explicit")
        env.setdefault("ANSIBLE_NOCOLOR", "1")
        if self.kubeconfig:
            env["K8S_AUTH_KUBECONFIG"] = env["KUBECONFIG"] = self.kubeconfig
        return env

    def _run(self, cr, finalizer_run, tombstone=False):
        """``(ok, stats, failure messages, error line)`` of one ansible-runner run."""
        if self._aborted:
            return False, None, [], "the watcher is shutting down"
        private_dir = self._prepare(cr, finalizer_run, tombstone)
        ident = "%d" % time.time_ns()
        argv = self.command(private_dir, ident, finalizer_run)
        key = threading.get_ident()
        log_path = os.path.join(private_dir, "runner.log")
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=self._env(),  # pylint: disable=consider-using-with
                                    start_new_session=True, cwd=private_dir)
        with self._procs_lock:
            self._procs[key] = proc
        try:
            rc = proc.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            rc = None
        finally:
            with self._procs_lock:
                self._procs.pop(key, None)
        artifact_dir = os.path.join(private_dir, "artifacts", ident)
        stats, failures = read_run_events(artifact_dir)
        if rc is None:
            return False, stats, failures, "ansible-runner did not finish within %.0fs" % self.timeout
        if stats is None:
            return False, None, failures, "did not receive playbook_on_stats event (ansible-runner exit code %s; see %s)" % (rc, log_path)
        if rc != 0 or stats.get("failures"):
            return False, stats, failures, "; ".join(failures) or "the role failed (exit code %s)" % rc
        return True, stats, failures, None

    def abort(self):
        """Stop the runs in progress (shutdown): SIGTERM, then SIGKILL after 10 s."""
        self._aborted = True
        with self._procs_lock:
            procs = list(self._procs.values())
        for proc in procs:
            _kill_group(proc)

    def cleanup(self):
        shutil.rmtree(os.path.join(self.work_dir, "runner"), ignore_errors=True)


def _same_conditions(old, new):
    return [dict(c) for c in old] == [dict(c) for c in new]


def _kill_group(proc, grace=10.0):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except OSError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.wait()
