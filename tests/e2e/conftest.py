"""Fixtures of the end-to-end tier: a real local Kubernetes with a node (tools/localcluster.py),
the locally built images (images/build.sh), the operator deployed in the cluster from manifests/.

- ``local_cluster`` (session): starts a cluster with one node in a temporary directory, or reuses
  the one whose state directory is in env ``PGKUBE_E2E_DIR`` (``make run``'s is ``.controlplane``;
  then it is neither started nor stopped). Missing binaries or images fail the tests, never skip.
  At the end the cluster is stopped and the machine must be as before (``down`` reports nothing).
- ``kube`` (session): kubectl and API clients for it.
- ``operator`` (session): the shipped operator (manifests/: CRDs, RBAC, ConfigMap, Deployment with
  the local operator image, ``docker_image`` the local Spilo-compatible image) watching the
  namespace ``E2E_NAMESPACE``.

Tests here need root and get the ``e2e`` marker; tests marked ``two_nodes`` run last (they add a
second node to the session's cluster).
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TOOLS = os.path.join(REPO, "tools")
for _path in (TOOLS, HERE, os.path.dirname(HERE)):  # the tools, this directory's helpers, tests/zalando_shape.py
    if _path not in sys.path:
        sys.path.insert(0, _path)

import localcluster  # noqa: E402  pylint: disable=wrong-import-position
from localnode.cluster import ClusterError, LocalCluster  # noqa: E402  pylint: disable=wrong-import-position

from clusters import E2E_NAMESPACE, OPERATOR_NAMESPACE  # noqa: E402  pylint: disable=wrong-import-position


def pytest_collection_modifyitems(config, items):  # pylint: disable=unused-argument
    prefix = HERE + os.sep
    ours = [i for i in items if str(i.fspath).startswith(prefix)]
    for item in ours:
        item.add_marker(pytest.mark.e2e)
    # the two-node tests change the cluster for whatever runs after them: run them last
    last = [i for i in ours if i.get_closest_marker("two_nodes")]
    if last:
        items[:] = [i for i in items if i not in last] + last


def wait_for(predicate, timeout=120.0, interval=0.5, what="condition"):
    """Poll ``predicate`` until it returns a truthy value, which is returned; an exception counts
    as "not yet" (a connection refused during a failover); fail the test at the deadline."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except Exception as exc:  # pylint: disable=broad-except
            value, last = None, "%s: %s" % (type(exc).__name__, exc)
        else:
            last = value
        if value:
            return value
        time.sleep(interval)
    pytest.fail("timed out after %ss waiting for %s (last: %r)" % (timeout, what, last))


@pytest.fixture(name="wait_for", scope="session")
def wait_for_fixture():
    return wait_for


class Kube:
    """kubectl and API clients of the e2e cluster."""

    def __init__(self, cluster, images):
        from kubernetes import client, config  # pylint: disable=import-outside-toplevel

        self.cluster = cluster
        self.images = images
        self.kubeconfig = cluster.kubeconfig
        self.bin_dir = (cluster.plane.load() or {})["bin_dir"]
        configuration = client.Configuration()
        config.load_kube_config(config_file=self.kubeconfig, client_configuration=configuration)
        self.api = client.ApiClient(configuration)
        self.core = client.CoreV1Api(self.api)
        self.apps = client.AppsV1Api(self.api)
        self.custom = client.CustomObjectsApi(self.api)

    def kubectl(self, *args, stdin=None, check=True, timeout=180):
        argv = [os.path.join(self.bin_dir, "kubectl"), "--kubeconfig", self.kubeconfig] + list(args)
        proc = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=timeout, check=False)
        if check and proc.returncode != 0:
            pytest.fail("kubectl %s failed (%d): %s" % (" ".join(args), proc.returncode, proc.stderr.strip()))
        return proc

    def apply(self, objects, namespace=None):
        docs = "\n---\n".join(yaml.safe_dump(o) for o in objects)
        args = ["apply", "--server-side", "--force-conflicts", "--field-manager=pgkube-e2e", "-f", "-"]
        if namespace:
            args[1:1] = ["-n", namespace]
        return self.kubectl(*args, stdin=docs)

    def ensure_namespace(self, name):
        self.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}])

    def postgresql(self, namespace, name):
        return self.custom.get_namespaced_custom_object("acid.zalan.do", "v1", namespace, "postgresqls", name)

    def secret_value(self, namespace, name, key):
        secret = self.core.read_namespaced_secret(name, namespace)
        return base64.b64decode(secret.data[key]).decode("utf-8")

    def service_ip(self, namespace, name):
        return self.core.read_namespaced_service(name, namespace).spec.cluster_ip

    def events(self, namespace, name):
        items = self.core.list_namespaced_event(namespace, field_selector="involvedObject.name=%s" % name).items
        return [(e.type, e.reason, e.message) for e in items]


@pytest.fixture(scope="session")
def local_cluster(request):
    if os.geteuid() != 0:
        pytest.fail("the end-to-end tests need root (kubelet, containerd, iptables)", pytrace=False)
    try:
        images = localcluster.built_images(build=False)
    except ClusterError as exc:
        pytest.fail("the local images are not built (bash images/build.sh):\n%s" % exc, pytrace=False)
    reuse = os.environ.get("PGKUBE_E2E_DIR")
    if reuse:
        cluster = LocalCluster(reuse)
        if not cluster.running():
            pytest.fail("PGKUBE_E2E_DIR=%s: no running local cluster there" % reuse, pytrace=False)
        cluster.import_images(images)
        yield cluster, images
        return
    state_dir = tempfile.mkdtemp(prefix="pgkube-e2e-")
    cluster = LocalCluster(state_dir)
    try:
        cluster.up(images, nodes=1)
    except Exception as exc:  # pylint: disable=broad-except
        cluster.down(quiet=True)
        pytest.fail("cannot start the local cluster: %s" % exc, pytrace=False)
    try:
        yield cluster, images
    finally:
        if request.session.testsfailed:
            _print_logs(request, cluster)
        problems = cluster.down(quiet=True)
        if problems:
            print("\nlocal cluster teardown left: %s" % "; ".join(problems))
        try:
            os.rmdir(state_dir)
        except OSError:
            pass


def _print_logs(request, cluster):
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    parts = []
    for name in sorted(os.listdir(cluster.logs)) if os.path.isdir(cluster.logs) else []:
        parts.append("---- %s\n%s" % (name, _tail(os.path.join(cluster.logs, name), 15)))
    text = "\nlocal cluster logs (tests failed):\n" + "\n".join(parts)
    if reporter is not None:
        reporter.write_line(text)


def _tail(path, lines):
    try:
        with open(path, "rb") as handle:
            return "\n".join(handle.read()[-20000:].decode("utf-8", "replace").splitlines()[-lines:])
    except OSError:
        return ""


@pytest.fixture(scope="session")
def kube(local_cluster):
    cluster, images = local_cluster
    return Kube(cluster, dict((name, ref) for name, (ref, _archive) in images.items()))


def operator_overlay(kube, directory, watched_namespace):
    """A kustomization of the shipped bundle with the local images and the watched namespace."""
    operator = kube.images["operator"]
    overlay = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": [os.path.relpath(os.path.join(REPO, "manifests"), directory)],
        "images": [{"name": "ghcr.io/pgkube/operator", "newName": operator.rsplit(":", 1)[0],
                    "newTag": operator.rsplit(":", 1)[1]}],
        "patches": [
            {"target": {"kind": "ConfigMap", "name": "postgres-operator"},
             "patch": json.dumps([{"op": "replace", "path": "/data/docker_image", "value": kube.images["spilo"]}])},
            {"target": {"kind": "Deployment", "name": "postgres-operator"},
             "patch": json.dumps([{"op": "replace", "path": "/spec/template/spec/containers/0/env/0",
                                   "value": {"name": "WATCHED_NAMESPACE", "value": watched_namespace}}])},
        ],
    }
    with open(os.path.join(directory, "kustomization.yaml"), "w") as handle:
        yaml.safe_dump(overlay, handle)


@pytest.fixture(scope="session")
def operator(kube, tmp_path_factory, wait_for):
    """The shipped operator, in the cluster, under the shipped RBAC, watching E2E_NAMESPACE."""
    directory = str(tmp_path_factory.mktemp("operator-overlay"))
    operator_overlay(kube, directory, E2E_NAMESPACE)
    kube.ensure_namespace(E2E_NAMESPACE)
    kube.kubectl("apply", "--server-side", "--force-conflicts", "-k", directory)
    kube.kubectl("-n", OPERATOR_NAMESPACE, "rollout", "status", "deployment/postgres-operator", "--timeout=240s",
                 timeout=260)
    return {"namespace": OPERATOR_NAMESPACE, "watched": E2E_NAMESPACE}
