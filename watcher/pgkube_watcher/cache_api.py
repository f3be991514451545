# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads served from the informers' caches (DESIGN §5: a no-op resync should cost no API round trip).

``CachedKubeApi`` is the library's ``KubeApi`` with ``get`` / ``list`` answered from an informer when
one covers the kind and namespace and has synced; writes go to the API server and their answers are
written through into the cache (newer ``resourceVersion`` wins), so the next reconcile does not see
its own writes missing.

Informers of the cluster's child kinds are filtered by the ``cluster_name_label`` label: an object
found there is served; a miss falls back to a GET (the object may exist without the label), except
in ``get_child``, the read of an object the operator creates itself (a cluster's children and
credentials Secrets): there a miss in a synced informer is an answer, "absent", so a new cluster is
planned without a read per object. When that answer is wrong (a Secret made by hand without the
label, an object created a moment ago by someone else) the create fails with 409, the name is
remembered as living outside the cache (its reads go to the API server from then on) and the sync
reads and plans again (cluster_sync.sync_cluster). A ``list`` whose label selector includes that
label is answered from the cache. The pod
ServiceAccount and RoleBinding carry no cluster label (one pair serves every cluster of a
namespace): their informers select by name (``pod_service_account_name``) and are registered with
an ``accepts`` predicate of that name, so a no-op resync needs no API request at all. Workers that
create the shared pair at the same time take turns: the first creates, the others find it in the
cache, so a namespace's first clusters send one create of each, not one per worker. Kinds without
an informer always go to the API server.
"""

import copy
import logging
import threading

from ansible_collections.pgkube.operator.plugins.module_utils.errors import AlreadyExistsError
from ansible_collections.pgkube.operator.plugins.module_utils.execute.kube import SHARED_KINDS
from ansible_collections.pgkube.operator.plugins.module_utils.kube.api import KubeApi


LOG = logging.getLogger("pgkube.cache")


def parse_equality_selector(selector):
    """``a=b,c=d`` -> dict; None when the selector uses anything else (``!=``, ``in``, existence)."""
    result = {}
    for part in (selector or "").split(","):
        part = part.strip()
        if not part:
            continue
        if "!=" in part or "=" not in part or " " in part:
            return None
        key, value = part.split("=", 1)
        result[key.strip().rstrip("=")] = value.strip().lstrip("=")
    return result


class CacheIndex:
    """(kind, namespace) -> informer; namespace None means an informer of all namespaces."""

    def __init__(self, required_label):
        self.required_label = required_label
        self._informers = {}
        self._accepts = {}
        self._outside = set()  # (kind, namespace, name) that exist without being in their informer
        self._lock = threading.Lock()
        self._creating = {}  # (kind, namespace, name) -> lock: one create at a time of a shared object

    def add(self, kind, namespace, informer, accepts=None):
        """Serve ``kind`` in ``namespace`` from ``informer``; ``accepts(obj)`` says which written
        objects belong in it (default: those with the required label)."""
        self._informers[(kind, namespace)] = informer
        self._accepts[(kind, namespace)] = accepts

    def _find(self, kind, namespace):
        # not ``a or b``: an informer with an empty cache is falsy (it has __len__)
        informer = self._informers.get((kind, namespace))
        return informer if informer is not None else self._informers.get((kind, None))

    def informer(self, kind, namespace):
        informer = self._find(kind, namespace)
        if informer is None or not informer.synced.is_set():
            return None
        return informer

    def lookup(self, kind, namespace, name):
        informer = self.informer(kind, namespace)
        if informer is None:
            return None
        return informer.get("%s/%s" % (namespace, name) if namespace else name)

    def knows_absent(self, kind, namespace, name):
        """True when a miss of this object in the cache means it does not exist: its informer has
        synced and the name was not found outside the cache before."""
        if self.informer(kind, namespace) is None:
            return False
        with self._lock:
            return (kind, namespace, name) not in self._outside

    def mark_outside(self, kind, namespace, name):
        """The object exists though its informer does not hold it: read it from the API server."""
        with self._lock:
            self._outside.add((kind, namespace, name))

    def creation_lock(self, kind, namespace, name):
        with self._lock:
            return self._creating.setdefault((kind, namespace, name), threading.Lock())

    def select(self, kind, namespace, label_selector):
        """The matching objects, or None when the cache cannot answer authoritatively."""
        informer = self.informer(kind, namespace)
        wanted = parse_equality_selector(label_selector)
        if informer is None or wanted is None or self.required_label not in wanted:
            return None
        result = []
        for obj in informer.items():
            meta = obj.get("metadata") or {}
            if namespace and meta.get("namespace") != namespace:
                continue
            labels = meta.get("labels") or {}
            if all(labels.get(k) == v for k, v in wanted.items()):
                result.append(obj)
        return result

    def store(self, obj):
        meta = (obj or {}).get("metadata") or {}
        kind, namespace = obj.get("kind"), meta.get("namespace")
        informer = self._find(kind, namespace)
        if informer is None:
            return
        accepts = self._accepts.get((kind, namespace), self._accepts.get((kind, None)))
        if accepts(obj) if accepts is not None else self.required_label in (meta.get("labels") or {}):
            informer.upsert(obj)

    def remove(self, kind, namespace, name):
        informer = self._find(kind, namespace)
        if informer is not None:
            informer.discard("%s/%s" % (namespace, name))


class CachedKubeApi(KubeApi):
    """``KubeApi`` whose reads come from the informers when they can; see the module docstring."""

    def __init__(self, dynamic_client, index, dry_run=False):
        super().__init__(dynamic_client, dry_run=dry_run)
        self.index = index
        self.requests["cache"] = 0

    def get(self, kind, api_version, namespace, name):
        found = self.index.lookup(kind, namespace, name)
        if found is not None:
            self.requests["cache"] += 1
            return copy.deepcopy(found)
        return super().get(kind, api_version, namespace, name)

    def get_child(self, kind, api_version, namespace, name):
        found = self.index.lookup(kind, namespace, name)
        if found is not None or self.index.knows_absent(kind, namespace, name):
            self.requests["cache"] += 1
            return copy.deepcopy(found)
        return super().get(kind, api_version, namespace, name)

    def read_listed(self, kind, api_version, name, namespace=None):
        found = self.index.lookup(kind, namespace, name)
        if found is not None:
            self.requests["cache"] += 1
            return copy.deepcopy(found)
        return super().read_listed(kind, api_version, name, namespace)

    def list(self, kind, api_version, namespace=None, label_selector=None):
        found = self.index.select(kind, namespace, label_selector)
        if found is not None:
            self.requests["cache"] += 1
            return copy.deepcopy(found)
        LOG.debug("cache cannot answer: list %s in %s with %r", kind, namespace, label_selector)
        return super().list(kind, api_version, namespace, label_selector)

    def _remember(self, obj):
        if not self.dry_run and isinstance(obj, dict):
            self.index.store(obj)
        return obj

    def create(self, obj):
        meta = obj.get("metadata") or {}
        key = (obj.get("kind"), meta.get("namespace"), meta.get("name"))
        if key[0] in SHARED_KINDS and not self.dry_run:
            with self.index.creation_lock(*key):
                made = self.index.lookup(*key)
                if made is not None:  # another worker created it while this one planned
                    self.requests["cache"] += 1
                    return copy.deepcopy(made)
                return self._create(obj, key)
        return self._create(obj, key)

    def _create(self, obj, key):
        try:
            return self._remember(super().create(obj))
        except AlreadyExistsError:
            LOG.info("%s %s/%s exists outside the watch cache (no cluster label?): reading it from the API server from now on", *key)
            self.index.mark_outside(*key)
            raise

    def replace(self, obj):
        return self._remember(super().replace(obj))

    def patch(self, kind, api_version, namespace, name, patch, subresource=None):
        return self._remember(super().patch(kind, api_version, namespace, name, patch, subresource))

    def delete(self, kind, api_version, namespace, name, propagation_policy=None, uid=None):
        gone = super().delete(kind, api_version, namespace, name, propagation_policy, uid=uid)
        if not self.dry_run:
            self.index.remove(kind, namespace, name)
        return gone
