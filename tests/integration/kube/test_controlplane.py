"""The control plane itself: versions, kubectl, restart, and the missing-binaries message."""

import json
import os
import re
import subprocess
import sys

import pytest

from kubernetes import client


REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
GO_MOD = os.path.join(REPO, "controlplane", "go.mod")


def _pinned_version():
    with open(GO_MOD) as handle:
        match = re.search(r"^\s*k8s\.io/kubernetes (v\d+\.\d+\.\d+)", handle.read(), re.M)
    assert match, "no k8s.io/kubernetes require line in controlplane/go.mod"
    return match.group(1)


def test_server_reports_pinned_version(api_client, controlplane):
    info = client.VersionApi(api_client).get_code()
    if controlplane.owned:
        expected = _pinned_version()
        assert info.git_version == expected
        assert (info.major, info.minor) == ("1", expected.split(".")[1])
    assert info.git_version.startswith("v1.")


def test_kubectl_talks_to_the_server(controlplane, kubeconfig):
    if not controlplane.owned:
        pytest.skip("PGKUBE_KUBECONFIG: built kubectl location unknown")
    state = controlplane.plane.load()
    kubectl = os.path.join(state["bin_dir"], "kubectl")
    out = subprocess.run([kubectl, "--kubeconfig", kubeconfig, "version", "-o", "json"],
                         check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
    versions = json.loads(out)
    assert versions["clientVersion"]["gitVersion"] == _pinned_version()
    assert versions["serverVersion"]["gitVersion"] == _pinned_version()
    out = subprocess.run([kubectl, "--kubeconfig", kubeconfig, "get", "--raw", "/readyz"],
                         check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
    assert out.strip() == "ok"


def test_cli_status_and_env(controlplane):
    if not controlplane.owned:
        pytest.skip("PGKUBE_KUBECONFIG: not started by us")
    tool = os.path.join(REPO, "tools", "controlplane.py")
    status = subprocess.run([sys.executable, tool, "--dir", controlplane.plane.dir, "status"],
                            stdout=subprocess.PIPE, universal_newlines=True, check=False)
    assert status.returncode == 0, status.stdout
    data = json.loads(status.stdout)
    assert data["running"] is True
    assert set(data["components"]) == {"etcd", "kube-apiserver", "kube-controller-manager"}
    env = subprocess.run([sys.executable, tool, "--dir", controlplane.plane.dir, "env"],
                         check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
    assert "export KUBECONFIG='%s'" % controlplane.kubeconfig in env


def test_apiserver_restart_keeps_data(api_client, controlplane, namespace, wait_for,
                                      controlplane_tool):
    if not controlplane.owned:
        pytest.skip("PGKUBE_KUBECONFIG: cannot restart a control plane we did not start")
    core = client.CoreV1Api(api_client)
    core.create_namespaced_config_map(namespace, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="survivor"), data={"k": "v"}))
    before = controlplane.plane.load()["components"]["kube-apiserver"]["pid"]
    controlplane.restart_apiserver()
    after = controlplane.plane.load()["components"]["kube-apiserver"]["pid"]
    assert after != before
    assert not controlplane_tool.pid_alive(before, "kube-apiserver")
    # Same port and certificates: the existing client keeps working.
    cm = wait_for(lambda: core.read_namespaced_config_map("survivor", namespace),
                  what="ConfigMap readable after the restart")
    assert cm.data == {"k": "v"}


def test_missing_binaries_message(tmp_path, monkeypatch, controlplane_tool):
    """Without a build, starting fails (no skip) with build.sh's explanation."""
    monkeypatch.setenv("PGKUBE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("KUBEBUILDER_ASSETS", raising=False)
    monkeypatch.delenv("PGKUBE_K8S_BIN_DIR", raising=False)
    monkeypatch.delenv("KUBE_BIN_DIR", raising=False)
    with pytest.raises(controlplane_tool.ControlPlaneError) as err:
        controlplane_tool.find_bin_dir()
    assert "make controlplane-build" in str(err.value)


def test_missing_go_message(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PGKUBE_CACHE": str(tmp_path / "c"),
           "PGKUBE_GO_FALLBACK": str(tmp_path / "no-go")}
    proc = subprocess.run(["bash", os.path.join(REPO, "controlplane", "build.sh")], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          check=False)
    if proc.returncode == 0:
        pytest.skip("a Go toolchain is on /usr/bin:/bin")
    assert "Install Go" in proc.stderr
    assert proc.stdout == ""
