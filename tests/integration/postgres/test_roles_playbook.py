"""The module through ansible-playbook: a first run changes, a second is ok, check mode reports; no password in the output."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Sync roles
      pgkube.operator.postgres_roles:
        definition:
          metadata: {name: acid-play}
          spec:
            teamId: acid
            users: {play_user: [createdb]}
            databases: {play_db: play_user}
            preparedDatabases: {play_prep: {defaultUsers: true}}
        operator_config: {enable_teams_api: "false"}
        secrets: {play_user: "Pl4y-s3cret-pw"}
        login_unix_socket: "%(socket)s"
        login_port: %(port)d
        ssl_mode: disable
      register: sync
    - name: Show
      ansible.builtin.debug:
        var: sync
"""


def run_playbook(pg, tmp_path, *extra):
    path = tmp_path / "play.yml"
    path.write_text(PLAYBOOK % {"socket": pg.sockdir, "port": pg.port})
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".build", "collections"), ANSIBLE_STDOUT_CALLBACK="json",
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1")
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(path), "-e",
           "ansible_python_interpreter=%s" % sys.executable] + list(extra)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads(proc.stdout[proc.stdout.index("{"):])
    task = data["plays"][0]["tasks"][0]["hosts"]["localhost"]
    assert "Pl4y-s3cret-pw" not in proc.stdout + proc.stderr
    return task


@pytest.mark.ansible
def test_playbook_run(pg, tmp_path):
    check = run_playbook(pg, tmp_path, "--check", "--diff")
    assert check["changed"] and any(q.startswith('CREATE ROLE "play_user"') for q in check["queries"])
    assert pg.query("SELECT count(*) FROM pg_roles WHERE rolname = 'play_user'") == [(0,)]
    first = run_playbook(pg, tmp_path)
    assert first["changed"]
    assert "play_prep" in first["databases_created"]
    second = run_playbook(pg, tmp_path)
    assert not second["changed"] and second["queries"] == []
