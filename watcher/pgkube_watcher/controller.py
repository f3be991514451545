# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""From watch events to queued cluster keys, and from a key to one reconcile (reference §5.1, §5.2).

- ``postgresql`` events: ADDED always queues; MODIFIED queues when the generation (spec), the
  annotations, the uid or ``deletionTimestamp`` changed (status-only and our own finalizer writes do
  not); DELETED keeps the last object as a tombstone, purges pending retries and queues the key.
- Pod events: mapped to their cluster by the ``cluster_name_label`` label (``cluster-name``); a pod
  added or deleted, or whose labels / annotations / deletionTimestamp changed, queues its cluster.
- Child objects (StatefulSet, Services, PodDisruptionBudgets, Secrets with the cluster label; watched
  to serve reads from caches): a deleted one queues its cluster at once (repair).
- Node events: a node that stops being ready in upstream's sense (§5.10: unschedulable, without all
  ``node_readiness_label`` labels and without ``master=true``) queues the clusters with pods on it
  and logs a warning naming the master pods there; the reconcile of those clusters switches their
  master over to a replica on a ready node (lifecycle/step.py).
- Ownership (§5.1): a resource is ours when its ``acid.zalan.do/controller`` annotation equals
  ``CONTROLLER_ID`` (both empty included); others are ignored.
- ``process(key)`` runs the engine on the cached object (or the tombstone), records the outcome in
  the state registry and metrics, and requeues: rate-limited on failure, ``requeue_after`` when asked.
  Nothing raised by an engine escapes: an invalid manifest or a failing cluster never stops the others.
"""

import logging
import threading
import time

from ansible_collections.pgkube.operator.plugins.module_utils.desired.naming import child_object_names
from ansible_collections.pgkube.operator.plugins.module_utils.lifecycle.pods import node_ready  # noqa: F401 (tests import it from here)
from ansible_collections.pgkube.operator.plugins.module_utils.status import pod_ready
from pgkube_watcher.engines import Outcome
from pgkube_watcher.informer import object_key

LOG = logging.getLogger("pgkube.controller")

CONTROLLER_ANNOTATION = "acid.zalan.do/controller"


def _meta(obj):
    return (obj or {}).get("metadata") or {}


def split_key(key):
    namespace, _sep, name = key.partition("/")
    return namespace, name


def cluster_changed(old, new, watch_annotations=True):
    """Does a MODIFIED ``postgresql`` event need a reconcile?"""
    if old is None:
        return True
    o, n = _meta(old), _meta(new)
    if o.get("uid") != n.get("uid") or o.get("generation") != n.get("generation"):
        return True
    if bool(n.get("deletionTimestamp")) and not o.get("deletionTimestamp"):
        return True
    if watch_annotations and (o.get("annotations") or {}) != (n.get("annotations") or {}):
        return True
    if n.get("generation") is None and old.get("spec") != new.get("spec"):
        return True
    return False


# Patroni rewrites this annotation of every member pod each loop_wait (its state, WAL position,
# timeline): not a reason to reconcile (the role label and readiness are).
PATRONI_STATUS_ANNOTATION = "status"


def _annotations(meta):
    return dict((k, v) for k, v in (meta.get("annotations") or {}).items() if k != PATRONI_STATUS_ANNOTATION)


def pod_changed(old, new):
    """Labels, annotations (but Patroni's ``status``), deletion or readiness changed (a master
    becoming ready lets the reconcile sync roles and databases, and PodsReady follow)."""
    if old is None:
        return True
    o, n = _meta(old), _meta(new)
    return (o.get("labels") != n.get("labels") or _annotations(o) != _annotations(n)
            or bool(n.get("deletionTimestamp")) != bool(o.get("deletionTimestamp"))
            or pod_ready(old) != pod_ready(new))


class Controller:
    def __init__(self, queue, engine, config, state=None, metrics=None):
        self.queue = queue
        self.engine = engine
        self.config = config                # ConfigWatch (``current()``)
        self.state = state
        self.metrics = metrics
        self.cluster_informers = []
        self.pod_informers = []
        self.tombstones = {}
        self._lock = threading.Lock()
        self.reconciles = 0
        self.last_outcomes = {}

    # ------------------------------------------------------------------ lookups

    def controller_id(self):
        return self.config.current().controller_id or ""

    def owned(self, cr):
        return (_meta(cr).get("annotations") or {}).get(CONTROLLER_ANNOTATION, "") == self.controller_id()

    def cached_cluster(self, key):
        for informer in self.cluster_informers:
            obj = informer.get(key)
            if obj is not None:
                return obj
        return None

    def cluster_keys(self):
        keys = []
        for informer in self.cluster_informers:
            keys.extend(informer.keys())
        return keys

    def synced(self):
        return all(i.synced.is_set() for i in self.cluster_informers + self.pod_informers)

    # ------------------------------------------------------------------ event handlers

    def cluster_event(self, etype, obj, old):
        key = object_key(obj)
        if etype == "DELETED":
            if not self.owned(obj):
                return
            with self._lock:
                self.tombstones[key] = obj
            self.queue.purge(key)
            self.queue.add(key)
            return
        if not self.owned(obj):
            if old is not None and self.owned(old):
                LOG.info("%s: now annotated for another controller; no longer ours", key)
                if self.state is not None:
                    self.state.cluster_forgotten(*split_key(key))
            return
        with self._lock:
            self.tombstones.pop(key, None)
        if self.state is not None:
            spec = obj.get("spec") or {}
            self.state.cluster_seen(_meta(obj).get("namespace"), _meta(obj).get("name"), spec.get("teamId"), spec)
        if etype == "ADDED" or cluster_changed(old, obj) or (old is not None and not self.owned(old)):
            self.queue.add(key)

    def pod_event(self, etype, pod, old):
        label = self.config.current().cluster_name_label
        labels = _meta(pod).get("labels") or {}
        cluster = labels.get(label)
        if not cluster:
            return
        if etype == "MODIFIED" and not pod_changed(old, pod):
            return
        key = "%s/%s" % (_meta(pod).get("namespace"), cluster)
        if self.cached_cluster(key) is not None:
            self.queue.add(key)

    def dependent_event(self, etype, obj, _old):
        """A child object (StatefulSet, Service, PDB, Secret) was deleted: repair its cluster now."""
        if etype != "DELETED":
            return
        cluster = (_meta(obj).get("labels") or {}).get(self.config.current().cluster_name_label)
        key = "%s/%s" % (_meta(obj).get("namespace"), cluster)
        if cluster and self.cached_cluster(key) is not None:
            LOG.info("%s %s/%s was deleted; queueing %s", obj.get("kind"), _meta(obj).get("namespace"), _meta(obj).get("name"), key)
            self.queue.add(key)

    def node_event(self, etype, node, old):
        """A node that stopped being ready: queue the clusters with pods on it, warn about masters."""
        cfg = self.config.current()
        labels = cfg.node_readiness_label or {}
        if etype == "DELETED" or node_ready(node, labels) or (old is not None and not node_ready(old, labels)):
            return
        name = _meta(node).get("name")
        keys, masters = set(), []
        for informer in self.pod_informers:
            for pod in informer.items():
                if (pod.get("spec") or {}).get("nodeName") != name:
                    continue
                meta = _meta(pod)
                cluster = (meta.get("labels") or {}).get(cfg.cluster_name_label)
                if cluster:
                    keys.add("%s/%s" % (meta.get("namespace"), cluster))
                    if (meta.get("labels") or {}).get(cfg.pod_role_label) == "master":
                        masters.append("%s/%s" % (meta.get("namespace"), meta.get("name")))
        if masters:
            LOG.warning("node %s is being drained (unschedulable, not labelled ready); master pods on it: %s: "
                        "their clusters switch over to a replica on a ready node", name, ", ".join(sorted(masters)))
        if keys:
            LOG.info("node %s is not ready; re-checking clusters %s", name, ", ".join(sorted(keys)))
        for key in sorted(keys):
            self.queue.add(key)

    def requeue_all(self, why):
        keys = self.cluster_keys()
        LOG.info("%s: queueing all %d clusters", why, len(keys))
        for key in keys:
            cr = self.cached_cluster(key)
            if cr is not None and self.owned(cr):
                self.queue.add(key)
        return len(keys)

    # ------------------------------------------------------------------ one reconcile

    def process(self, key, worker_id=0):
        cr = self.cached_cluster(key)
        tombstone = False
        if cr is None:
            with self._lock:
                cr = self.tombstones.pop(key, None)
            if cr is None:
                self.queue.forget(key)
                return None
            tombstone = True
        if not self.owned(cr):
            self.queue.forget(key)
            return None
        namespace, name = split_key(key)
        cfg = self.config.current()
        process_name = "delete" if (tombstone or _meta(cr).get("deletionTimestamp")) else "sync"
        if self.state is not None:
            self.state.worker_busy(worker_id, namespace, name, process_name)
        started = time.monotonic()
        try:
            outcome = self.engine.reconcile(cr, cfg, tombstone=tombstone)
        except Exception as exc:  # pylint: disable=broad-except
            LOG.exception("%s: the %s engine raised", key, self.engine.name)
            outcome = Outcome(error="internal error: %s" % type(exc).__name__, requeue=True)
        elapsed = time.monotonic() - started
        self.reconciles += 1
        self.last_outcomes[key] = outcome
        self._record(key, worker_id, outcome, elapsed, tombstone)
        if outcome.requeue:
            delay = self.queue.add_rate_limited(key)
            LOG.info("%s: retry in %.1fs", key, delay, extra={"cluster": key})
        else:
            self.queue.forget(key)
        if outcome.requeue_after:
            self.queue.add_after(key, outcome.requeue_after)
        return outcome

    def _record(self, key, worker_id, outcome, elapsed, tombstone):
        namespace, name = split_key(key)
        level = logging.WARNING if outcome.error else logging.INFO
        summary = "%s %s in %.2fs: status=%s changed=%s actions=%d%s" % (
            self.engine.name, outcome.result, elapsed, outcome.status, outcome.changed, len(outcome.actions),
            (" error=" + outcome.error) if outcome.error else "")
        if outcome.skipped:
            summary += " (%s)" % outcome.skipped
        LOG.log(level, "%s: %s", key, summary, extra={"cluster": key, "worker": worker_id, "engine": self.engine.name})
        if self.metrics is not None:
            self.metrics.observe_reconcile(self.engine.name, elapsed, outcome.result)
            if outcome.error:
                self.metrics.reconcile_error(self.engine.name, "Invalid" if outcome.result == "invalid" else "ReconcileFailed")
        if self.state is None:
            return
        try:
            self.state.worker_idle(worker_id)
            if (tombstone or outcome.deleted) and self.cached_cluster(key) is None:
                self.state.cluster_forgotten(namespace, name)
                return
            if outcome.status is not None or outcome.error:
                objects = dict((field, "%s/%s" % (namespace, child))
                               for field, child in child_object_names(name, self.config.current()).items())
                self.state.cluster_status(namespace, name, outcome.status, outcome.error, objects=objects)
            self.state.cluster_log(namespace, name, "warning" if outcome.error else "info", summary, worker=worker_id)
            if outcome.actions:
                self.state.cluster_history(namespace, name, ["%s %s %s/%s: %s" % (
                    a.get("action"), a.get("kind"), a.get("namespace"), a.get("name"), a.get("reason"))
                    for a in outcome.actions if isinstance(a, dict)])
        except Exception:  # pylint: disable=broad-except
            LOG.exception("could not record the outcome of %s", key)
