"""Event building and deduplication (plugins/module_utils/events.py) against an in-memory store."""

from ansible_collections.pgkube.operator.plugins.module_utils import events as ev
from ansible_collections.pgkube.operator.plugins.module_utils.errors import KubernetesError

CR = {"apiVersion": "acid.zalan.do/v1", "kind": "postgresql",
      "metadata": {"name": "acid-a", "namespace": "ns", "uid": "1234-uid", "generation": 1}}


class MemoryApi:
    """Just get / create / patch of Events, keyed by (namespace, name), counting calls."""

    def __init__(self, dry_run=False, fail=None):
        self.objects = {}
        self.dry_run = dry_run
        self.calls = []
        self.fail = fail

    def get(self, kind, api_version, namespace, name):
        self.calls.append("get")
        if self.fail:
            raise KubernetesError(self.fail, status=403)
        return self.objects.get((namespace, name))

    def create(self, obj):
        self.calls.append("create")
        key = (obj["metadata"]["namespace"], obj["metadata"]["name"])
        if key in self.objects:
            raise KubernetesError("exists", status=409)
        self.objects[key] = dict(obj)
        return obj

    def patch(self, kind, api_version, namespace, name, patch, subresource=None):
        self.calls.append("patch")
        if (namespace, name) not in self.objects:
            raise KubernetesError("not found", status=404)
        self.objects[(namespace, name)].update(patch)
        return self.objects[(namespace, name)]


def test_event_body():
    body = ev.build_event(CR, "Warning", "Sync", "Invalid manifest: spec.volume.size: bad", instance="host-1", now="2026-01-01T00:00:00Z")
    assert body["involvedObject"] == {"apiVersion": "acid.zalan.do/v1", "kind": "postgresql", "name": "acid-a", "namespace": "ns", "uid": "1234-uid"}
    assert body["metadata"]["namespace"] == "ns" and body["metadata"]["name"].startswith("acid-a.")
    assert (body["type"], body["reason"], body["count"]) == ("Warning", "Sync", 1)
    assert body["source"] == {"component": "pgkube-operator", "host": "host-1"}
    assert body["firstTimestamp"] == body["lastTimestamp"] == "2026-01-01T00:00:00Z"


def test_name_depends_on_type_reason_message_and_uid():
    base = ev.event_name(CR, "Normal", "Create", "m")
    assert base == ev.event_name(CR, "Normal", "Create", "m")
    assert base != ev.event_name(CR, "Warning", "Create", "m")
    assert base != ev.event_name(CR, "Normal", "Update", "m")
    assert base != ev.event_name(CR, "Normal", "Create", "n")
    other = dict(CR, metadata=dict(CR["metadata"], uid="other"))
    assert base != ev.event_name(other, "Normal", "Create", "m")


def test_identical_event_bumps_count():
    api = MemoryApi()
    recorder = ev.EventRecorder(api, instance="h")
    recorder.normal(CR, "Create", "Started creation of new cluster resources")
    recorder.normal(CR, "Create", "Started creation of new cluster resources")
    recorder.normal(CR, "Create", "Started creation of new cluster resources")
    assert len(api.objects) == 1
    stored = list(api.objects.values())[0]
    assert stored["count"] == 3
    assert api.calls == ["get", "create", "get", "patch", "get", "patch"]


def test_different_events_are_separate_objects():
    api = MemoryApi()
    recorder = ev.EventRecorder(api, instance="h")
    recorder.normal(CR, "Create", "a")
    recorder.warning(CR, "Create", "a")
    assert len(api.objects) == 2


def test_dry_run_sends_nothing_but_records():
    api = MemoryApi(dry_run=True)
    recorder = ev.EventRecorder(api, instance="h")
    assert recorder.normal(CR, "Create", "x") is None
    assert api.calls == [] and recorder.recorded == [("Normal", "Create", "x")]


def test_api_errors_are_kept_not_raised():
    recorder = ev.EventRecorder(MemoryApi(fail="forbidden"), instance="h")
    assert recorder.warning(CR, "Sync", "x") is None
    assert recorder.errors and "forbidden" in recorder.errors[0]


def test_messages_are_made_safe():
    api = MemoryApi()
    ev.EventRecorder(api, instance="h").warning(CR, "Sync", "password: hunter2")
    assert "hunter2" not in str(api.objects)


def test_with_a_memory_a_new_event_is_created_without_a_read_and_a_repeat_bumped_without_one():
    api, memory = MemoryApi(), ev.EventMemory()
    ev.EventRecorder(api, instance="h", memory=memory).normal(CR, "Create", "Started creation")
    assert api.calls == ["create"]
    ev.EventRecorder(api, instance="h", memory=memory).normal(CR, "Create", "Started creation")
    assert api.calls == ["create", "patch"]
    stored = list(api.objects.values())
    assert len(stored) == 1 and stored[0]["count"] == 2 and memory.count(next(iter(api.objects))) == 2


def test_with_a_fresh_memory_an_event_sent_before_is_read_and_bumped():
    api = MemoryApi()
    ev.EventRecorder(api, instance="h").normal(CR, "Create", "Started creation")
    api.calls.clear()
    ev.EventRecorder(api, instance="h", memory=ev.EventMemory()).normal(CR, "Create", "Started creation")
    assert api.calls == ["create", "get", "patch"]
    assert next(iter(api.objects.values()))["count"] == 2


def test_a_remembered_event_that_expired_is_created_again():
    api, memory = MemoryApi(), ev.EventMemory()
    ev.EventRecorder(api, instance="h", memory=memory).normal(CR, "Create", "Started creation")
    api.objects.clear()  # the API server's event TTL
    ev.EventRecorder(api, instance="h", memory=memory).normal(CR, "Create", "Started creation")
    assert api.calls == ["create", "patch", "create"]
    assert next(iter(api.objects.values()))["count"] == 1


def test_the_memory_keeps_the_newest_events_only():
    memory = ev.EventMemory(capacity=2)
    for number in range(3):
        memory.remember(("ns", "e%d" % number), 1)
    assert len(memory) == 2 and memory.count(("ns", "e0")) is None and memory.count(("ns", "e2")) == 1
