# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Worker threads: take a key from the queue, reconcile it, mark it done.

The queue guarantees a key is held by one worker at a time. Workers take work only while this
replica is the leader (``leader.is_leader()``); a reconcile in progress when leadership is lost
finishes. On shutdown the queue returns None and the worker ends after its current reconcile.
"""

import logging
import threading

LOG = logging.getLogger("pgkube.worker")


class Worker(threading.Thread):
    def __init__(self, index, queue, controller, leader, stop):
        super().__init__(name="worker-%d" % index, daemon=True)
        self.index = index
        self.queue = queue
        self.controller = controller
        self.leader = leader
        self.stop = stop
        self.current = None

    def run(self):
        while not self.stop.is_set():
            if not self.leader.is_leader():
                self.leader.wait_for_leadership(1.0)
                continue
            key = self.queue.get(timeout=1.0)
            if key is None:
                if self.queue.is_shutdown:
                    break
                continue
            self.current = key
            try:
                self.controller.process(key, self.index)
            except Exception:  # pylint: disable=broad-except
                LOG.exception("worker %d: unexpected error on %s", self.index, key)
                self.queue.add_rate_limited(key)
            finally:
                self.current = None
                self.queue.done(key)
        LOG.debug("worker %d stopped", self.index)


class AlwaysLeader:
    """Leader election switched off: this replica always reconciles."""

    identity = "single"

    @staticmethod
    def is_leader():
        return True

    @staticmethod
    def wait_for_leadership(timeout=None):  # pylint: disable=unused-argument
        return True

    def start(self):
        return self

    def stop(self):
        return None

    def release(self):
        return False

    def join(self, timeout=None):
        return None
