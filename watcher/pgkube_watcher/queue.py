# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A keyed work queue with the guarantees the watcher relies on.

- A key (``namespace/name`` of a cluster) is handed to at most one worker at a time: while it is
  being processed, new ``add`` calls only mark it dirty, and ``done`` puts it back once.
- Duplicate events coalesce: a key waiting in the queue is not queued twice.
- ``add_after`` schedules a key for later (resync, requeue-after); the earliest due time wins and an
  immediate ``add`` supersedes a pending delayed one.
- ``add_rate_limited`` schedules a retry with per-key exponential backoff (``base_delay * 2**n``,
  capped at ``max_delay``); ``forget`` resets the count after a success.
- ``purge`` drops everything pending for a key (a deleted cluster's stale retries).
- ``shutdown`` wakes every waiting worker; ``get`` then returns None.
"""

import collections
import threading
import time


class WorkQueue:
    """Thread-safe keyed queue; see the module docstring."""

    def __init__(self, base_delay=0.5, max_delay=300.0, clock=time.monotonic):
        self.base_delay = float(base_delay)
        self.max_delay = float(max_delay)
        self._clock = clock
        self._cond = threading.Condition()
        self._ready = collections.OrderedDict()   # key -> time it became ready (FIFO, de-duplicated)
        self._delayed = {}                          # key -> due time
        self._processing = {}                       # key -> time processing started
        self._dirty = set()                         # added again while processing
        self._failures = {}
        self._shutdown = False
        self.coalesced = 0

    # ---------------------------------------------------------------- adding

    def add(self, key):
        """Queue ``key`` now (no-op when it is already waiting)."""
        with self._cond:
            if self._shutdown:
                return
            self._delayed.pop(key, None)
            self._add_locked(key)

    def _add_locked(self, key):
        if key in self._processing:
            if key in self._dirty:
                self.coalesced += 1
            self._dirty.add(key)
            return
        if key in self._ready:
            self.coalesced += 1
            return
        self._ready[key] = self._clock()
        self._cond.notify()

    def add_after(self, key, delay):
        """Queue ``key`` after ``delay`` seconds (the earliest pending due time wins)."""
        if delay is None or delay <= 0:
            self.add(key)
            return
        with self._cond:
            if self._shutdown:
                return
            if key in self._ready or key in self._dirty:
                self.coalesced += 1
                return
            due = self._clock() + float(delay)
            current = self._delayed.get(key)
            if current is None or due < current:
                self._delayed[key] = due
                self._cond.notify()

    def add_rate_limited(self, key):
        """Retry ``key`` after its backoff delay; returns the delay chosen."""
        with self._cond:
            failures = self._failures.get(key, 0)
            self._failures[key] = failures + 1
        delay = min(self.base_delay * (2 ** min(failures, 32)), self.max_delay)
        self.add_after(key, delay)
        return delay

    def forget(self, key):
        """Reset the backoff of ``key`` (call after a successful run)."""
        with self._cond:
            self._failures.pop(key, None)

    def num_requeues(self, key):
        with self._cond:
            return self._failures.get(key, 0)

    def purge(self, key):
        """Drop everything pending for ``key``; returns True when something was dropped."""
        with self._cond:
            dropped = self._ready.pop(key, None) is not None
            dropped = (self._delayed.pop(key, None) is not None) or dropped
            if key in self._dirty:
                self._dirty.discard(key)
                dropped = True
            self._failures.pop(key, None)
            return dropped

    # ---------------------------------------------------------------- taking

    def _promote_due_locked(self, now):
        due = [key for key, when in self._delayed.items() if when <= now]
        for key in sorted(due, key=lambda k: self._delayed[k]):
            del self._delayed[key]
            self._add_locked(key)

    def get(self, timeout=None):
        """The next key to process (marked as processing), or None on shutdown or timeout."""
        deadline = None if timeout is None else self._clock() + timeout
        with self._cond:
            while True:
                now = self._clock()
                self._promote_due_locked(now)
                if self._ready and not self._shutdown:
                    key = self._ready.popitem(last=False)[0]
                    self._processing[key] = now
                    return key
                if self._shutdown:
                    return None
                waits = []
                if self._delayed:
                    waits.append(min(self._delayed.values()) - now)
                if deadline is not None:
                    if now >= deadline:
                        return None
                    waits.append(deadline - now)
                self._cond.wait(max(0.0, min(waits)) if waits else None)

    def done(self, key):
        """``key`` is processed; if it was added meanwhile it is queued again."""
        with self._cond:
            self._processing.pop(key, None)
            if key in self._dirty:
                self._dirty.discard(key)
                if not self._shutdown and key not in self._ready:
                    self._ready[key] = self._clock()
                    self._cond.notify()

    # ---------------------------------------------------------------- lifecycle and views

    def shutdown(self):
        with self._cond:
            self._shutdown = True
            self._cond.notify_all()

    @property
    def is_shutdown(self):
        with self._cond:
            return self._shutdown

    def depth(self):
        """Keys waiting (ready or scheduled), not counting those being processed."""
        with self._cond:
            return len(self._ready) + len(self._delayed) + len(self._dirty)

    def __len__(self):
        return self.depth()

    def is_processing(self, key):
        with self._cond:
            return key in self._processing

    def snapshot(self):
        """A list of ``{"key", "state", "seconds"}`` for the REST API (ready / scheduled / processing)."""
        with self._cond:
            now = self._clock()
            rows = [{"key": k, "state": "ready", "seconds": round(now - t, 3)} for k, t in self._ready.items()]
            rows.extend({"key": k, "state": "scheduled", "seconds": round(t - now, 3)}
                        for k, t in sorted(self._delayed.items(), key=lambda kv: kv[1]))
            rows.extend({"key": k, "state": "processing", "seconds": round(now - t, 3), "dirty": k in self._dirty}
                        for k, t in self._processing.items())
            return rows
