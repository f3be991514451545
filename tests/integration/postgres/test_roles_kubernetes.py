"""The cluster-reference path: the module reads the postgresql CR and its Secrets from a real
kube-apiserver (tools/controlplane.py) and syncs a real PostgreSQL 15; rotation writes the Secret back."""

import base64
import importlib.util
import os
import shutil
import tempfile
import time
import uuid
from datetime import datetime, timezone

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
pytestmark = pytest.mark.kube


def _controlplane_tool():
    spec = importlib.util.spec_from_file_location("pgkube_tools_controlplane_roles", os.path.join(REPO, "tools", "controlplane.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def kube():
    """(kubeconfig path, DynamicClient) of a control plane: PGKUBE_KUBECONFIG's, or one started here."""
    from kubernetes import config, dynamic
    reuse = os.environ.get("PGKUBE_KUBECONFIG")
    plane = state_dir = None
    if reuse:
        kubeconfig = reuse
    else:
        tool = _controlplane_tool()
        state_dir = tempfile.mkdtemp(prefix="pgkube-roles-cp-")
        plane = tool.ControlPlane(state_dir)
        try:
            plane.up(controller_manager=False)
        except tool.ControlPlaneError as exc:
            plane.down(quiet=True)
            shutil.rmtree(state_dir, ignore_errors=True)
            pytest.fail("cannot start the local Kubernetes control plane:\n%s" % exc, pytrace=False)
        kubeconfig = plane.kubeconfig
    client = dynamic.DynamicClient(config.new_client_from_config(config_file=kubeconfig))
    with open(os.path.join(REPO, "manifests", "crds", "postgresql.crd.yaml")) as handle:
        for crd in yaml.safe_load_all(handle):
            if crd:
                client.resources.get(api_version=crd["apiVersion"], kind=crd["kind"]).server_side_apply(
                    body=crd, name=crd["metadata"]["name"], field_manager="pgkube-tests", force_conflicts=True)
    deadline = time.monotonic() + 60
    while True:
        client.resources.invalidate_cache()
        try:
            client.resources.get(api_version="acid.zalan.do/v1", kind="postgresql")
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    try:
        yield kubeconfig, client
    finally:
        if plane is not None:
            plane.down(quiet=True)
            shutil.rmtree(state_dir, ignore_errors=True)


def b64(text):
    return base64.b64encode(text.encode()).decode()


def unb64(text):
    return base64.b64decode(text).decode()


@pytest.fixture
def namespace(kube):
    client = kube[1]
    name = "roles-" + uuid.uuid4().hex[:8]
    client.resources.get(api_version="v1", kind="Namespace").create(body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return name


def secret(client, namespace, name, data):
    client.resources.get(api_version="v1", kind="Secret").create(namespace=namespace, body={
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace},
        "data": dict((k, b64(v)) for k, v in data.items())})


def read_secret(client, namespace, name):
    obj = client.resources.get(api_version="v1", kind="Secret").get(name=name, namespace=namespace).to_dict()
    return dict((k, unb64(v)) for k, v in (obj.get("data") or {}).items())


def test_cluster_reference_and_rotation(pg, run_module, kube, namespace):
    kubeconfig, client = kube
    cluster = {"apiVersion": "acid.zalan.do/v1", "kind": "postgresql", "metadata": {"name": "acid-k8s", "namespace": namespace},
               "spec": {"teamId": "acid", "numberOfInstances": 1, "volume": {"size": "1Gi"}, "postgresql": {"version": "15"},
                        "users": {"app": ["createdb"], "plain": []}, "databases": {"appdb": "plain"},
                        "usersWithSecretRotation": ["app"]}}
    client.resources.get(api_version="acid.zalan.do/v1", kind="postgresql").create(body=cluster, namespace=namespace)
    secret(client, namespace, "app.acid-k8s.credentials.postgresql.acid.zalan.do", {"username": "app", "password": "k8s-app-pass"})
    secret(client, namespace, "plain.acid-k8s.credentials.postgresql.acid.zalan.do", {"username": "plain", "password": "k8s-plain-pass"})
    secret(client, namespace, "pg-infra", {"user1": "robot_k8s", "password1": "k8s-robot-pass", "inrole1": "robots"})
    args = {"name": "acid-k8s", "namespace": namespace, "k8s_auth": {"kubeconfig": kubeconfig}, "operator_namespace": namespace,
            "operator_config": {"enable_teams_api": "false", "infrastructure_roles_secret_name": "pg-infra"}}

    first = run_module(args)
    assert {"app", "plain", "robot_k8s", "robots"} <= set(first["roles_created"])
    assert first["databases_created"] == ["appdb"]
    pg.connect(user="plain", password="k8s-plain-pass", tcp=True).close()
    pg.connect(user="robot_k8s", password="k8s-robot-pass", tcp=True).close()
    stored = read_secret(client, namespace, "app.acid-k8s.credentials.postgresql.acid.zalan.do")
    assert stored["password"] == "k8s-app-pass" and stored["nextRotation"]  # rotation scheduled
    assert first["secrets_updated"] == ["app"]
    for text in ("k8s-app-pass", "k8s-plain-pass", "k8s-robot-pass"):
        assert text not in first["_raw"]

    second = run_module(args)
    assert not second["changed"], second["queries"]

    # the rotation falls due: new dated role, new password in the Secret
    resource = client.resources.get(api_version="v1", kind="Secret")
    resource.patch(name="app.acid-k8s.credentials.postgresql.acid.zalan.do", namespace=namespace,
                   body={"data": {"nextRotation": b64("2020-01-01T00:00:00Z")}}, content_type="application/merge-patch+json")
    third = run_module(args)
    rotated = read_secret(client, namespace, "app.acid-k8s.credentials.postgresql.acid.zalan.do")
    expected = "app" + datetime.now(timezone.utc).strftime("%y%m%d")
    assert rotated["username"] == expected and rotated["password"] != "k8s-app-pass"
    assert expected in third["roles_created"]
    assert rotated["password"] not in third["_raw"]
    pg.connect(user=expected, password=rotated["password"], tcp=True).close()
    assert not run_module(args)["changed"]
