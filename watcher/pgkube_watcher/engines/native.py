# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The native engine: ``reconcile.reconcile_cluster`` called in-process (no fork, no Ansible).

One ``KubeApi`` per worker thread (the library counts requests per instance); Events go through
the library's ``EventRecorder`` with the component ``pgkube-operator[/<CONTROLLER_ID>]`` and one
``EventMemory`` for all workers (an Event sent before is bumped without a read). Roles and
databases are synced by the step the watcher passes (``sync_roles_factory``, bound to the worker's
``KubeApi``).
"""

import copy
import datetime
import threading

from ansible_collections.pgkube.operator.plugins.module_utils.events import DEFAULT_COMPONENT, EventMemory, EventRecorder
from ansible_collections.pgkube.operator.plugins.module_utils.errors import KubernetesError
from ansible_collections.pgkube.operator.plugins.module_utils.kube.kinds import API_VERSIONS
from ansible_collections.pgkube.operator.plugins.module_utils.reconcile import reconcile_cluster
from ansible_collections.pgkube.operator.plugins.module_utils.status_schema import CRD_API_VERSION, CRD_KIND

from pgkube_watcher.engines import Outcome


def tombstone_copy(cr):
    """The last known object of a resource deleted without our finalizer, marked as deleting."""
    gone = copy.deepcopy(cr)
    meta = gone.setdefault("metadata", {})
    meta.setdefault("deletionTimestamp", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    meta["finalizers"] = []
    return gone


class NativeEngine:
    name = "native"

    def __init__(self, api_factory, controller_id="", sync_roles=None, sync_roles_factory=None):
        """``sync_roles``: a fixed ``(cr, cfg)`` callable for every reconcile; ``sync_roles_factory``:
        ``api -> callable`` bound to the worker's ``KubeApi`` (the watcher passes
        ``roles_step.make_sync_roles``); neither: roles and databases are not synced."""
        self._api_factory = api_factory
        self._local = threading.local()
        self.component = DEFAULT_COMPONENT + ("/" + controller_id if controller_id else "")
        self.sync_roles = sync_roles
        self.sync_roles_factory = sync_roles_factory
        self._lock = threading.Lock()
        self._apis = []
        self.events = EventMemory()  # Events sent: a repeat is bumped without reading it first

    def api(self):
        api = getattr(self._local, "api", None)
        if api is None:
            api = self._local.api = self._api_factory()
            with self._lock:
                self._apis.append(api)
        return api

    def warm_up(self):
        """Look up every kind the reconcile uses before the first cluster comes: the API discovery
        (one request per API group, then a rewrite of the client's discovery cache file) is then
        not paid by the first reconciles, several workers at once. Kinds the server does not serve
        (a CRD not installed) are left for the reconcile to report; an API server that does not
        answer ends the warm-up."""
        api = self._api_factory()
        for kind, version in sorted(API_VERSIONS.items()) + [(CRD_KIND, CRD_API_VERSION)]:
            try:
                api.resource(kind, version)
            except KubernetesError as exc:
                if exc.status is None:  # no answer: the API server is not reachable yet, the reconciles discover later
                    return
                continue

    def request_counts(self):
        """Reads and writes sent to the API server, and reads answered from the caches, so far, all workers together."""
        with self._lock:
            apis = list(self._apis)
        total = {"read": 0, "write": 0, "cache": 0}
        for api in apis:
            for key in total:
                total[key] += api.requests.get(key, 0)
        return total

    def reconcile(self, cr, cfg, tombstone=False):
        api = self.api()
        recorder = EventRecorder(api, component=self.component, memory=self.events)
        if tombstone:
            cr = tombstone_copy(cr)
        sync_roles = self.sync_roles
        if sync_roles is None and self.sync_roles_factory is not None:
            sync_roles = self.sync_roles_factory(api)
        result = reconcile_cluster(api, cr, cfg, recorder=recorder, sync_roles=sync_roles)
        return Outcome(status=result.status, changed=result.changed, actions=result.actions,
                       rolling_update_pods=result.rolling_update_pods, error=result.error,
                       requeue=result.requeue, requeue_after=result.requeue_after, deleted=result.deleted)

    def abort(self):
        """Nothing to interrupt: an in-process reconcile finishes (or is abandoned at exit)."""
        return None
