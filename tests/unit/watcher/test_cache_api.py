"""Reads from the watch caches: what the cache may answer, and write-through of our own writes."""

import os
import sys
import threading

WATCHER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "watcher")
if WATCHER not in sys.path:
    sys.path.insert(0, WATCHER)

# pylint: disable=wrong-import-position
from pgkube_watcher.cache_api import CacheIndex, parse_equality_selector
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
