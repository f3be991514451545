"""A rolling update carried to its end in one run: the loop over reconciles, on recorded results."""

from ansible_collections.pgkube.operator.plugins.module_utils.lifecycle.maintenance import finish_rolling_update
from ansible_collections.pgkube.operator.plugins.module_utils.reconcile import ReconcileResult


def result(pods=(), status="False", message="", events=(), error=None, requeue_after=3.0):
    found = ReconcileResult()
    found.rolling_update_pods = list(pods)
    found.rolling_update = {"type": "RollingUpdate", "status": status, "message": message}
    found.events = list(events)
    found.error = error
    found.requeue_after = requeue_after
    return found


class Clock:
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    def __call__(self):
        return self.now


def test_it_reconciles_until_no_pod_waits_and_shows_each_step():
    later = iter([result(["pg-0"], "True", "1 of 2 pods done", [("Normal", "Switchover", "Switching over from pg-0 to pg-1")]),
                  result([], "True", "1 of 2 pods done; pod pg-0 deleted"),
                  result([], "False", "Rolling update done - pods have been recreated")])
    clock = Clock()
    first = result(["pg-0", "pg-1"], "True", "0 of 2 pods done", [("Normal", "Update", "Performing rolling update")])
    last, steps, finished = finish_rolling_update(lambda: next(later), first, 60, sleep=clock.sleep, clock=clock)
    assert finished and last.rolling_update["message"].startswith("Rolling update done")
    assert steps[0] == "Performing rolling update; 0 of 2 pods done" and "Switching over from pg-0 to pg-1" in steps[1]
    assert len(steps) == 4 and clock.slept == [3.0, 3.0, 3.0]


def test_it_stops_at_the_timeout_or_on_an_error():
    clock = Clock()
    stuck = result(["pg-1"], "True", "waiting for pod pg-1")
    _last, _steps, finished = finish_rolling_update(lambda: stuck, stuck, 10, sleep=clock.sleep, clock=clock)
    assert not finished and clock.now >= 10
    failing = result(["pg-1"], "True", error="switchover failed")
    last, steps, finished = finish_rolling_update(lambda: failing, failing, 10)
    assert (finished, last.error, len(steps)) == (False, "switchover failed", 1)


def test_nothing_to_do_is_one_step():
    quiet = result()
    assert finish_rolling_update(lambda: quiet, quiet, 10)[1:] == (["nothing to do"], True)
