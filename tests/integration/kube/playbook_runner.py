"""Run pgkube.operator modules through ansible-playbook against the test control plane.

Each call writes a one-task playbook into a temporary directory, runs the real
``ansible-playbook`` with the collection on ``ANSIBLE_COLLECTIONS_PATH`` and the test
kubeconfig in ``K8S_AUTH_KUBECONFIG``, and returns the registered module result,
which the playbook writes to a JSON file.
"""

import json
import os
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
COLLECTIONS = os.path.join(ROOT, ".build", "collections")


class PlaybookResult:
    def __init__(self, returncode, result, output):
        self.returncode = returncode
        self.result = result
        self.output = output

    @property
    def failed(self):
        return bool(self.result.get("failed")) or self.returncode != 0


def run_module(module, args, kubeconfig, check=False, diff=False, extra_env=None, timeout=600):
    """Run ``pgkube.operator.<module>`` with ``args``; returns a PlaybookResult (``timeout``: seconds
    before ansible-playbook is killed, which raises ``subprocess.TimeoutExpired``)."""
    with tempfile.TemporaryDirectory(prefix="pgkube-play-") as tmp:
        result_file = os.path.join(tmp, "result.json")
        play = [{
            "name": "run %s" % module,
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "tasks": [
                {"name": "module under test", "pgkube.operator.%s" % module: args, "register": "module_result", "ignore_errors": True},
                {"name": "save the result", "ansible.builtin.copy": {"content": "{{ module_result | to_json }}", "dest": result_file},
                 "check_mode": False, "diff": False},
            ],
        }]
        playbook = os.path.join(tmp, "play.yml")
        with open(playbook, "w") as handle:
            yaml.safe_dump(play, handle)
        env = dict(os.environ)
        env.update({
            "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
            "K8S_AUTH_KUBECONFIG": kubeconfig,
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_NOCOLOR": "1",
        })
        env.update(extra_env or {})
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)
        result = {}
        if os.path.exists(result_file):
            with open(result_file) as handle:
                result = json.load(handle)
        return PlaybookResult(proc.returncode, result, proc.stdout + proc.stderr)
