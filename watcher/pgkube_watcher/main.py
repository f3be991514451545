# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The watcher's command line, wiring and lifecycle. See docs/watcher.md for flags and environment."""

import argparse
import logging
import os
import signal
import socket
import tempfile
import threading
import time

from ansible_collections.pgkube.operator.plugins.module_utils.kube.client import kubernetes_api_from_params

from pgkube_watcher import metrics as metrics_module
from pgkube_watcher.cache_api import CacheIndex, CachedKubeApi
from pgkube_watcher.config_watch import ConfigWatch
from pgkube_watcher.controller import Controller
from pgkube_watcher.informer import Informer
from pgkube_watcher.kubehttp import KubeHttp, resource_path
from pgkube_watcher.leader import LeaderElector
from pgkube_watcher.logs import setup_logging
from pgkube_watcher.queue import WorkQueue
from pgkube_watcher.state import OperatorState
from pgkube_watcher.watches import WatchesError, find_watch, load_watches
from pgkube_watcher.worker import AlwaysLeader, Worker

LOG = logging.getLogger("pgkube.watcher")
# Child kinds watched (label ``cluster_name_label``) so the native engine reads them from memory.
CACHED_KINDS = (
    ("StatefulSet", "apps/v1", "statefulsets"),
    ("Service", "v1", "services"),
    ("Secret", "v1", "secrets"),
    ("PodDisruptionBudget", "policy/v1", "poddisruptionbudgets"),
)
# one ServiceAccount and RoleBinding per namespace, shared by its clusters: cached by name
POD_ACCOUNT_KINDS = (
    ("ServiceAccount", "v1", "serviceaccounts"),
    ("RoleBinding", "rbac.authorization.k8s.io/v1", "rolebindings"),
)
IN_CLUSTER_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"


def parse_args(argv):
    env = os.environ
    parser = argparse.ArgumentParser(prog="pgkube_watcher", description="Keep every postgresql cluster converged.")
    parser.add_argument("--watches", default=env.get("WATCHES_FILE", "watches.yaml"),
                        help="watches.yaml (ansible-operator format); the acid.zalan.do/v1 postgresql entry is used")
    parser.add_argument("--engine", choices=("native", "ansible"), default=env.get("PGKUBE_ENGINE", "native"),
                        help="native: the library in-process; ansible: the watches.yaml role through ansible-runner")
    parser.add_argument("--workers", type=int, default=None, help="concurrent reconciles (default: the workers configuration key)")
    parser.add_argument("--resync-period", default=None,
                        help="seconds (or 30m/1h) between full resyncs (default: the resync_period configuration key; 0 = never)")
    parser.add_argument("--kubeconfig", default=None, help="kubeconfig (default: K8S_AUTH_KUBECONFIG, KUBECONFIG, in-cluster, ~/.kube/config)")
    parser.add_argument("--context", default=None, help="kubeconfig context")
    parser.add_argument("--namespace", default=None,
                        help="namespaces to watch, comma separated, * = all (default: WATCHED_NAMESPACE, watched_namespace, operator namespace)")
    parser.add_argument("--api-port", type=int, default=None,
                        help="REST API and /metrics port (default: the api_port configuration key; -1 disables)")
    parser.add_argument("--leader-elect", dest="leader_elect", action="store_true", default=_env_bool("PGKUBE_LEADER_ELECT", True))
    parser.add_argument("--no-leader-elect", dest="leader_elect", action="store_false", help="reconcile without a Lease (one replica only)")
    parser.add_argument("--leader-election-namespace", default=None, help="namespace of the Lease (default: the operator namespace)")
    parser.add_argument("--leader-election-id", default=None, help="Lease name (default: pgkube-operator[-CONTROLLER_ID])")
    parser.add_argument("--identity", default=env.get("POD_NAME") or None, help="this replica's holder identity (default: POD_NAME or host-pid)")
    parser.add_argument("--lease-duration", type=float, default=15.0)
    parser.add_argument("--renew-deadline", type=float, default=10.0)
    parser.add_argument("--retry-period", type=float, default=2.0)
    parser.add_argument("--watch-nodes", dest="watch_nodes", action="store_true", default=True)
    parser.add_argument("--no-watch-nodes", dest="watch_nodes", action="store_false")
    parser.add_argument("--cache-reads", dest="cache_reads", action="store_true", default=_env_bool("PGKUBE_CACHE_READS", True))
    parser.add_argument("--no-cache-reads", dest="cache_reads", action="store_false",
                        help="native engine: read child objects from the API server instead of the watch caches")
    parser.add_argument("--work-dir", default=env.get("PGKUBE_WORK_DIR") or None,
                        help="ansible engine: ansible-runner input and artifact directories (default: <temp dir>/pgkube-watcher)")
    parser.add_argument("--ansible-verbosity", type=int, default=int(env.get("ANSIBLE_VERBOSITY_POSTGRESQL_ACID_ZALAN_DO") or 0))
    parser.add_argument("--ansible-timeout", type=float, default=900.0, help="seconds before an ansible-runner run is killed")
    parser.add_argument("--shutdown-grace", type=float, default=20.0,
                        help="seconds to let running reconciles finish on SIGTERM before they are abandoned")
    parser.add_argument("--request-timeout", type=float, default=None,
                        help="seconds a Kubernetes request of a reconcile may take (default: PGKUBE_REQUEST_TIMEOUT, else 30)")
    parser.add_argument("--log-level", default=env.get("PGKUBE_LOG_LEVEL", "INFO"))
    parser.add_argument("--backoff-base", type=float, default=0.5, help="first retry delay after a failed reconcile (doubles, capped)")
    parser.add_argument("--backoff-max", type=float, default=300.0)
    return parser.parse_args(argv)


def _env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _seconds(value):
    from pgkube_watcher.watches import parse_go_duration  # pylint: disable=import-outside-toplevel
    return parse_go_duration(value, "--resync-period")


def operator_namespace():
    value = (os.environ.get("OPERATOR_NAMESPACE") or "").strip()
    if value:
        return value
    try:
        with open(IN_CLUSTER_NAMESPACE) as handle:
            return handle.read().strip() or "default"
    except OSError:
        return "default"


def watched_namespaces(flag, cfg):
    """List of namespaces, or [None] for all namespaces."""
    value = flag if flag else (cfg.effective_watched_namespace or "*")
    names = [n.strip() for n in value.split(",") if n.strip()]
    if not names or "*" in names:
        return [None]
    return names


class Watcher:
    """Everything the process runs; ``run()`` blocks until ``stop()`` (SIGTERM/SIGINT)."""

    def __init__(self, args):
        self.args = args
        self.stop_event = threading.Event()
        self._resync_requested = threading.Event()
        self.op_namespace = operator_namespace()
        self.kubeconfig = args.kubeconfig or os.environ.get("K8S_AUTH_KUBECONFIG") or os.environ.get("KUBECONFIG") or None
        auth = {}
        if self.kubeconfig:
            auth["kubeconfig"] = self.kubeconfig
        if args.context:
            auth["context"] = args.context
        self.api_factory = lambda: kubernetes_api_from_params(timeout=args.request_timeout, **auth)
        base = self.api_factory()
        self.dynamic_client = base.client
        self.cache_index = None
        self.http = KubeHttp(base.client.client.configuration)
        self.watch_http = KubeHttp(base.client.client.configuration, pool_size=16)
        self.metrics = metrics_module.METRICS
        self.state = OperatorState()
        self.queue = WorkQueue(base_delay=args.backoff_base, max_delay=args.backoff_max)
        self.config = ConfigWatch(self.http, os.environ, on_change=self._config_changed, default_namespace=self.op_namespace)
        self.watch = None
        self.engine = None
        self.controller = None
        self.leader = AlwaysLeader()
        self.informers = []
        self.workers = []
        self.api_server = None
        self.resync_period = 0
        self.namespaces = []

    # ------------------------------------------------------------------ set-up

    def _load_watch(self):
        path = self.args.watches
        if not os.path.isfile(path):
            if self.args.engine == "ansible":
                raise WatchesError("%s does not exist (the ansible engine needs its role)" % path)
            LOG.info("no watches file at %s; the native engine does not need one", path)
            return None
        watch = find_watch(load_watches(path))
        if watch is None and self.args.engine == "ansible":
            raise WatchesError("%s has no entry for group acid.zalan.do version v1 kind postgresql" % path)
        return watch

    def _make_engine(self, cfg):
        if self.args.engine == "ansible":
            from pgkube_watcher.engines.ansible import AnsibleEngine  # pylint: disable=import-outside-toplevel
            # only the ansible engine needs a writable directory (the native one runs on a read-only root)
            work_dir = self.args.work_dir or os.path.join(tempfile.gettempdir(), "pgkube-watcher")
            return AnsibleEngine(self.watch, self.api_factory, work_dir, kubeconfig=self.kubeconfig,
                                 verbosity=self.args.ansible_verbosity, timeout=self.args.ansible_timeout)
        from pgkube_watcher.engines.native import NativeEngine  # pylint: disable=import-outside-toplevel
        index, dynamic_client = self.cache_index, self.dynamic_client

        def cached_api():
            return CachedKubeApi(dynamic_client, index)
        from ansible_collections.pgkube.operator.plugins.module_utils.roles_step import make_sync_roles  # pylint: disable=import-outside-toplevel
        # roles and databases: skipped per cluster while no master is ready, off with enable_database_access: false
        return NativeEngine(cached_api if index is not None else self.api_factory, controller_id=cfg.controller_id or "",
                            sync_roles_factory=make_sync_roles)

    def _informer(self, path, name, handler, **kwargs):
        informer = Informer(self.watch_http, path, name, handler=handler, on_restart=self.metrics.watch_restarted, **kwargs)
        self.informers.append(informer)
        return informer

    def setup(self):
        self.watch = self._load_watch()
        self.config.start()
        if not self.config.wait_synced(60):
            LOG.warning("configuration: %s not read within 60s; starting with built-in defaults", self.config.description)
        cfg = self.config.current()
        workers = self.args.workers or cfg.workers or 1
        self.resync_period = _seconds(self.args.resync_period) if self.args.resync_period is not None else float(cfg.resync_period or 0)
        namespaces = self.namespaces = watched_namespaces(self.args.namespace, cfg)
        label = cfg.cluster_name_label
        if self.args.cache_reads and self.args.engine == "native":
            self.cache_index = CacheIndex(label)
        self.engine = self._make_engine(cfg)
        if hasattr(self.engine, "warm_up"):
            started = time.monotonic()
            self.engine.warm_up()
            LOG.info("API discovery for the reconcile's kinds done in %.2fs", time.monotonic() - started)
        if hasattr(self.engine, "request_counts"):
            self.metrics.set_api_request_source(self.engine.request_counts)
        self.controller = Controller(self.queue, self.engine, self.config, self.state, self.metrics)
        self.state.set_config(cfg, controller=self._controller_facts(workers, namespaces))
        self.state.set_workers(workers)
        self.state.set_queue_snapshot(lambda: {"0": [row["key"] for row in self.queue.snapshot() if row["state"] == "ready"]})
        for namespace in namespaces:
            where = namespace or "all"
            self.controller.cluster_informers.append(self._informer(
                resource_path("acid.zalan.do/v1", "postgresqls", namespace), "postgresql@" + where, self.controller.cluster_event))
            pods = self._informer(resource_path("v1", "pods", namespace), "pods@" + where, self.controller.pod_event, label_selector=label,
                                  trim=True)
            self.controller.pod_informers.append(pods)
            if self.cache_index is not None:
                self.cache_index.add("Pod", namespace, pods)
                for kind, api_version, plural in CACHED_KINDS:
                    self.cache_index.add(kind, namespace, self._informer(
                        resource_path(api_version, plural, namespace), "%s@%s" % (plural, where), self.controller.dependent_event,
                        label_selector=label, trim=True))
                self._add_pod_account_informers(namespace, where, cfg.pod_service_account_name)
        if self.args.watch_nodes:
            nodes = self._informer(resource_path("v1", "nodes"), "nodes", self.controller.node_event, trim=True)
            if self.cache_index is not None:
                # the lifecycle step reads the master's node (is it being drained?) from here
                self.cache_index.add("Node", None, nodes, accepts=lambda obj: True)
        if self.args.leader_elect:
            cid = cfg.controller_id or ""
            name = self.args.leader_election_id or ("pgkube-operator" + ("-" + cid if cid else ""))
            identity = self.args.identity or "%s-%d" % (socket.gethostname(), os.getpid())
            self.leader = LeaderElector(self.http, self.args.leader_election_namespace or self.op_namespace, name, identity,
                                        self.args.lease_duration, self.args.renew_deadline, self.args.retry_period,
                                        on_started_leading=self._started_leading, on_stopped_leading=self._stopped_leading)
        port = self.args.api_port if self.args.api_port is not None else cfg.api_port
        if port is not None and port >= 0:
            from pgkube_watcher.rest_api import serve  # pylint: disable=import-outside-toplevel
            self.api_server = serve(self.state, port, metrics=self.metrics)
            LOG.info("REST API and /metrics on port %d", self.api_server.port)
        self.workers = [Worker(i, self.queue, self.controller, self.leader, self.stop_event) for i in range(workers)]
        LOG.info("watcher: engine %s, %d workers, namespaces %s, resync every %ss, configuration from %s, controller id %r, leader election %s",
                 self.engine.name, workers, ",".join(n or "*" for n in namespaces), self.resync_period,
                 self.config.description, cfg.controller_id or "", "on" if self.args.leader_elect else "off")

    def _add_pod_account_informers(self, namespace, where, account):
        """The pod ServiceAccount and its RoleBinding (both named ``account`` by default), by name."""
        def accepts(obj):
            return ((obj or {}).get("metadata") or {}).get("name") == account
        for kind, api_version, plural in POD_ACCOUNT_KINDS:
            self.cache_index.add(kind, namespace, self._informer(
                resource_path(api_version, plural, namespace), "%s@%s" % (plural, where), None,
                field_selector="metadata.name=" + account, trim=True), accepts=accepts)

    def _controller_facts(self, workers, namespaces):
        return {"engine": self.args.engine, "workers": workers, "namespaces": [n or "*" for n in namespaces],
                "operator_namespace": self.op_namespace, "config_source": self.config.description,
                "resync_period": self.resync_period, "watches": os.path.abspath(self.args.watches)}

    # ------------------------------------------------------------------ callbacks

    def _config_changed(self, new, _old):
        # the informers keep the namespaces they were started with (watched_namespace is read once)
        self.state.set_config(new, controller=self._controller_facts(len(self.workers), self.namespaces))
        if self.controller is not None:
            self.controller.requeue_all("configuration changed")

    def _started_leading(self):
        self.metrics.set_leader(True)
        if self.controller is not None:
            self.controller.requeue_all("became the leader")

    def _stopped_leading(self):
        self.metrics.set_leader(False)

    # ------------------------------------------------------------------ run

    def run(self):
        for informer in self.informers:
            informer.start()
        self.leader.start()
        if isinstance(self.leader, AlwaysLeader):
            self.metrics.set_leader(True)
        for worker in self.workers:
            worker.start()
        last_resync = time.monotonic()
        ready = False
        while not self.stop_event.wait(1.0):
            if not ready and self.controller.synced():
                ready = True
                self.state.set_ready(True)
                self.state.mark_synced()
                LOG.info("caches synced: %d clusters", len(self.controller.cluster_keys()))
            requested = self._resync_requested.is_set()
            if requested or (self.resync_period and time.monotonic() - last_resync >= self.resync_period):
                self._resync_requested.clear()
                last_resync = time.monotonic()
                if self.leader.is_leader():
                    self.controller.requeue_all("resync requested (SIGUSR1)" if requested else "periodic resync")
                    self.state.mark_synced()
            self.metrics.set_queue_depth(self.queue.depth())
            self.metrics.set_clusters_by_status(self.state.get_cluster_counts())
        return self.shutdown()

    def stop(self, signum=None, _frame=None):
        if signum is not None:
            LOG.info("signal %d: shutting down", signum)
        self.stop_event.set()

    def resync_now(self, _signum=None, _frame=None):
        """SIGUSR1: queue every cluster now (an on-demand resync)."""
        self._resync_requested.set()

    def shutdown(self):
        for informer in self.informers:
            informer.stop()
        self.config.stop()
        self.queue.shutdown()
        deadline = time.monotonic() + self.args.shutdown_grace
        for worker in self.workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        busy = [w.current for w in self.workers if w.is_alive() and w.current]
        if busy:
            LOG.warning("abandoning reconciles in progress: %s", ", ".join(busy))
            self.engine.abort()
            for worker in self.workers:
                worker.join(12.0)
        self.leader.stop()
        self.leader.release()
        if self.api_server is not None:
            self.api_server.shutdown()
        LOG.info("watcher stopped")
        return 0


def main(argv=None):
    args = parse_args(argv)
    json_logs = os.environ.get("ENABLE_JSON_LOGGING", "").strip().lower() in ("1", "true", "yes", "on")
    setup_logging(json_logs=json_logs, level=args.log_level)
    try:
        watcher = Watcher(args)
        watcher.setup()
    except (WatchesError, ValueError) as exc:
        LOG.error("cannot start: %s", exc)
        return 2
    except Exception as exc:  # pylint: disable=broad-except
        # typically the API server is not reachable (yet): one line, exit 1, and the pod restarts
        LOG.error("cannot start: %s: %s", type(exc).__name__, exc)
        return 1
    signal.signal(signal.SIGTERM, watcher.stop)
    signal.signal(signal.SIGINT, watcher.stop)
    signal.signal(signal.SIGUSR1, watcher.resync_now)
    return watcher.run()
