"""Reads from the watch caches: what the cache may answer, and write-through of our own writes."""

import json
import os
import sys
import threading

WATCHER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "watcher")
if WATCHER not in sys.path:
    sys.path.insert(0, WATCHER)

# pylint: disable=wrong-import-position
from ansible_collections.pgkube.operator.plugins.module_utils.errors import AlreadyExistsError
from ansible_collections.pgkube.operator.plugins.module_utils.kube.api import KubeApi
from pgkube_watcher.cache_api import CacheIndex, CachedKubeApi, parse_equality_selector
from pgkube_watcher.informer import Informer


def informer(objects, synced=True):
    inf = Informer(http=None, path="/x", name="test")
    for obj in objects:
        inf.upsert(obj)
    if synced:
        inf.synced.set()
    return inf


def obj(kind, name, rv="1", labels=None, namespace="ns"):
    return {"kind": kind, "metadata": {"name": name, "namespace": namespace, "resourceVersion": rv,
                                       "labels": labels if labels is not None else {"cluster-name": "acid-a"}}}


def test_equality_selectors_only():
    assert parse_equality_selector("a=b,c=d") == {"a": "b", "c": "d"}
    assert parse_equality_selector("a==b") == {"a": "b"}
    assert parse_equality_selector("a!=b") is None
    assert parse_equality_selector("a in (b)") is None
    assert parse_equality_selector("a") is None


def test_lookup_hits_and_misses_fall_back():
    index = CacheIndex("cluster-name")
    index.add("Service", "ns", informer([obj("Service", "acid-a")]))
    assert index.lookup("Service", "ns", "acid-a")["metadata"]["name"] == "acid-a"
    assert index.lookup("Service", "ns", "other") is None          # caller asks the API server
    assert index.lookup("Service", "elsewhere", "acid-a") is None
    assert index.lookup("Secret", "ns", "acid-a") is None


def test_unsynced_informer_is_not_used():
    index = CacheIndex("cluster-name")
    index.add("Service", "ns", informer([obj("Service", "acid-a")], synced=False))
    assert index.lookup("Service", "ns", "acid-a") is None
    assert index.select("Service", "ns", "cluster-name=acid-a") is None


def test_select_needs_the_required_label():
    index = CacheIndex("cluster-name")
    index.add("Pod", None, informer([obj("Pod", "acid-a-0"), obj("Pod", "acid-b-0", labels={"cluster-name": "acid-b"}),
                                     obj("Pod", "acid-a-0", namespace="other")]))
    assert [o["metadata"]["name"] for o in index.select("Pod", "ns", "cluster-name=acid-a")] == ["acid-a-0"]
    assert index.select("Pod", "ns", "application=spilo") is None


def test_write_through_newer_version_wins_and_delete_discards():
    index = CacheIndex("cluster-name")
    inf = informer([obj("Service", "acid-a", rv="5")])
    index.add("Service", "ns", inf)
    index.store(obj("Service", "acid-a", rv="4"))
    assert inf.get("ns/acid-a")["metadata"]["resourceVersion"] == "5"
    index.store(obj("Service", "acid-a", rv="7"))
    assert inf.get("ns/acid-a")["metadata"]["resourceVersion"] == "7"
    index.store(obj("Service", "acid-new", rv="8"))
    assert inf.get("ns/acid-new") is not None
    index.store(obj("Service", "unlabelled", rv="9", labels={}))
    assert inf.get("ns/unlabelled") is None
    index.remove("Service", "ns", "acid-a")
    assert inf.get("ns/acid-a") is None


def test_name_selected_informer_stores_by_its_predicate_not_the_label():
    index = CacheIndex("cluster-name")
    inf = informer([obj("ServiceAccount", "postgres-pod", labels={})])
    index.add("ServiceAccount", None, inf, accepts=lambda o: o["metadata"]["name"] == "postgres-pod")
    assert index.lookup("ServiceAccount", "ns", "postgres-pod") is not None
    index.store(obj("ServiceAccount", "postgres-pod", rv="3", labels={}, namespace="team-b"))
    assert inf.get("team-b/postgres-pod") is not None         # a new namespace's account, written by us
    index.store(obj("ServiceAccount", "other", rv="4"))        # labelled, but not the name the informer selects
    assert inf.get("ns/other") is None


def test_informer_upsert_is_thread_safe():
    inf = informer([])
    threads = [threading.Thread(target=lambda i=i: [inf.upsert(obj("Pod", "p%d" % (i * 100 + j))) for j in range(100)]) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(inf) == 400


def test_an_empty_synced_cache_answers_lists():
    index = CacheIndex("cluster-name")
    index.add("Pod", "ns", informer([]))
    assert index.select("Pod", "ns", "application=spilo,cluster-name=acid-a") == []


class ServerStandIn(KubeApi):
    """What the API server holds, for ``CachedKubeApi``'s calls past the cache (no network)."""

    def __init__(self, index, objects=()):
        super().__init__(None)
        self.index = index
        self.server = dict(((o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]), o) for o in objects)
        self.sent = []

    def get(self, kind, api_version, namespace, name):
        self.sent.append(("get", name))
        return self.server.get((kind, namespace, name))

    def create(self, obj):
        key = (obj["kind"], obj["metadata"]["namespace"], obj["metadata"]["name"])
        self.sent.append(("create", key[2]))
        if key in self.server:
            raise AlreadyExistsError("creating %s: already exists" % key[2], status=409)
        self.server[key] = dict(obj, metadata=dict(obj["metadata"], resourceVersion="9"))
        return self.server[key]


class Cached(CachedKubeApi, ServerStandIn):
    def __init__(self, index, objects=()):  # pylint: disable=super-init-not-called
        ServerStandIn.__init__(self, index, objects)
        self.requests["cache"] = 0


def test_a_child_missing_from_a_synced_cache_is_absent_without_a_read():
    index = CacheIndex("cluster-name")
    index.add("Secret", "ns", informer([obj("Secret", "mine")]))
    api = Cached(index)
    assert api.get_child("Secret", "v1", "ns", "mine")["metadata"]["name"] == "mine"
    assert api.get_child("Secret", "v1", "ns", "new") is None
    assert api.sent == [] and api.requests["cache"] == 2
    assert api.get("Secret", "v1", "ns", "users-own") is None      # not a child: the API server is asked
    assert api.sent == [("get", "users-own")]
    index.add("Service", "ns", informer([], synced=False))
    assert api.get_child("Service", "v1", "ns", "acid-a") is None
    assert api.sent[-1] == ("get", "acid-a")                         # an unsynced cache knows nothing


def test_a_create_that_collides_marks_the_name_as_outside_the_cache():
    index = CacheIndex("cluster-name")
    index.add("Secret", "ns", informer([]))
    by_hand = obj("Secret", "postgres.acid-a.credentials", labels={})
    api = Cached(index, [by_hand])
    assert api.get_child("Secret", "v1", "ns", "postgres.acid-a.credentials") is None
    try:
        api.create(obj("Secret", "postgres.acid-a.credentials"))
        raise AssertionError("the create should collide")
    except AlreadyExistsError:
        pass
    assert api.get_child("Secret", "v1", "ns", "postgres.acid-a.credentials") == by_hand
    assert api.sent[-1] == ("get", "postgres.acid-a.credentials")


def test_workers_creating_the_shared_service_account_send_one_create():
    index = CacheIndex("cluster-name")
    index.add("ServiceAccount", "ns", informer([]), accepts=lambda o: o["metadata"]["name"] == "postgres-pod")
    api = Cached(index)
    start = threading.Barrier(4)

    def create():
        start.wait()
        api.create(obj("ServiceAccount", "postgres-pod", labels={}))
    threads = [threading.Thread(target=create) for _number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert api.sent == [("create", "postgres-pod")]


def test_a_trimming_informer_stores_objects_without_managed_fields():
    inf = Informer(http=None, path="/x", name="test", trim=True)
    written = obj("Secret", "s")
    written["metadata"]["managedFields"] = [{"manager": "pgkube", "operation": "Update"}]
    inf.upsert(written)
    assert "managedFields" not in inf.get("ns/s")["metadata"]
    assert written["metadata"]["managedFields"]  # the caller's object is left as it was
    newer = dict(written, metadata=dict(written["metadata"], resourceVersion="2"))
    inf._handle_line(json.dumps({"type": "MODIFIED", "object": newer}))  # pylint: disable=protected-access
    assert "managedFields" not in inf.get("ns/s")["metadata"] and inf.get("ns/s")["metadata"]["resourceVersion"] == "2"
