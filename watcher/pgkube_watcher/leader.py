# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Leader election on a ``coordination.k8s.io/v1`` Lease, so several replicas can run.

Like client-go's leaderelection:
- the holder renews ``spec.renewTime`` every ``retry_period``; a replica takes the Lease over when the
  record has not changed for ``lease_duration`` *as observed on its own clock* (no clock-skew
  assumptions between replicas), or when ``holderIdentity`` is empty (released);
- every write is a PUT carrying the ``resourceVersion`` read, so two candidates cannot both win;
- the leader that cannot renew for ``renew_deadline`` steps down (``on_stopped_leading``);
- ``release()`` (clean shutdown) empties ``holderIdentity`` so a successor starts at once.
A replica restarted with the same identity (``POD_NAME``) picks its own Lease up immediately.
"""

import datetime
import logging
import threading
import time

from pgkube_watcher.kubehttp import ApiError, resource_path

LOG = logging.getLogger("pgkube.leader")


def _micro_time(now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElector:
    def __init__(self, http, namespace, name, identity, lease_duration=15.0, renew_deadline=10.0, retry_period=2.0,
                 on_started_leading=None, on_stopped_leading=None, clock=time.monotonic):
        self.http = http
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.lease_duration = float(lease_duration)
        self.renew_deadline = float(renew_deadline)
        self.retry_period = float(retry_period)
        self.on_started_leading = on_started_leading
        self.on_stopped_leading = on_stopped_leading
        self._clock = clock
        self._leader = threading.Event()
        self._stop = threading.Event()
        self._observed = None          # (holder, renewTime, resourceVersion) last seen
        self._observed_at = None
        self._last_renew = None
        self._thread = None
        self.transitions = 0
        self.holder = None
        self.disabled = False          # True when the Lease is forbidden (see _run_without_election)

    @property
    def path(self):
        return resource_path("coordination.k8s.io/v1", "leases", self.namespace, self.name)

    def is_leader(self):
        return self._leader.is_set()

    def wait_for_leadership(self, timeout=None):
        return self._leader.wait(timeout)

    def start(self):
        self._thread = threading.Thread(target=self.run, name="leader-election", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()

    def join(self, timeout=None):
        if self._thread:
            self._thread.join(timeout)

    def run(self):
        LOG.info("leader election: Lease %s/%s, identity %s", self.namespace, self.name, self.identity)
        while not self._stop.is_set():
            try:
                ok = self._try_acquire_or_renew()
            except ApiError as exc:
                if exc.status == 403 and self._last_renew is None:
                    self._run_without_election(exc)
                    return
                LOG.warning("leader election: %s: %s", type(exc).__name__, exc)
                ok = False
            except Exception as exc:  # pylint: disable=broad-except
                LOG.warning("leader election: %s: %s", type(exc).__name__, exc)
                ok = False
            now = self._clock()
            if ok:
                self._last_renew = now
                if not self._leader.is_set():
                    LOG.info("leader election: %s became the leader", self.identity)
                    self._leader.set()
                    self._call(self.on_started_leading)
            elif self._leader.is_set() and (self._last_renew is None or now - self._last_renew > self.renew_deadline):
                LOG.warning("leader election: could not renew the Lease for %.0fs; stepping down", self.renew_deadline)
                self._leader.clear()
                self._call(self.on_stopped_leading)
            self._stop.wait(self.retry_period)

    def _run_without_election(self, exc):
        """The ServiceAccount may not use Leases (e.g. the Zalando operator's own ClusterRole, which
        grants none): reconcile as the only replica, as the Zalando operator does, and say so once."""
        self.disabled = True
        LOG.warning("leader election off: the service account may not use Lease %s/%s (%s); reconciling as the only "
                    "replica (run one replica, or grant coordination.k8s.io leases get/create/update)",
                    self.namespace, self.name, exc.status)
        self._leader.set()
        self._call(self.on_started_leading)

    @staticmethod
    def _call(callback):
        if callback is not None:
            try:
                callback()
            except Exception:  # pylint: disable=broad-except
                LOG.exception("leader election callback failed")

    def _lease_body(self, current, acquire):
        now = _micro_time()
        spec = dict((current or {}).get("spec") or {})
        spec.update({"holderIdentity": self.identity, "leaseDurationSeconds": int(round(self.lease_duration)), "renewTime": now})
        if acquire:
            spec["acquireTime"] = now
            spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + (1 if (current or {}).get("spec", {}).get("holderIdentity") else 0)
        body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": self.name, "namespace": self.namespace}, "spec": spec}
        if current:
            body["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        return body

    def _try_acquire_or_renew(self):
        try:
            current = self.http.request("GET", self.path, timeout=10)
        except ApiError as exc:
            if exc.status != 404:
                raise
            current = None
        if current is None:
            created = self.http.request("POST", resource_path("coordination.k8s.io/v1", "leases", self.namespace),
                                        body=self._lease_body(None, True), timeout=10)
            self._observe(created)
            self.transitions += 1
            return True
        spec = current.get("spec") or {}
        holder = spec.get("holderIdentity") or ""
        self.holder = holder or None
        record = (holder, spec.get("renewTime"), current["metadata"].get("resourceVersion"))
        now = self._clock()
        if record != self._observed:
            self._observed, self._observed_at = record, now
        if holder and holder != self.identity:
            duration = float(spec.get("leaseDurationSeconds") or self.lease_duration)
            if now - self._observed_at < duration:
                return False          # someone else holds a live Lease
        acquire = holder != self.identity
        try:
            updated = self.http.request("PUT", self.path, body=self._lease_body(current, acquire), timeout=10)
        except ApiError as exc:
            if exc.status == 409:     # somebody else wrote first
                return False
            raise
        self._observe(updated)
        if acquire:
            self.transitions += 1
        return True

    def _observe(self, lease):
        spec = lease.get("spec") or {}
        self.holder = spec.get("holderIdentity")
        self._observed = (spec.get("holderIdentity") or "", spec.get("renewTime"), lease["metadata"].get("resourceVersion"))
        self._observed_at = self._clock()

    def release(self):
        """Give the Lease up (clean shutdown) when we hold it."""
        self._stop.set()
        if self.disabled:
            return False
        if not self._leader.is_set():
            return False
        self._leader.clear()
        try:
            current = self.http.request("GET", self.path, timeout=5)
            if (current.get("spec") or {}).get("holderIdentity") != self.identity:
                return False
            body = self._lease_body(current, False)
            body["spec"]["holderIdentity"] = None
            body["spec"]["leaseDurationSeconds"] = 1
            self.http.request("PUT", self.path, body=body, timeout=5)
            LOG.info("leader election: released Lease %s/%s", self.namespace, self.name)
            return True
        except Exception as exc:  # pylint: disable=broad-except
            LOG.warning("leader election: could not release the Lease: %s", exc)
            return False
