# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""List + watch one kind into an in-memory cache and call a handler on every change.

- LIST (paged) gives the objects and a ``resourceVersion``; WATCH continues from it, with bookmarks.
- A watch that ends (server timeout) is reopened from the last ``resourceVersion`` seen.
- ``410 Gone`` (the version is too old, e.g. etcd compacted or the API server restarted) triggers a
  fresh LIST; the cache is compared with it and the differences are delivered as ADDED / MODIFIED /
  DELETED, so nothing is missed.
- Any other error (connection refused while the API server restarts, reset streams, 5xx) is retried
  with exponential backoff (0.5 s doubling to ``max_backoff``) until ``stop()``.
- ``403 Forbidden`` (the service account may not list or watch the kind, as with the Zalando
  operator's own ClusterRole for Secrets, Services, PDBs, StatefulSet watches): logged once as a
  warning, ``forbidden`` says why, the cache stays unsynced (so readers go to the API server) and
  the informer tries again every ``forbidden_retry`` seconds (the RBAC may be fixed). An informer
  of one named object (``poll_name``) reads it with GET instead, every ``poll_interval`` seconds.

The handler is ``handler(event_type, obj, old)`` with ``event_type`` one of ``ADDED``, ``MODIFIED``,
``DELETED``; it runs on the informer's thread and must be quick (it only queues keys).
"""

import json
import logging
import threading

from pgkube_watcher.kubehttp import ApiError, lines

LOG = logging.getLogger("pgkube.informer")


class Gone(Exception):
    """The resourceVersion is too old: re-list."""


def object_key(obj):
    meta = obj.get("metadata") or {}
    return "%s/%s" % (meta["namespace"], meta["name"]) if meta.get("namespace") else meta.get("name")


def without_managed_fields(obj):
    """The object without ``metadata.managedFields`` (server-side apply bookkeeping, often the
    largest part of a small object, read by nothing here); the object given is not changed."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or "managedFields" not in meta:
        return obj
    trimmed = dict(obj)
    trimmed["metadata"] = dict((k, v) for k, v in meta.items() if k != "managedFields")
    return trimmed


def _newer_or_same(new, old):
    try:
        return int(new["metadata"]["resourceVersion"]) >= int(old["metadata"]["resourceVersion"])
    except (KeyError, TypeError, ValueError):
        return True


class Informer:
    def __init__(self, http, path, name, handler=None, label_selector=None, field_selector=None,
                 watch_timeout=300, max_backoff=30.0, page_size=500, on_restart=None, poll_name=None,
                 poll_interval=30.0, forbidden_retry=600.0, trim=False):
        self.http = http
        self.path = path
        self.name = name
        self.handler = handler
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.watch_timeout = int(watch_timeout)
        self.max_backoff = float(max_backoff)
        self.page_size = page_size
        self.on_restart = on_restart
        self.resource_version = None
        self.synced = threading.Event()
        self.stats = {"lists": 0, "watches": 0, "events": 0, "errors": 0, "relists_after_gone": 0}
        self._store = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._response = None
        self._thread = None
        self.last_error = None
        self.forbidden = None
        self.poll_name = poll_name
        self.poll_interval = float(poll_interval)
        self.forbidden_retry = float(forbidden_retry)
        self._trim = without_managed_fields if trim else (lambda obj: obj)  # ``trim``: store objects without managedFields

    # ------------------------------------------------------------- cache access

    def get(self, key):
        with self._lock:
            return self._store.get(key)

    def keys(self):
        with self._lock:
            return list(self._store)

    def items(self):
        with self._lock:
            return list(self._store.values())

    def __len__(self):
        with self._lock:
            return len(self._store)

    def upsert(self, obj):
        """Write-through of an object we just wrote (newer resourceVersion wins); no handler call."""
        key = object_key(obj)
        obj = self._trim(obj)
        with self._lock:
            current = self._store.get(key)
            if current is None or _newer_or_same(obj, current):
                self._store[key] = obj

    def discard(self, key):
        """An object we just deleted; no handler call."""
        with self._lock:
            self._store.pop(key, None)

    # ------------------------------------------------------------- lifecycle

    def start(self):
        self._thread = threading.Thread(target=self.run, name="informer-" + self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        resp = self._response
        if resp is not None:
            try:
                resp.shutdown() if hasattr(resp, "shutdown") else None
            except Exception:  # pylint: disable=broad-except
                pass
            try:
                resp.close()
            except Exception:  # pylint: disable=broad-except
                pass

    def join(self, timeout=None):
        if self._thread:
            self._thread.join(timeout)

    def run(self):
        backoff = 0.5
        need_list = True
        while not self._stop.is_set():
            try:
                if need_list:
                    self._list()
                    need_list = False
                self._watch()
                backoff = 0.5
            except Gone:
                self.stats["relists_after_gone"] += 1
                LOG.info("%s: resourceVersion %s expired (410 Gone); listing again", self.name, self.resource_version)
                need_list = True
                self._restarted()
            except ApiError as exc:
                if self._stop.is_set():
                    break
                if exc.status != 403:
                    need_list, backoff = self._failed(exc, need_list, backoff)
                    continue
                self._forbidden(exc)
                if self.poll_name:
                    self._poll()
                    return
                need_list = True
                self._stop.wait(self.forbidden_retry)
            except Exception as exc:  # pylint: disable=broad-except
                if self._stop.is_set():
                    break
                need_list, backoff = self._failed(exc, need_list, backoff)
        LOG.debug("%s: stopped", self.name)

    def _failed(self, exc, need_list, backoff):
        """Count, log and wait after an error; returns (need_list, next backoff)."""
        self.stats["errors"] += 1
        self.last_error = "%s: %s" % (type(exc).__name__, exc)
        if isinstance(exc, ApiError) and exc.status == 410:
            need_list = True
        LOG.warning("%s: %s; retrying in %.1fs", self.name, self.last_error, backoff)
        self._restarted()
        self._stop.wait(backoff)
        return need_list, min(backoff * 2, self.max_backoff)

    def _forbidden(self, exc):
        if self.forbidden is None:
            LOG.warning("%s: not allowed to list and watch %s (%s); reads of this kind go to the API server",
                        self.name, self.path, exc)
        self.forbidden = str(exc)

    def _poll(self):
        """Follow the one object ``poll_name`` with GET requests (list/watch are forbidden)."""
        path = self.path.rstrip("/") + "/" + self.poll_name
        LOG.info("%s: reading %s every %.0fs instead", self.name, path, self.poll_interval)
        while not self._stop.is_set():
            try:
                obj = self.http.request("GET", path)
            except ApiError as exc:
                obj = False if exc.status == 404 else None
                if exc.status != 404:
                    self.last_error = str(exc)
            except Exception as exc:  # pylint: disable=broad-except
                obj, self.last_error = None, "%s: %s" % (type(exc).__name__, exc)
            if obj is not None:
                self._replace({object_key(obj): obj} if obj else {})
            self._stop.wait(self.poll_interval)

    def _restarted(self):
        if self.on_restart is not None:
            try:
                self.on_restart(self.name)
            except Exception:  # pylint: disable=broad-except
                pass

    # ------------------------------------------------------------- list and watch

    def _selectors(self):
        return {"labelSelector": self.label_selector, "fieldSelector": self.field_selector}

    def _list(self):
        items, token, kind = [], None, None
        while True:
            params = dict(self._selectors(), limit=self.page_size)
            if token:
                params["continue"] = token
            try:
                answer = self.http.request("GET", self.path, params)
            except ApiError as exc:
                if exc.status == 410 and token:      # the continue token expired: start over
                    items, token = [], None
                    continue
                raise
            kind = (answer.get("kind") or "")[:-4] if (answer.get("kind") or "").endswith("List") else None
            for item in answer.get("items") or []:
                if kind and "kind" not in item:
                    item["kind"] = kind
                    item["apiVersion"] = answer.get("apiVersion")
                items.append(self._trim(item))
            token = (answer.get("metadata") or {}).get("continue")
            if not token:
                break
        self.stats["lists"] += 1
        self.resource_version = (answer.get("metadata") or {}).get("resourceVersion")
        self._replace(dict((object_key(item), item) for item in items))

    def _replace(self, fresh):
        """Make ``fresh`` the cache and deliver the differences; the cache is synced after."""
        with self._lock:
            old = self._store
            self._store = fresh
        for key, obj in fresh.items():
            before = old.get(key)
            if before is None:
                self._dispatch("ADDED", obj, None)
            elif (before.get("metadata") or {}).get("resourceVersion") != (obj.get("metadata") or {}).get("resourceVersion"):
                self._dispatch("MODIFIED", obj, before)
        for key, before in old.items():
            if key not in fresh:
                self._dispatch("DELETED", before, before)
        self.synced.set()

    def _watch(self):
        params = dict(self._selectors(), watch="true", resourceVersion=self.resource_version,
                      allowWatchBookmarks="true", timeoutSeconds=self.watch_timeout)
        try:
            resp = self.http.stream(self.path, params, read_timeout=self.watch_timeout + 30)
        except ApiError as exc:
            if exc.status == 410:
                raise Gone()
            raise
        self._response = resp
        self.stats["watches"] += 1
        try:
            if self._stop.is_set():
                return
            for line in lines(resp):
                if self._stop.is_set():
                    return
                self._handle_line(line)
        finally:
            self._response = None
            try:
                resp.release_conn()
            except Exception:  # pylint: disable=broad-except
                pass

    def _handle_line(self, line):
        event = json.loads(line)
        etype, obj = event.get("type"), event.get("object") or {}
        if etype == "ERROR":
            if obj.get("code") == 410:
                raise Gone()
            raise ApiError(obj.get("code"), obj.get("message") or "watch error")
        version = (obj.get("metadata") or {}).get("resourceVersion")
        if etype == "BOOKMARK":
            self.resource_version = version or self.resource_version
            return
        key = object_key(obj)
        obj = self._trim(obj)
        with self._lock:
            old = self._store.get(key)
            if etype == "DELETED":
                self._store.pop(key, None)
            else:
                self._store[key] = obj
        self.resource_version = version or self.resource_version
        self.stats["events"] += 1
        if etype == "ADDED" and old is not None:
            etype = "MODIFIED"
        self._dispatch(etype, obj, old)

    def _dispatch(self, etype, obj, old):
        if self.handler is None:
            return
        try:
            self.handler(etype, obj, old)
        except Exception:  # pylint: disable=broad-except
            LOG.exception("%s: handler failed for %s %s", self.name, etype, object_key(obj))
