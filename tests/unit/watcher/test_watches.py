"""watches.yaml parsing (ansible-operator's format) and the extra vars built from it."""

import os
import sys

import pytest

WATCHER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "watcher")
if WATCHER not in sys.path:
    sys.path.insert(0, WATCHER)

# pylint: disable=wrong-import-position
from pgkube_watcher.paramconv import convert_keys, to_snake
from pgkube_watcher.watches import (
    WatchesError, find_watch, parse_go_duration, parse_watches, possible_role_paths, resolve_role,
)

WATCHES = """
- version: v1
  group: acid.zalan.do
  kind: postgresql
  role: pgkube.operator.reconcile
  reconcilePeriod: 1h30m
  snakeCaseParameters: true
  vars:
    state: present
    image: ${PGKUBE_TEST_IMAGE}
    other: ${PGKUBE_TEST_UNSET}
  finalizer:
    name: acid.zalan.do/finalizer
    vars:
      state: absent
- version: v1
  group: ""
  kind: Secret
  playbook: playbooks/secret.yml
  manageStatus: false
  maxRunnerArtifacts: 2
"""


def test_parse_entries_defaults_and_env_expansion():
    watches = parse_watches(WATCHES, base_dir="/base", environ={"PGKUBE_TEST_IMAGE": "spilo:17"})
    pg = find_watch(watches)
    assert pg.role == "pgkube.operator.reconcile" and pg.playbook is None
    assert pg.reconcile_period == 5400
    assert pg.vars == {"state": "present", "image": "spilo:17", "other": "${PGKUBE_TEST_UNSET}"}
    assert pg.finalizer.name == "acid.zalan.do/finalizer" and pg.finalizer.vars == {"state": "absent"}
    assert pg.manage_status and pg.watch_dependent_resources and pg.snake_case_parameters
    assert not pg.mark_unsafe and not pg.watch_annotations_changes
    assert pg.max_runner_artifacts == 20
    assert pg.object_var == "_acid_zalan_do_postgresql"
    assert pg.spec_var == "_acid_zalan_do_postgresql_spec"
    assert pg.api_version == "acid.zalan.do/v1"
    secret = find_watch(watches, "", "v1", "Secret")
    assert secret.playbook == "/base/playbooks/secret.yml"
    assert secret.manage_status is False and secret.max_runner_artifacts == 2
    assert secret.api_version == "v1" and secret.object_var == "__secret"


def test_playbook_wins_over_role():
    watch = parse_watches("- {version: v1, group: g, kind: K, role: r, playbook: /p.yml}")[0]
    assert watch.playbook == "/p.yml" and watch.role is None


@pytest.mark.parametrize("text, message", [
    ("- {group: g, kind: K, role: r}", "version: required"),
    ("- {version: v1, group: g, role: r}", "kind: required"),
    ("- {version: v1, group: g, kind: K, role: r}\n- {version: v1, group: g, kind: K, role: s}", "duplicate"),
    ("- {version: v1, group: g, kind: K, role: r, finalizer: {role: x}}", "finalizer.name"),
    ("- {version: v1, group: g, kind: K, role: r, finalizer: {name: f}}", "give role, playbook or vars"),
    ("- {version: v1, group: g, kind: K, role: r, reconcilePeriod: soon}", "reconcilePeriod"),
    ("- {version: v1, group: g, kind: K, role: r, manageStatus: maybe}", "manageStatus"),
    ("version: v1", "YAML list"),
    ("- [", "not valid YAML"),
])
def test_invalid_watches(text, message):
    with pytest.raises(WatchesError, match=message):
        parse_watches(text)


@pytest.mark.parametrize("value, seconds", [
    ("30s", 30), ("10m", 600), ("1h30m", 5400), ("0", 0), ("1.5h", 5400), ("500ms", 0.5), (45, 45),
])
def test_go_durations(value, seconds):
    assert parse_go_duration(value) == seconds


def test_role_resolution_order(tmp_path):
    collections = tmp_path / "collections"
    role = collections / "ansible_collections" / "pgkube" / "operator" / "roles" / "reconcile"
    role.mkdir(parents=True)
    env = {"ANSIBLE_COLLECTIONS_PATH": str(collections)}
    assert resolve_role("pgkube.operator.reconcile", env, cwd=str(tmp_path)) == str(role)
    local = tmp_path / "roles" / "plain"
    local.mkdir(parents=True)
    assert resolve_role("plain", {}, cwd=str(tmp_path)) == str(local)
    paths = possible_role_paths("plain", {"ANSIBLE_ROLES_PATH": "/r1"}, cwd="/cwd")
    assert paths == ["/r1/plain", "/r1/roles/plain", "/cwd/roles/plain"]
    with pytest.raises(WatchesError, match="not found"):
        resolve_role("missing.role.here", env, cwd=str(tmp_path))


@pytest.mark.parametrize("camel, snake", [
    ("numberOfInstances", "number_of_instances"),
    ("teamId", "team_id"),
    ("spiloFSGroup", "spilo_fs_group"),
    ("enableMasterLoadBalancer", "enable_master_load_balancer"),
    ("egressIPs", "egress_ips"),
    ("URLegressIPEgressHTTP", "url_egress_ip_egress_http"),
    ("ThisShouldHaveUnderscores", "_this_should_have_underscores"),
    ("sizeK8sBuckets", "size_k8s_buckets"),
    ("maxDBConnections", "max_db_connections"),
    ("s3_wal_path", "s3_wal_path"),
    ("version", "version"),
])
def test_snake_case(camel, snake):
    assert to_snake(camel) == snake


def test_convert_keys_is_recursive_through_lists():
    spec = {"numberOfInstances": 2, "sidecars": [{"dockerImage": "x", "env": [{"name": "POSTGRES_USER"}]}],
            "postgresql": {"parameters": {"shared_buffers": "32MB", "maxConnections": "10"}}}
    assert convert_keys(spec) == {
        "number_of_instances": 2,
        "sidecars": [{"docker_image": "x", "env": [{"name": "POSTGRES_USER"}]}],
        "postgresql": {"parameters": {"shared_buffers": "32MB", "max_connections": "10"}},
    }
