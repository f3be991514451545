"""Bad input is reported before the Kubernetes API is asked anything, and an API server that
accepts connections but never answers makes the task fail with a message naming it, instead of
hanging (issue 12, defect 12). No control plane: a closed port and a silent TCP listener."""

import json
import os
import socket
import sys
import tempfile
import threading

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from playbook_runner import run_module  # noqa: E402

pytestmark = pytest.mark.ansible

# ansible-playbook is killed after this long: a hang fails the test (the module's own timeout is 2 s)
HANG = 180


def _kubeconfig(directory, port):
    path = os.path.join(directory, "kubeconfig")
    with open(path, "w") as handle:
        json.dump({"apiVersion": "v1", "kind": "Config", "current-context": "c",
                   "clusters": [{"name": "x", "cluster": {"server": "https://127.0.0.1:%d" % port, "insecure-skip-tls-verify": True}}],
                   "users": [{"name": "u", "user": {"token": "not-a-real-token"}}],
                   "contexts": [{"name": "c", "context": {"cluster": "x", "user": "u"}}]}, handle)
    return path


@pytest.fixture
def closed_port_kubeconfig():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        yield _kubeconfig(tmp, port)


@pytest.fixture
def silent_api():
    """A TCP listener that accepts every connection and never sends a byte; yields (kubeconfig, port)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except socket.timeout:
                continue
            except OSError:
                return
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    with tempfile.TemporaryDirectory() as tmp:
        yield _kubeconfig(tmp, server.getsockname()[1]), server.getsockname()[1]
    stop.set()
    thread.join(5)
    for conn in accepted:
        conn.close()
    server.close()


def _manifest(**spec):
    body = {"teamId": "acid", "numberOfInstances": 1, "postgresql": {"version": "17"}, "volume": {"size": "1Gi"}}
    body.update(spec)
    return {"apiVersion": "acid.zalan.do/v1", "kind": "postgresql", "metadata": {"name": "acid-x", "namespace": "default"}, "spec": body}


@pytest.mark.parametrize("spec,path", [({"numberOfInstances": "two"}, "spec.numberOfInstances"),
                                       ({"sidecars": [{"name": "s", "image": "i", "env": [{"value": "x"}]}]}, "spec.sidecars[0].env[0].name")])
def test_a_bad_manifest_is_reported_before_the_api_is_reached(closed_port_kubeconfig, spec, path):
    result = run_module("postgres_cluster", {"definition": _manifest(**spec)}, closed_port_kubeconfig, timeout=HANG)
    assert result.failed
    assert path in result.result["msg"], result.result["msg"]
    assert "connect" not in result.result["msg"].lower(), result.result["msg"]


def test_a_bad_operator_config_is_reported_before_the_api_is_reached(closed_port_kubeconfig):
    args = {"definition": _manifest(), "operator_config": {"workers": "many"}}
    result = run_module("postgres_cluster", args, closed_port_kubeconfig, timeout=HANG)
    assert result.failed and "workers" in result.result["msg"], result.result["msg"]
    args = {"config_map": "default/postgres-operator", "state": "present", "data": {"workers": "many"}}
    result = run_module("operator_config", args, closed_port_kubeconfig, timeout=HANG)
    assert result.failed and "workers" in result.result["msg"], result.result["msg"]


@pytest.mark.parametrize("module,args", [
    ("postgres_cluster", {"definition": _manifest(), "request_timeout": 2}),
    ("operator_config", {"config_map": "default/postgres-operator", "request_timeout": 2}),
])
def test_an_api_that_never_answers_fails_the_task_naming_it(silent_api, module, args):
    kubeconfig, port = silent_api
    result = run_module(module, args, kubeconfig, timeout=HANG)
    assert result.failed, result.output
    message = result.result["msg"]
    assert "https://127.0.0.1:%d" % port in message and "did not answer within 2s" in message, message


def test_requests_after_the_client_exists_are_bounded_too(silent_api):
    """A server that goes silent after the client was created: each request names no timeout of its
    own and still ends (the REST layer's default), reported with the server's address by KubeApi."""
    import types

    import kubernetes
    from ansible_collections.pgkube.operator.plugins.module_utils.errors import KubernetesError
    from ansible_collections.pgkube.operator.plugins.module_utils.kube.api import TRANSPORT_ERRORS, transport_error
    from ansible_collections.pgkube.operator.plugins.module_utils.kube.client import bound_requests

    _kubeconfig_path, port = silent_api
    configuration = kubernetes.client.Configuration()
    configuration.host = "https://127.0.0.1:%d" % port
    configuration.verify_ssl = False
    api_client = kubernetes.client.ApiClient(configuration)
    bound_requests(types.SimpleNamespace(client=types.SimpleNamespace(client=api_client)), 1)
    with pytest.raises(TRANSPORT_ERRORS) as err:
        api_client.call_api("GET", configuration.host + "/version")
    error = transport_error(err.value, "reading /version", configuration.host, 1)
    assert isinstance(error, KubernetesError)
    assert str(error) == "the Kubernetes API server at https://127.0.0.1:%d did not answer within 1s (reading /version)" % port
