"""Prometheus metrics of the watcher, on a registry of our own (never the global one).

The watcher calls the module-level helpers (``observe_reconcile``, ``reconcile_error``,
``set_queue_depth``, ``watch_restarted``, ``set_leader``, ``set_clusters_by_status``); the
REST API serves ``generate()`` on ``/metrics``. Tests build their own ``Metrics()`` so that
counts do not leak between tests.
"""

import threading

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily

# Reconciles take from milliseconds (no-op native sync) to minutes (rolling update via a role).
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
RESULTS = ("ok", "error", "requeue", "invalid", "skipped")


API_REQUEST_KINDS = ("read", "write", "cache")


class _ApiRequestCollector:
    """``pgkube_api_requests_total{kind}`` read at scrape time from the engine's own counts."""

    def __init__(self):
        self.source = None

    def describe(self):
        return []

    def collect(self):
        if self.source is None:
            return
        counts = self.source() or {}
        family = CounterMetricFamily(
            "pgkube_api_requests", "Kubernetes API requests of the reconciles in this process, by kind: read and write went "
            "to the API server, cache is a read answered from a watch cache.", labels=("kind",))
        for kind in API_REQUEST_KINDS:
            family.add_metric((kind,), float(counts.get(kind, 0)))
        yield family


class Metrics:
    """The metric objects on one ``CollectorRegistry``."""

    def __init__(self, registry=None):
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self._clusters_lock = threading.Lock()
        self.reconcile_total = Counter(
            "pgkube_reconcile", "Reconciles finished, by engine (native, ansible ...) and result (ok, error, requeue ...).",
            ("engine", "result"), registry=self.registry)
        self.reconcile_duration = Histogram(
            "pgkube_reconcile_duration_seconds", "Wall-clock time of one reconcile, by engine.",
            ("engine",), buckets=DURATION_BUCKETS, registry=self.registry)
        self.reconcile_errors = Counter(
            "pgkube_reconcile_errors", "Reconciles that failed, by engine and reason (a short machine word, never a message).",
            ("engine", "reason"), registry=self.registry)
        self.queue_depth = Gauge(
            "pgkube_queue_depth", "Cluster keys waiting in the work queue.", registry=self.registry)
        self.clusters = Gauge(
            "pgkube_clusters", "Known clusters by status (Running, SyncFailed, Invalid, ...).",
            ("status",), registry=self.registry)
        self.watch_restarts = Counter(
            "pgkube_watch_restarts", "Watches that were restarted (expired, closed, errored), by watched kind.",
            ("kind",), registry=self.registry)
        self.leader = Gauge(
            "pgkube_leader", "1 while this replica holds the leader Lease, else 0.", registry=self.registry)
        self._api_requests = _ApiRequestCollector()
        self.registry.register(self._api_requests)

    def set_api_request_source(self, source):
        """``source() -> {"read": n, "write": n, "cache": n}`` (totals so far) feeds ``pgkube_api_requests_total``."""
        self._api_requests.source = source

    def observe_reconcile(self, engine, seconds, result="ok"):
        """One reconcile of ``engine`` took ``seconds`` and ended with ``result``."""
        self.reconcile_total.labels(engine=str(engine), result=str(result)).inc()
        self.reconcile_duration.labels(engine=str(engine)).observe(max(0.0, float(seconds)))

    def reconcile_error(self, engine, reason):
        """A reconcile of ``engine`` failed for ``reason`` (e.g. ``"Invalid"``, ``"KubernetesError"``)."""
        self.reconcile_errors.labels(engine=str(engine), reason=str(reason)).inc()

    def set_queue_depth(self, depth):
        self.queue_depth.set(int(depth))

    def set_clusters_by_status(self, counts):
        """Replace the ``pgkube_clusters`` series by ``{status: count}`` (statuses not given vanish)."""
        with self._clusters_lock:
            self.clusters.clear()
            for status, count in (counts or {}).items():
                self.clusters.labels(status=str(status)).set(int(count))

    def watch_restarted(self, kind):
        self.watch_restarts.labels(kind=str(kind)).inc()

    def set_leader(self, is_leader):
        self.leader.set(1 if is_leader else 0)

    def generate(self):
        """The Prometheus text exposition of this registry (bytes)."""
        with self._clusters_lock:
            return generate_latest(self.registry)


METRICS = Metrics()
"""The process-wide instance the watcher uses."""
REGISTRY = METRICS.registry
CONTENT_TYPE = CONTENT_TYPE_LATEST


def observe_reconcile(engine, seconds, result="ok"):
    METRICS.observe_reconcile(engine, seconds, result)


def reconcile_error(engine, reason):
    METRICS.reconcile_error(engine, reason)


def set_queue_depth(depth):
    METRICS.set_queue_depth(depth)


def set_clusters_by_status(counts):
    METRICS.set_clusters_by_status(counts)


def watch_restarted(kind):
    METRICS.watch_restarted(kind)


def set_leader(is_leader):
    METRICS.set_leader(is_leader)


def generate():
    return METRICS.generate()
