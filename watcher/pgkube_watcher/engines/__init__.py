# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reconcile engines: ``native`` (the library in-process) and ``ansible`` (the role through ansible-runner).

Both take ``reconcile(cr, cfg, tombstone=False)`` and return an ``Outcome``. ``tombstone`` means the
resource is already gone from the API (deleted without our finalizer): the engine runs the deletion
from the last known object.
"""


class Outcome:
    """What one reconcile did, engine-independent.

    ``status``: PostgresClusterStatus after the run (or None); ``result``: ``ok``, ``error``,
    ``invalid``, ``requeue`` or ``skipped`` (metrics label); ``error``: one safe line; ``requeue``:
    retry with backoff; ``requeue_after``: seconds to the next run regardless of errors (or None);
    ``deleted``: the deletion path ran to completion.
    """

    def __init__(self, status=None, changed=False, actions=None, rolling_update_pods=None, error=None,
                 requeue=False, requeue_after=None, deleted=False, skipped=None):
        self.status = status
        self.changed = changed
        self.actions = list(actions or [])
        self.rolling_update_pods = list(rolling_update_pods or [])
        self.error = error
        self.requeue = requeue
        self.requeue_after = requeue_after
        self.deleted = deleted
        self.skipped = skipped

    @property
    def result(self):
        if self.skipped:
            return "skipped"
        if self.status == "Invalid":
            return "invalid"
        if self.error:
            return "error"
        if self.requeue:
            return "requeue"
        return "ok"

    def __repr__(self):
        return "Outcome(result=%s, status=%r, changed=%r, actions=%d, error=%r)" % (
            self.result, self.status, self.changed, len(self.actions), self.error)
