"""The extra vars the ansible engine passes (ansible-operator's makeParameters, reference §1.4)."""

import os
import sys

WATCHER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "watcher")
if WATCHER not in sys.path:
    sys.path.insert(0, WATCHER)

# pylint: disable=wrong-import-position
from pgkube_watcher.engines.ansible import build_extravars
from pgkube_watcher.watches import parse_watches

CR = {
    "apiVersion": "acid.zalan.do/v1", "kind": "postgresql",
    "metadata": {"name": "acid-x", "namespace": "db", "uid": "u1"},
    "spec": {"teamId": "acid", "numberOfInstances": 2, "postgresql": {"version": "17", "parameters": {"maxConnections": "10"}}},
    "status": {"PostgresClusterStatus": "Running"},
}


def watch(extra=""):
    return parse_watches("""
- version: v1
  group: acid.zalan.do
  kind: postgresql
  role: reconcile
  vars: {state: present, team_id: from-watches}
  finalizer: {name: acid.zalan.do/finalizer, vars: {state: absent}}
""" + extra)[0]


def test_normal_run_vars_in_order():
    params = build_extravars(watch(), CR)
    assert params["number_of_instances"] == 2
    assert params["postgresql"] == {"version": "17", "parameters": {"max_connections": "10"}}
    assert params["team_id"] == "from-watches"          # watches vars win over spec
    assert params["state"] == "present"
    assert params["ansible_operator_meta"] == {"name": "acid-x", "namespace": "db"}
    assert params["_acid_zalan_do_postgresql"] == CR
    assert params["_acid_zalan_do_postgresql_spec"] == CR["spec"]
    assert params["_acid_zalan_do_postgresql_spec"]["postgresql"]["parameters"] == {"maxConnections": "10"}


def test_finalizer_run_vars_win():
    assert build_extravars(watch(), CR, finalizer_run=True)["state"] == "absent"


def test_snake_case_off_and_mark_unsafe():
    w = parse_watches("- {version: v1, group: acid.zalan.do, kind: postgresql, role: r, snakeCaseParameters: false, markUnsafe: true}")[0]
    params = build_extravars(w, CR)
    assert params["teamId"] == {"__ansible_unsafe": "acid"}
    assert params["numberOfInstances"] == 2
    assert params["_acid_zalan_do_postgresql_spec"]["teamId"] == {"__ansible_unsafe": "acid"}
    assert params["ansible_operator_meta"] == {"name": {"__ansible_unsafe": "acid-x"}, "namespace": {"__ansible_unsafe": "db"}}


def test_a_tombstone_run_tells_the_role_to_use_the_passed_object():
    gone = build_extravars(watch(), CR, finalizer_run=True, tombstone=True)
    assert gone["pgkube_use_passed_resource"] is True and gone["state"] == "absent"
    assert "pgkube_use_passed_resource" not in build_extravars(watch(), CR, finalizer_run=True)
