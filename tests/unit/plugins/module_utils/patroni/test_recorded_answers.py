"""The Patroni logic on answers recorded from Patroni 4.0.7 in the local cluster (tests/unit/fixtures/patroni)."""

import json
import os

from ansible_collections.pgkube.operator.plugins.module_utils.lifecycle.pods import patroni_status
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig
from ansible_collections.pgkube.operator.plugins.module_utils.patroni.candidates import choose_candidate, leader_name
from ansible_collections.pgkube.operator.plugins.module_utils.patroni.config_patch import config_patch, desired_dynamic_config
from ansible_collections.pgkube.operator.plugins.module_utils.patroni.restart_order import MASTER_FIRST, restart_order

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "patroni")


def recorded(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


def test_the_replica_of_a_two_member_cluster_is_the_candidate():
    members = recorded("cluster-two-members.json")["members"]
    assert leader_name(members) == "acid-rec-0"
    assert choose_candidate(members, "acid-rec-0") == ("acid-rec-1", None)


def test_a_bootstrapped_minimal_cluster_needs_no_patch():
    wanted = desired_dynamic_config({"postgresql": {"version": "17"}}, OperatorConfig.from_dict({}))
    assert config_patch(recorded("config-minimal.json"), wanted) == (None, [])
    # numbers as Patroni keeps them (max_connections 100, not "100") compare equal to the manifest's strings
    wanted = desired_dynamic_config({"postgresql": {"parameters": {"max_connections": "100", "max_wal_senders": "10"}}},
                                    OperatorConfig.from_dict({}))
    assert config_patch(recorded("config-minimal.json"), wanted) == (None, [])


def test_a_decrease_of_max_connections_restarts_the_master_first():
    members = recorded("cluster-pending-restart.json")["members"]
    assert restart_order(members, "acid-rec-0") == (MASTER_FIRST, ["acid-rec-0", "acid-rec-1"])


def test_the_pod_status_annotation_tells_a_pending_restart():
    for name, pending in (("pod-status-replica.json", None), ("pod-status-pending-restart.json", True)):
        pod = {"metadata": {"annotations": {"status": json.dumps(recorded(name))}}}
        assert patroni_status(pod).get("pending_restart") is pending
    assert patroni_status({"metadata": {"annotations": {"status": "not json"}}}) == {}
