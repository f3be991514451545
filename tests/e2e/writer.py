"""A client that writes through a cluster's master Service in a loop, as an application would:
one committed row per transaction, reconnecting on any error. Used by the lifecycle tests (no row
committed may be lost) and by bench/rolling_update_bench.py (the longest gap between two commits).
"""

import threading
import time

import psycopg2

TABLE = "commit_probe"


class CommitWriter:
    """``CommitWriter(connect)``: ``connect()`` returns a new psycopg2 connection to the master."""

    def __init__(self, connect, pause=0.05):
        self.connect = connect
        self.pause = pause
        self.committed = []        # (id, monotonic time of the commit)
        self.errors = 0
        self._stop = threading.Event()
        self._thread = None

    def prepare(self):
        conn = self.connect()
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("create table if not exists %s (id bigint primary key, at timestamptz default now())" % TABLE)
        finally:
            conn.close()

    def start(self):
        self.prepare()
        self._thread = threading.Thread(target=self._run, name="commit-writer", daemon=True)
        self._thread.start()
        return self

    def _run(self):
        next_id, conn = 1, None
        while not self._stop.is_set():
            try:
                if conn is None:
                    conn = self.connect()
                with conn.cursor() as cur:
                    cur.execute("insert into %s (id) values (%%s)" % TABLE, (next_id,))
                conn.commit()
                self.committed.append((next_id, time.monotonic()))
                next_id += 1
            except psycopg2.Error:
                self.errors += 1
                next_id += 1   # the outcome of a failed commit is unknown: never reuse its id
                if conn is not None:
                    try:
                        conn.close()
                    except psycopg2.Error:
                        pass
                conn = None
                time.sleep(0.1)
                continue
            time.sleep(self.pause)
        if conn is not None:
            conn.close()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def longest_gap(self):
        """Seconds of the longest pause between two successive commits."""
        times = [t for _id, t in self.committed]
        return max((b - a for a, b in zip(times, times[1:])), default=0.0)

    def missing(self):
        """Ids committed (the commit returned) that are not in the table."""
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute("select id from %s" % TABLE)
                present = set(row[0] for row in cur.fetchall())
        finally:
            conn.close()
        return sorted(i for i, _t in self.committed if i not in present)
