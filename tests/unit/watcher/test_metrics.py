"""The watcher's Prometheus metrics (own registry, helpers)."""

import os
import sys

WATCHER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "watcher")
if WATCHER not in sys.path:
    sys.path.insert(0, WATCHER)

# pylint: disable=wrong-import-position
import prometheus_client
from prometheus_client.parser import text_string_to_metric_families

from pgkube_watcher import metrics
from pgkube_watcher.metrics import Metrics


def families(text):
    return dict((family.name, family) for family in text_string_to_metric_families(text.decode("utf-8")))


def test_every_metric_is_exposed_with_its_type():
    found = families(Metrics().generate())
    assert found["pgkube_reconcile"].type == "counter"
    assert found["pgkube_reconcile_duration_seconds"].type == "histogram"
    assert found["pgkube_reconcile_errors"].type == "counter"
    assert found["pgkube_queue_depth"].type == "gauge"
    assert found["pgkube_clusters"].type == "gauge"
    assert found["pgkube_watch_restarts"].type == "counter"
    assert found["pgkube_leader"].type == "gauge"


def test_helpers_update_the_samples():
    m = Metrics()
    m.observe_reconcile("native", 0.2, "ok")
    m.observe_reconcile("native", 3.0, "error")
    m.observe_reconcile("ansible", 12.5)
    m.reconcile_error("native", "KubernetesError")
    m.set_queue_depth(7)
    m.watch_restarted("postgresql")
    m.watch_restarted("postgresql")
    m.set_leader(True)
    value = m.registry.get_sample_value
    assert value("pgkube_reconcile_total", {"engine": "native", "result": "ok"}) == 1
    assert value("pgkube_reconcile_total", {"engine": "native", "result": "error"}) == 1
    assert value("pgkube_reconcile_total", {"engine": "ansible", "result": "ok"}) == 1
    assert value("pgkube_reconcile_duration_seconds_count", {"engine": "native"}) == 2
    assert value("pgkube_reconcile_duration_seconds_sum", {"engine": "native"}) == 3.2
    assert value("pgkube_reconcile_duration_seconds_bucket", {"engine": "native", "le": "0.25"}) == 1
    assert value("pgkube_reconcile_duration_seconds_bucket", {"engine": "native", "le": "+Inf"}) == 2
    assert value("pgkube_reconcile_errors_total", {"engine": "native", "reason": "KubernetesError"}) == 1
    assert value("pgkube_queue_depth") == 7
    assert value("pgkube_watch_restarts_total", {"kind": "postgresql"}) == 2
    assert value("pgkube_leader") == 1
    m.set_leader(False)
    assert value("pgkube_leader") == 0


def test_negative_duration_is_clamped():
    m = Metrics()
    m.observe_reconcile("native", -1)
    assert m.registry.get_sample_value("pgkube_reconcile_duration_seconds_sum", {"engine": "native"}) == 0


def test_clusters_by_status_replaces_old_series():
    m = Metrics()
    m.set_clusters_by_status({"Running": 3, "SyncFailed": 1})
    assert m.registry.get_sample_value("pgkube_clusters", {"status": "SyncFailed"}) == 1
    m.set_clusters_by_status({"Running": 4})
    assert m.registry.get_sample_value("pgkube_clusters", {"status": "Running"}) == 4
    assert m.registry.get_sample_value("pgkube_clusters", {"status": "SyncFailed"}) is None
    assert b'pgkube_clusters{status="Running"} 4.0' in m.generate()


def test_own_registry_not_the_global_one():
    assert metrics.REGISTRY is not prometheus_client.REGISTRY
    assert prometheus_client.REGISTRY.get_sample_value("pgkube_queue_depth") is None
    assert Metrics().registry is not Metrics().registry


def test_module_helpers_use_the_process_wide_instance():
    before = metrics.REGISTRY.get_sample_value("pgkube_reconcile_total", {"engine": "test-engine", "result": "ok"}) or 0
    metrics.observe_reconcile("test-engine", 0.01, "ok")
    metrics.reconcile_error("test-engine", "Invalid")
    metrics.set_queue_depth(3)
    metrics.watch_restarted("test-kind")
    metrics.set_leader(True)
    metrics.set_clusters_by_status({"Running": 2})
    value = metrics.REGISTRY.get_sample_value
    assert value("pgkube_reconcile_total", {"engine": "test-engine", "result": "ok"}) == before + 1
    assert value("pgkube_reconcile_errors_total", {"engine": "test-engine", "reason": "Invalid"}) >= 1
    assert value("pgkube_queue_depth") == 3
    assert value("pgkube_leader") == 1
    assert value("pgkube_clusters", {"status": "Running"}) == 2
    assert b"pgkube_watch_restarts_total{kind=\"test-kind\"}" in metrics.generate()


def test_api_requests_come_from_the_engine_counts_at_scrape_time():
    m = Metrics()
    assert "pgkube_api_requests" not in families(m.generate())      # no engine counts: no series
    counts = {"read": 3, "write": 1, "cache": 10}
    m.set_api_request_source(lambda: dict(counts))
    found = families(m.generate())["pgkube_api_requests"]
    assert found.type == "counter"
    assert dict((s.labels["kind"], s.value) for s in found.samples if s.name.endswith("_total")) == {"read": 3.0, "write": 1.0, "cache": 10.0}
    counts["cache"] = 12
    found = families(m.generate())["pgkube_api_requests"]
    assert [s.value for s in found.samples if s.labels["kind"] == "cache" and s.name.endswith("_total")] == [12.0]
