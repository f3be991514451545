"""Fixtures for tests against a real Kubernetes control plane (etcd + kube-apiserver +
kube-controller-manager, built by controlplane/build.sh, run by tools/controlplane.py).

- ``controlplane`` (session): starts one control plane in a temporary directory, or reuses the
  one whose kubeconfig is in env ``PGKUBE_KUBECONFIG`` (then it is neither started nor stopped).
  Missing binaries are a test *failure* carrying build.sh's message, never a skip.
- ``kubeconfig`` (session): path of the admin kubeconfig.
- ``api_client`` (session): ``kubernetes.client.ApiClient`` for that kubeconfig.
- ``namespace`` (function): a fresh namespace, deleted after the test.
- ``crds`` / ``operator_rbac`` (session): our CRDs and RBAC applied (server-side apply).

Every test in this directory gets the ``kube`` marker.
"""

import glob
import importlib.util
import os
import shutil
import tempfile
import time
import uuid

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
CRD_DIR = os.path.join(REPO, "manifests", "crds")
RBAC_FILE = os.path.join(REPO, "manifests", "rbac", "operator-rbac.yaml")
FIELD_MANAGER = "pgkube-tests"


def _load_controlplane_module():
    spec = importlib.util.spec_from_file_location(
        "pgkube_tools_controlplane", os.path.join(REPO, "tools", "controlplane.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


controlplane_tool_module = _load_controlplane_module()


def pytest_collection_modifyitems(config, items):
    prefix = HERE + os.sep
    for item in items:
        if str(item.fspath).startswith(prefix):
            item.add_marker(pytest.mark.kube)


def wait_for(predicate, timeout=60.0, interval=0.25, what="condition"):
    """Poll ``predicate`` until it returns a truthy value; fail the test at the deadline."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    pytest.fail("timed out after %ss waiting for %s (last value: %r)" % (timeout, what, last))


@pytest.fixture(name="wait_for", scope="session")
def wait_for_fixture():
    """``wait_for(predicate, timeout=60, interval=0.25, what=...)``: poll with a deadline."""
    return wait_for


@pytest.fixture(scope="session")
def controlplane_tool():
    """The tools/controlplane.py module."""
    return controlplane_tool_module


def load_yaml_documents(path):
    with open(path) as handle:
        docs = [doc for doc in yaml.safe_load_all(handle) if doc]
    # a v1 List stands for its items (kubectl and kustomize expand it the same way)
    return [item for doc in docs for item in (doc.get("items") or [] if doc.get("kind") == "List" else [doc])]


class ControlPlaneHandle(object):
    """What the ``controlplane`` fixture yields."""

    def __init__(self, kubeconfig, plane=None):
        self.kubeconfig = kubeconfig
        self.plane = plane          # tools/controlplane.ControlPlane, or None when reused

    @property
    def owned(self):
        return self.plane is not None

    def log_tails(self, lines=40):
        return self.plane.log_tails(lines) if self.plane else ""

    def restart_apiserver(self):
        if not self.plane:
            raise RuntimeError("the control plane is not ours (PGKUBE_KUBECONFIG); cannot restart it")
        self.plane.restart_apiserver()


@pytest.fixture(scope="session")
def controlplane(request):
    reuse = os.environ.get("PGKUBE_KUBECONFIG")
    if reuse:
        if not os.path.isfile(reuse):
            pytest.fail("PGKUBE_KUBECONFIG=%s does not exist" % reuse, pytrace=False)
        yield ControlPlaneHandle(reuse)
        return

    errors = []
    for attempt in (1, 2):
        # Two attempts: a start can lose a race for a free port with another process on the machine.
        state_dir = tempfile.mkdtemp(prefix="pgkube-controlplane-")
        plane = controlplane_tool_module.ControlPlane(state_dir)
        try:
            plane.up()
            break
        except controlplane_tool_module.ControlPlaneError as exc:
            errors.append("attempt %d: %s" % (attempt, exc))
            plane.down(quiet=True)
            shutil.rmtree(state_dir, ignore_errors=True)
    else:
        # A failure, not a skip: CI must not pass silently without a control plane.
        pytest.fail("cannot start the local Kubernetes control plane:\n%s" % "\n".join(errors), pytrace=False)
    handle = ControlPlaneHandle(plane.kubeconfig, plane)
    try:
        yield handle
    finally:
        if request.session.testsfailed:
            reporter = request.config.pluginmanager.get_plugin("terminalreporter")
            text = "\ncontrol plane logs (tests failed):\n" + plane.log_tails(30)
            if reporter is not None:
                reporter.write_line(text)
            else:
                print(text)
        plane.down(quiet=True)
        shutil.rmtree(state_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def kubeconfig(controlplane):
    return controlplane.kubeconfig


@pytest.fixture(scope="session")
def api_client(kubeconfig):
    from kubernetes import client, config

    configuration = client.Configuration()
    config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
    api = client.ApiClient(configuration)
    yield api
    api.close()


@pytest.fixture(scope="session")
def dynamic_client(api_client, tmp_path_factory):
    from kubernetes.dynamic import DynamicClient

    # A private discovery cache: the default one in /tmp is shared by every session.
    cache = tmp_path_factory.mktemp("discovery") / "cache.json"
    return DynamicClient(api_client, cache_file=str(cache))


def apply_objects(dynamic_client, objects, namespace=None):
    """Server-side apply each object (idempotent, works for re-used control planes)."""
    applied = []
    for obj in objects:
        resource = dynamic_client.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        ns = obj.get("metadata", {}).get("namespace") or (namespace if resource.namespaced else None)
        applied.append(resource.server_side_apply(
            body=obj, name=obj["metadata"]["name"], namespace=ns,
            field_manager=FIELD_MANAGER, force_conflicts=True))
    return applied


@pytest.fixture(scope="session")
def crds(api_client, dynamic_client):
    from kubernetes import client

    objects = []
    for path in sorted(glob.glob(os.path.join(CRD_DIR, "*.yaml"))):
        objects.extend(load_yaml_documents(path))
    assert objects, "no CRDs in %s" % CRD_DIR
    apply_objects(dynamic_client, objects)
    ext = client.ApiextensionsV1Api(api_client)

    def established(name):
        crd = ext.read_custom_resource_definition(name)
        conditions = (crd.status.conditions or []) if crd.status else []
        return any(c.type == "Established" and c.status == "True" for c in conditions)

    for obj in objects:
        name = obj["metadata"]["name"]
        wait_for(lambda: established(name), what="CRD %s Established" % name)
    # The discovery cache of the dynamic client predates the CRDs.
    dynamic_client.resources.invalidate_cache()
    return {obj["metadata"]["name"]: obj for obj in objects}


@pytest.fixture(scope="session")
def operator_rbac(dynamic_client, crds):
    objects = load_yaml_documents(RBAC_FILE)
    apply_objects(dynamic_client, objects)
    return objects


@pytest.fixture
def namespace(api_client, request):
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    core = client.CoreV1Api(api_client)
    base = "".join(c if c.isalnum() else "-" for c in request.node.name.lower())[:40].strip("-")
    name = "t-%s-%s" % (base, uuid.uuid4().hex[:6])
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(
        name=name, labels={"pgkube.test": "true"})))
    yield name
    try:
        core.delete_namespace(name)
    except ApiException as exc:
        if exc.status != 404:
            raise
