"""The watcher's keyed work queue: one worker per key, coalescing, delays, backoff, purge."""

import os
import sys
import threading
import time

WATCHER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "watcher")
if WATCHER not in sys.path:
    sys.path.insert(0, WATCHER)

# pylint: disable=wrong-import-position
from pgkube_watcher.queue import WorkQueue


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_duplicate_adds_coalesce():
    queue = WorkQueue()
    for _attempt in range(5):
        queue.add("ns/a")
    queue.add("ns/b")
    assert queue.depth() == 2
    assert queue.coalesced == 4
    assert queue.get(timeout=0) == "ns/a"
    assert queue.get(timeout=0) == "ns/b"
    assert queue.get(timeout=0) is None


def test_key_is_never_handed_out_twice_while_processing():
    queue = WorkQueue()
    queue.add("ns/a")
    key = queue.get(timeout=0)
    queue.add("ns/a")              # an event while a worker holds the key
    queue.add("ns/a")
    assert queue.get(timeout=0) is None
    assert queue.is_processing("ns/a")
    queue.done(key)
    assert queue.get(timeout=0) == "ns/a"   # re-queued exactly once
    queue.done("ns/a")
    assert queue.get(timeout=0) is None


def test_done_without_new_events_does_not_requeue():
    queue = WorkQueue()
    queue.add("ns/a")
    queue.done(queue.get(timeout=0))
    assert queue.depth() == 0


def test_add_after_waits_and_earliest_due_wins():
    clock = FakeClock()
    queue = WorkQueue(clock=clock)
    queue.add_after("ns/a", 30)
    queue.add_after("ns/a", 10)
    queue.add_after("ns/a", 20)
    assert queue.get(timeout=0) is None
    clock.now += 10
    assert queue.get(timeout=0) == "ns/a"


def test_immediate_add_supersedes_delayed():
    clock = FakeClock()
    queue = WorkQueue(clock=clock)
    queue.add_after("ns/a", 60)
    queue.add("ns/a")
    assert queue.get(timeout=0) == "ns/a"
    queue.done("ns/a")
    clock.now += 120
    assert queue.get(timeout=0) is None


def test_rate_limited_backoff_doubles_and_caps_and_forget_resets():
    queue = WorkQueue(base_delay=1, max_delay=5, clock=FakeClock())
    delays = [queue.add_rate_limited("ns/a") for _attempt in range(5)]
    assert delays == [1, 2, 4, 5, 5]
    assert queue.num_requeues("ns/a") == 5
    queue.forget("ns/a")
    assert queue.num_requeues("ns/a") == 0
    assert queue.add_rate_limited("ns/a") == 1


def test_backoff_is_per_key():
    queue = WorkQueue(base_delay=1, max_delay=100, clock=FakeClock())
    queue.add_rate_limited("ns/a")
    queue.add_rate_limited("ns/a")
    assert queue.add_rate_limited("ns/b") == 1


def test_purge_drops_pending_and_delayed_and_dirty():
    clock = FakeClock()
    queue = WorkQueue(clock=clock)
    queue.add("ns/a")
    queue.add_after("ns/b", 5)
    assert queue.purge("ns/a")
    assert queue.purge("ns/b")
    assert not queue.purge("ns/c")
    clock.now += 10
    assert queue.get(timeout=0) is None
    queue.add("ns/d")
    key = queue.get(timeout=0)
    queue.add("ns/d")
    queue.purge("ns/d")
    queue.done(key)
    assert queue.get(timeout=0) is None


def test_delayed_key_due_while_processing_runs_after_done():
    clock = FakeClock()
    queue = WorkQueue(clock=clock)
    queue.add("ns/a")
    key = queue.get(timeout=0)
    queue.add_after("ns/a", 1)
    clock.now += 2
    assert queue.get(timeout=0) is None
    queue.done(key)
    assert queue.get(timeout=0) == "ns/a"


def test_shutdown_wakes_waiting_workers():
    queue = WorkQueue()
    got = []
    thread = threading.Thread(target=lambda: got.append(queue.get()))
    thread.start()
    time.sleep(0.05)
    queue.shutdown()
    thread.join(5)
    assert not thread.is_alive()
    assert got == [None]
    queue.add("ns/a")
    assert queue.depth() == 0


def test_blocking_get_wakes_on_add():
    queue = WorkQueue()
    got = []
    thread = threading.Thread(target=lambda: got.append(queue.get(timeout=10)))
    thread.start()
    queue.add("ns/a")
    thread.join(10)
    assert got == ["ns/a"]


def test_concurrent_workers_never_share_a_key():
    queue = WorkQueue()
    active, overlaps, processed = set(), [], []
    lock = threading.Lock()
    stop = threading.Event()

    def worker():
        while not stop.is_set():
            key = queue.get(timeout=0.05)
            if key is None:
                continue
            with lock:
                if key in active:
                    overlaps.append(key)
                active.add(key)
            time.sleep(0.001)
            with lock:
                active.discard(key)
                processed.append(key)
            queue.done(key)

    threads = [threading.Thread(target=worker) for _index in range(8)]
    for thread in threads:
        thread.start()
    for i in range(2000):
        queue.add("ns/c%d" % (i % 10))
    deadline = time.monotonic() + 20
    while (queue.depth() or any(queue.is_processing("ns/c%d" % i) for i in range(10))) and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    for thread in threads:
        thread.join(5)
    assert overlaps == []
    assert set(processed) == set("ns/c%d" % i for i in range(10))
    assert len(processed) < 2000        # duplicates coalesced


def test_snapshot_lists_states():
    clock = FakeClock()
    queue = WorkQueue(clock=clock)
    queue.add("ns/a")
    queue.add("ns/b")
    queue.add_after("ns/c", 5)
    queue.get(timeout=0)
    states = dict((row["key"], row["state"]) for row in queue.snapshot())
    assert states == {"ns/a": "processing", "ns/b": "ready", "ns/c": "scheduled"}
