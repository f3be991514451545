"""What the watcher knows about itself, for the REST API (``rest_api.py``).

``OperatorState`` is a thread-safe registry with a single lock. The workers write to it
(``cluster_seen``, ``cluster_status``, ``worker_busy``, ``cluster_log`` ...) and the REST API
reads from it (the ``get_*`` methods). Every read returns a deep copy, so a caller can
serialise the result without holding the lock.

Secrets: callers pass no secrets, but everything stored goes through ``scrub()``, which
drops keys named like a password, secret, token or key (``is_secret_key``) and redacts the
``value`` of container environment entries whose ``name`` looks like one. The operator
configuration is stored only as ``OperatorConfig.as_dict(redact=True)``, scrubbed again.
"""

import collections
import copy
import re
import threading
import time

REDACTED = "<redacted>"
DEFAULT_RING_LOG_LINES = 100
DEFAULT_CLUSTER_HISTORY_ENTRIES = 1000
ALL_WORKERS = "all"
IDLE = "idle"

_SECRET_WORDS = re.compile(
    r"passw(or)?d|secret|token|credential|private_?key|access_?key|api_?key|account_?key|auth_?key|signing_?key|session_?key",
    re.IGNORECASE,
)
# Names of things that are *not* secret values although their name contains a secret word:
# names of Secret objects, templates, flags, user-name lists, key names inside a Secret.
_NOT_SECRET = re.compile(
    r"(^|_)enable|rotation|(name|names|template|namespace|path|file|mount|ref|key_?name)$|^(secretname|userkey|passwordkey|rolekey)$",
    re.IGNORECASE,
)
# Configuration keys whose value is the *name* of a Secret object (upstream naming).
_CONFIG_SECRET_OBJECT_KEYS = frozenset((
    "pod_environment_secret",
    "logical_backup_cronjob_environment_secret",
    "infrastructure_roles_secrets",
))
# Maps whose keys are names chosen by the user (roles, databases, schemas, extensions, Postgres
# parameters, slots): their keys are never dropped (a database may be called "secrets"), their
# values are scrubbed as usual.
NAME_MAPS = frozenset(("users", "databases", "preparedDatabases", "schemas", "extensions", "parameters", "slots"))


def is_secret_key(key):
    """True when a mapping key is named like something secret (``password``, ``s3_secret_access_key``,
    ``token``, ``api_key`` ...), and not like the *name* of a secret (``secretName``,
    ``secret_name_template``, ``enable_password_rotation``)."""
    if not isinstance(key, str):
        return False
    return bool(_SECRET_WORDS.search(key)) and not _NOT_SECRET.search(key)


def scrub(value, names_map=False):
    """A deep copy of ``value`` with secret-named keys dropped (see ``is_secret_key``).

    Container environment entries (``{"name": "PGPASSWORD", "value": ...}``) whose name looks
    secret keep their name but get ``"<redacted>"`` as value. The keys of the maps listed in
    ``NAME_MAPS`` (and of ``value`` itself when ``names_map``) are user-chosen names and kept."""
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if not names_map and is_secret_key(key):
                continue
            result[key] = scrub(item, names_map=key in NAME_MAPS and not names_map)
        if isinstance(result.get("name"), str) and "value" in result and is_secret_key(result["name"]):
            result["value"] = REDACTED
        return result
    if isinstance(value, (list, tuple)):
        return [scrub(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted((scrub(item) for item in value), key=str)
    return copy.deepcopy(value)


def scrub_config(values):
    """The operator configuration for display: secret-named keys keep their key with the value
    ``"<redacted>"`` when set (so one can see *that* it is set), nested secret keys are dropped."""
    result = {}
    for key, item in (values or {}).items():
        if key in _CONFIG_SECRET_OBJECT_KEYS:
            result[key] = scrub(item)
        elif is_secret_key(key):
            result[key] = REDACTED if item not in (None, "", [], {}) else item
        else:
            result[key] = scrub(item)
    return result


def cluster_key(namespace, name):
    return "%s/%s" % (namespace, name)


def _worker_key(worker_id):
    return str(worker_id)


def _iso(timestamp):
    if timestamp is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


class _Cluster:
    __slots__ = ("namespace", "name", "team", "spec", "status", "error", "objects", "worker",
                 "process", "process_start", "logs", "history", "seen")

    def __init__(self, namespace, name, ring_log_lines, history_entries):
        self.namespace = namespace
        self.name = name
        self.team = None
        self.spec = {}
        self.status = None
        self.error = None
        self.objects = {}
        self.worker = None
        self.process = None
        self.process_start = None
        self.logs = collections.deque(maxlen=ring_log_lines)
        self.history = collections.deque(maxlen=history_entries)
        self.seen = False


class _Worker:
    __slots__ = ("cluster", "process", "process_start", "logs", "queue_keys", "queue_items")

    def __init__(self, ring_log_lines):
        self.cluster = None
        self.process = None
        self.process_start = None
        self.logs = collections.deque(maxlen=ring_log_lines)
        self.queue_keys = []
        self.queue_items = []


class OperatorState:
    """Thread-safe registry of clusters, workers, queues and configuration (one lock)."""

    def __init__(self, ring_log_lines=DEFAULT_RING_LOG_LINES, cluster_history_entries=DEFAULT_CLUSTER_HISTORY_ENTRIES, clock=time.time):
        self._lock = threading.Lock()
        self._clock = clock
        self._ring_log_lines = max(1, int(ring_log_lines))
        self._history_entries = max(1, int(cluster_history_entries))
        self._clusters = {}
        self._workers = {}
        self._config = {"controller": {}, "operator": {}}
        self._ready = False
        self._last_sync = None
        self._queue_snapshot = None

    # ------------------------------------------------------------------ writers

    def set_config(self, cfg, controller=None):
        """Keep the redacted configuration (an ``OperatorConfig`` or a flat dict) and optional
        controller facts (``{"namespace": ..., "workers": ..., "config_source": ...}``).

        ``ring_log_lines`` and ``cluster_history_entries`` from the configuration resize the
        ring buffers (existing entries are kept up to the new size)."""
        if hasattr(cfg, "as_dict"):
            values = cfg.as_dict(redact=True)
        else:
            values = dict(cfg or {})
        operator = scrub_config(values)
        with self._lock:
            self._config = {"controller": scrub(controller or {}), "operator": operator}
            ring = values.get("ring_log_lines")
            history = values.get("cluster_history_entries")
            if isinstance(ring, int) and ring > 0 and ring != self._ring_log_lines:
                self._ring_log_lines = ring
                for item in list(self._clusters.values()) + list(self._workers.values()):
                    item.logs = collections.deque(item.logs, maxlen=ring)
            if isinstance(history, int) and history > 0 and history != self._history_entries:
                self._history_entries = history
                for item in self._clusters.values():
                    item.history = collections.deque(item.history, maxlen=history)

    def set_ready(self, ready=True):
        """The watcher calls this after its first full list (``/readyz/`` answers OK from then on)."""
        with self._lock:
            self._ready = bool(ready)

    def mark_synced(self, when=None):
        """Record ``LastSyncTime`` (unix seconds; now by default)."""
        with self._lock:
            self._last_sync = self._clock() if when is None else when

    def set_workers(self, count_or_ids):
        """Declare the workers (a count -> ids ``0..n-1``, or an iterable of ids) so that they show
        as ``"idle"`` before their first job. Workers not listed are removed."""
        if isinstance(count_or_ids, int):
            ids = [str(i) for i in range(count_or_ids)]
        else:
            ids = [_worker_key(i) for i in count_or_ids]
        with self._lock:
            for key in ids:
                self._workers.setdefault(key, _Worker(self._ring_log_lines))
            for key in list(self._workers):
                if key not in ids:
                    del self._workers[key]

    def cluster_seen(self, namespace, name, team, spec_summary=None):
        """A cluster exists (added or updated): its team and its spec (secret-named fields dropped)."""
        spec = scrub(spec_summary or {})
        with self._lock:
            cluster = self._cluster(namespace, name)
            cluster.seen = True
            cluster.team = team
            cluster.spec = spec

    def cluster_forgotten(self, namespace, name):
        """A cluster was deleted: forget it, its logs and its history."""
        with self._lock:
            self._clusters.pop(cluster_key(namespace, name), None)
            for worker in self._workers.values():
                if worker.cluster == cluster_key(namespace, name):
                    worker.cluster = None
                    worker.process = None
                    worker.process_start = None

    def cluster_status(self, namespace, name, status, error=None, objects=None):
        """Status (``Running``, ``SyncFailed``, ``Invalid`` ...) and last error (None clears it).

        ``objects`` optionally sets status fields naming the child objects, e.g.
        ``{"MasterService": "ns/acid-x", "StatefulSet": "ns/acid-x"}`` (scrubbed, merged)."""
        extra = scrub(objects or {})
        with self._lock:
            cluster = self._cluster(namespace, name)
            cluster.status = status
            cluster.error = None if error is None else str(error)
            cluster.objects.update(extra)

    def cluster_log(self, namespace, name, level, message, worker=None):
        """Append to the cluster's log ring buffer (``ring_log_lines`` entries)."""
        entry = {"Time": _iso(self._clock()), "Level": str(level), "Worker": None if worker is None else _worker_key(worker),
                 "ClusterName": cluster_key(namespace, name), "Message": str(message)}
        with self._lock:
            self._cluster(namespace, name).logs.append(entry)

    def cluster_history(self, namespace, name, diff, event_time=None, process_time=None):
        """Append an update diff (list of lines, or any JSON-able value, scrubbed) to the
        cluster's history (``cluster_history_entries`` entries)."""
        if isinstance(diff, str):
            lines = diff.splitlines()
        elif isinstance(diff, (list, tuple)):
            lines = scrub(list(diff))
        else:
            lines = [scrub(diff)]
        now = self._clock()
        entry = {"EventTime": _iso(now if event_time is None else event_time),
                 "ProcessTime": _iso(now if process_time is None else process_time), "Diff": lines}
        with self._lock:
            self._cluster(namespace, name).history.append(entry)

    def worker_busy(self, worker_id, namespace, name, process):
        """Worker ``worker_id`` started ``process`` (e.g. ``"sync"``, ``"create"``) on a cluster."""
        now = self._clock()
        key = cluster_key(namespace, name)
        with self._lock:
            worker = self._worker(worker_id)
            worker.cluster = key
            worker.process = str(process)
            worker.process_start = now
            cluster = self._cluster(namespace, name)
            cluster.worker = _worker_key(worker_id)
            cluster.process = str(process)
            cluster.process_start = now

    def worker_idle(self, worker_id):
        """Worker ``worker_id`` finished its job."""
        with self._lock:
            worker = self._worker(worker_id)
            cluster = self._clusters.get(worker.cluster) if worker.cluster else None
            if cluster is not None and cluster.worker == _worker_key(worker_id):
                cluster.process = None
                cluster.process_start = None
            worker.cluster = None
            worker.process = None
            worker.process_start = None

    def worker_log(self, worker_id, level, message, cluster=None):
        """Append to the worker's log ring buffer (``cluster`` optionally ``"ns/name"``)."""
        entry = {"Time": _iso(self._clock()), "Level": str(level), "Worker": _worker_key(worker_id),
                 "ClusterName": cluster, "Message": str(message)}
        with self._lock:
            self._worker(worker_id).logs.append(entry)

    def set_queue(self, worker_id, keys, items=None):
        """Pending keys (``"ns/name"``) of one worker's queue; ``worker_id="all"`` with a dict
        ``{worker_id: keys}`` replaces every worker's queue at once. ``items`` optionally gives
        the pending events (JSON-able, scrubbed) for the ``List`` field."""
        with self._lock:
            if _worker_key(worker_id) == ALL_WORKERS:
                for wid, wkeys in (keys or {}).items():
                    worker = self._worker(wid)
                    worker.queue_keys = [str(k) for k in wkeys]
                    worker.queue_items = scrub(list((items or {}).get(wid, [])))
                return
            worker = self._worker(worker_id)
            worker.queue_keys = [str(k) for k in (keys or [])]
            worker.queue_items = scrub(list(items or []))

    def set_queue_snapshot(self, callback):
        """Alternative to ``set_queue``: ``callback()`` is called (outside the lock) on every read
        and returns ``{worker_id: [keys]}``. ``None`` removes the callback. When the callback
        raises, the reads fall back to what ``set_queue`` stored."""
        with self._lock:
            self._queue_snapshot = callback

    # ------------------------------------------------------------------ readers

    def is_ready(self):
        with self._lock:
            return self._ready

    def get_status(self):
        """``{"LastSyncTime": unix seconds or 0, "Clusters": n, "WorkerQueueSize": {worker: n}}``"""
        queues = self._queues()
        with self._lock:
            return {
                "LastSyncTime": int(self._last_sync or 0),
                "Clusters": sum(1 for c in self._clusters.values() if c.seen),
                "WorkerQueueSize": dict((wid, len(q["Keys"])) for wid, q in queues.items()),
            }

    def get_config(self):
        """``{"controller": {...}, "operator": {redacted configuration}}``"""
        with self._lock:
            return copy.deepcopy(self._config)

    def get_teams(self):
        """``{team: [cluster names]}`` (sorted)."""
        with self._lock:
            teams = {}
            for cluster in self._clusters.values():
                if cluster.seen:
                    teams.setdefault(cluster.team or "", []).append(cluster.name)
        return dict((team, sorted(names)) for team, names in teams.items())

    def get_team_clusters(self, team):
        """Cluster names of ``team``; ``KeyError`` for a team without clusters."""
        teams = self.get_teams()
        if team not in teams:
            raise KeyError("could not find clusters for the team")
        return teams[team]

    def get_cluster(self, namespace, name):
        """Status of one cluster (reference §7 shape); ``KeyError`` when unknown."""
        with self._lock:
            cluster = self._get_cluster(namespace, name)
            result = {
                "Team": cluster.team,
                "Cluster": cluster.name,
                "Namespace": cluster.namespace,
                "MasterService": None,
                "ReplicaService": None,
                "MasterEndpoint": None,
                "ReplicaEndpoint": None,
                "StatefulSet": None,
                "PrimaryPodDisruptionBudget": None,
                "CriticalOpPodDisruptionBudget": None,
                "CurrentProcess": {"Name": cluster.process, "StartTime": _iso(cluster.process_start)},
                "Worker": cluster.worker,
                "Status": cluster.status,
                "Spec": cluster.spec,
                "Error": cluster.error,
            }
            result.update(cluster.objects)
            return copy.deepcopy(result)

    def get_cluster_logs(self, namespace, name):
        with self._lock:
            return copy.deepcopy(list(self._get_cluster(namespace, name).logs))

    def get_cluster_history(self, namespace, name):
        with self._lock:
            return copy.deepcopy(list(self._get_cluster(namespace, name).history))

    def get_worker_logs(self, worker_id):
        with self._lock:
            return copy.deepcopy(list(self._get_worker(worker_id).logs))

    def get_worker_queue(self, worker_id):
        """``{"Keys": [...], "List": [...]}``; ``KeyError`` for an unknown worker."""
        queues = self._queues()
        key = _worker_key(worker_id)
        if key not in queues:
            raise KeyError("could not find worker %s" % key)
        return queues[key]

    def get_all_queues(self):
        return self._queues()

    def get_worker_status(self, worker_id):
        """``"idle"`` or ``{"CurrentCluster": "ns/name", "CurrentProcess": {"Name", "StartTime"}}``"""
        with self._lock:
            return self._worker_status(self._get_worker(worker_id))

    def get_all_worker_status(self):
        with self._lock:
            return dict((wid, self._worker_status(worker)) for wid, worker in self._workers.items())

    def get_databases(self):
        """``{"ns/name": [database names from spec.databases]}``"""
        with self._lock:
            result = {}
            for key, cluster in self._clusters.items():
                if cluster.seen:
                    databases = cluster.spec.get("databases") or {}
                    result[key] = sorted(databases) if isinstance(databases, dict) else []
            return result

    def get_cluster_counts(self):
        """``{status: number of clusters}`` (status ``"Unknown"`` before the first status)."""
        with self._lock:
            counts = {}
            for cluster in self._clusters.values():
                if cluster.seen:
                    status = cluster.status or "Unknown"
                    counts[status] = counts.get(status, 0) + 1
            return counts

    # ------------------------------------------------------------------ internals (lock held)

    def _cluster(self, namespace, name):
        key = cluster_key(namespace, name)
        cluster = self._clusters.get(key)
        if cluster is None:
            cluster = self._clusters[key] = _Cluster(namespace, name, self._ring_log_lines, self._history_entries)
        return cluster

    def _get_cluster(self, namespace, name):
        cluster = self._clusters.get(cluster_key(namespace, name))
        if cluster is None:
            raise KeyError("could not find cluster %s" % cluster_key(namespace, name))
        return cluster

    def _worker(self, worker_id):
        key = _worker_key(worker_id)
        worker = self._workers.get(key)
        if worker is None:
            worker = self._workers[key] = _Worker(self._ring_log_lines)
        return worker

    def _get_worker(self, worker_id):
        worker = self._workers.get(_worker_key(worker_id))
        if worker is None:
            raise KeyError("could not find worker %s" % _worker_key(worker_id))
        return worker

    @staticmethod
    def _worker_status(worker):
        if worker.cluster is None:
            return IDLE
        return {"CurrentCluster": worker.cluster, "CurrentProcess": {"Name": worker.process, "StartTime": _iso(worker.process_start)}}

    def _queues(self):
        """``{worker: {"Keys": [...], "List": [...]}}`` from the snapshot callback or ``set_queue``."""
        with self._lock:
            callback = self._queue_snapshot
        snapshot = None
        if callback is not None:
            try:
                snapshot = dict(callback() or {})
            except Exception:  # pylint: disable=broad-except
                snapshot = None  # a broken callback must not break /status/: fall back to set_queue data
        with self._lock:
            if snapshot is None:
                return dict((wid, {"Keys": list(w.queue_keys), "List": copy.deepcopy(w.queue_items)}) for wid, w in self._workers.items())
            result = dict((wid, {"Keys": [], "List": []}) for wid in self._workers)
        for wid, keys in snapshot.items():
            keys = [str(k) for k in keys]
            result[_worker_key(wid)] = {"Keys": keys, "List": list(keys)}
        return result
