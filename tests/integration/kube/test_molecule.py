"""The molecule scenario molecule/default (converge, idempotence, verify, cleanup of the reconcile
role) against the session's control plane."""

import os
import shutil
import subprocess
import sys
import uuid

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from playbook_runner import COLLECTIONS, ROOT  # noqa: E402

pytestmark = pytest.mark.ansible


def test_molecule_default_scenario(kubeconfig, crds, tmp_path):
    bindir = os.path.dirname(sys.executable)
    molecule = os.path.join(bindir, "molecule")
    assert os.path.exists(molecule), "molecule is not installed in %s (tests/requirements.txt)" % bindir
    namespace = "molecule-" + uuid.uuid4().hex[:8]
    env = dict(os.environ)
    env.update({
        "PATH": bindir + os.pathsep + env.get("PATH", ""),
        "K8S_AUTH_KUBECONFIG": kubeconfig,
        "PGKUBE_MOLECULE_NAMESPACE": namespace,
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "MOLECULE_GLOB": "molecule/*/molecule.yml",
        "ANSIBLE_NOCOLOR": "1",
        "NO_COLOR": "1",
        "MOLECULE_EPHEMERAL_DIRECTORY": str(tmp_path / "ephemeral"),
        "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
        "HOME": env.get("HOME", str(tmp_path)),
    })
    proc = subprocess.run([molecule, "test", "-s", "default"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-12000:]
    # the scenario really ran converge twice (idempotence) and verify
    assert "idempotence" in output.lower() and "verify" in output.lower(), output[-4000:]
    shutil.rmtree(str(tmp_path / "ephemeral"), ignore_errors=True)
