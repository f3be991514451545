# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End-to-end check of the built spilo and operator images against a real kube-apiserver.

No kubelet and no containerd: the project's local control plane (tools/controlplane.py,
etcd + kube-apiserver, binaries from controlplane/build.sh) provides the API, the images
run with runc directly in the host's network namespace, and the Pod objects Patroni
patches are created by hand (they stay Pending). What it checks:

* spilo, ConfigMap mode, started as root: Patroni bootstraps, labels its Pod
  ``spilo-role=master``, writes ``<scope>-leader`` / ``<scope>-config`` ConfigMaps carrying
  the cluster labels; ``psql -U postgres`` and ``patronictl list`` work in the container as
  root without arguments; the superuser logs in over TCP with ``sslmode=require``; the
  post_init roles exist; after SIGTERM and a new start on the same data directory (a pod
  recreated on its PVC) the data is still there.
* spilo, Endpoints mode, started as uid 101 / gid 103 on a volume prepared as an fsGroup
  would: Endpoints ``<scope>`` carries the pod IP and port, Patroni created ``<scope>-config``.
* operator: the watcher with a read-only root, uid 1000 and no writable volume answers
  ``/readyz`` and reconciles the minimal example manifest into a StatefulSet.

Run as root after ``bash images/build.sh spilo operator``:
``.venv/bin/python images/apiserver_check.py [spilo] [operator]``. Everything it starts
(control plane, containers) is stopped and its scratch directory removed at the end.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tools"))

import controlplane  # noqa: E402  pylint: disable=wrong-import-position,import-error
import yaml  # noqa: E402  pylint: disable=wrong-import-position

from pgkube_images import oci, runc  # noqa: E402  pylint: disable=wrong-import-position
from pgkube_images.proc import log  # noqa: E402  pylint: disable=wrong-import-position

NAMESPACE = "verify"
SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
SUPERUSER_PASSWORD = "e2e-superuser-password"


class Failure(AssertionError):
    pass


def host_address():
    """A non-loopback address of this machine: Endpoints refuse 127.0.0.0/8, and the containers share the host's network."""
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"], stdout=subprocess.PIPE, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if "inet" in parts:
            return parts[parts.index("inet") + 1].split("/")[0]
    raise Failure("no global IPv4 address on this machine")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what, check, timeout, interval=1.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except (OSError, ValueError, subprocess.CalledProcessError) as exc:
            last = exc
        time.sleep(interval)
    raise Failure("timed out after %ss waiting for %s (last: %r)" % (timeout, what, last))


class Kube:
    def __init__(self, kubeconfig):
        self.kubeconfig = kubeconfig
        self.kubectl = shutil.which("kubectl") or "kubectl"
        self.ca_file = None

    def run(self, *args, input_text=None):
        return subprocess.run([self.kubectl, "--kubeconfig", self.kubeconfig] + list(args), input=input_text, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True).stdout

    def apply(self, documents):
        self.run("apply", "-f", "-", input_text=yaml.safe_dump_all(documents))

    def get(self, kind, name, namespace=NAMESPACE):
        return json.loads(self.run("get", kind, name, "-n", namespace, "-o", "json"))


class Container:
    """A container run by runc in the background (host network), with exec and signals."""

    def __init__(self, bundle, state_root, name, log_path):
        self.bundle = bundle
        self.base = ["runc", "--root", state_root]
        self.name = name
        self.log_path = log_path
        self.proc = None
        self.output = None
        self.env = {}

    def start(self, args, env, **options):
        self.env = env
        with open(os.path.join(self.bundle, "config.json"), "w") as handle:
            json.dump(runc.bundle_config(args, env, host_network=True, **options), handle, indent=1)
        log("e2e: starting %s: %s", self.name, " ".join(args))
        self.output = open(self.log_path, "ab")  # pylint: disable=consider-using-with
        self.proc = subprocess.Popen(self.base + ["run", "--bundle", self.bundle, self.name], stdin=subprocess.DEVNULL,
                                     stdout=self.output, stderr=subprocess.STDOUT)

    def exec(self, args, user="0:0", env=None):
        argv = self.base + ["exec", "--user", user]
        for key, value in sorted((env or self.env).items()):
            argv += ["--env", "%s=%s" % (key, value)]
        proc = subprocess.run(argv + [self.name] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              check=False, timeout=60)
        return proc.returncode, proc.stdout

    def stop(self, timeout=60):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            subprocess.run(self.base + ["kill", self.name, "TERM"], check=False, stderr=subprocess.DEVNULL)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                subprocess.run(self.base + ["kill", self.name, "KILL"], check=False, stderr=subprocess.DEVNULL)
                self.proc.wait()
        subprocess.run(self.base + ["delete", "--force", self.name], check=False, stderr=subprocess.DEVNULL)
        self.output.close()
        code, self.proc = self.proc.returncode, None
        return code

    def log_text(self):
        with open(self.log_path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")

    def log_excerpt(self):
        """The first and the last lines of the output (a retry loop would bury the cause)."""
        lines = self.log_text().splitlines()
        if len(lines) <= 80:
            return "\n".join(lines)
        middle = [line for line in lines[50:-30] if any(word in line for word in ("WARNING", "ERROR", "FATAL", "Traceback", "Error"))]
        return "\n".join(lines[:50] + ["[... %d lines, their warnings and errors: ...]" % (len(lines) - 80)] + middle[:60] + ["[...]"]
                         + lines[-30:])


def archives(names):
    out = subprocess.run(["bash", os.path.join(HERE, "build.sh"), "--print"] + list(names), stdout=subprocess.PIPE, text=True,
                         check=False)
    if out.returncode != 0:
        raise SystemExit("build the images first: bash images/build.sh %s" % " ".join(names))
    return {line.split()[0]: (line.split()[1], line.split()[2]) for line in out.stdout.splitlines() if line.strip()}


def unpack(archive, target):
    manifest, config = oci.read_archive(archive)[1:]
    oci.extract_rootfs(archive, manifest, os.path.join(target, "rootfs"))
    return runc.image_env(config), config["config"]


def postgres_pod_rbac():
    """The ``postgres-pod`` ClusterRole from manifests/rbac/operator-rbac.yaml, bound to our ServiceAccount."""
    with open(os.path.join(REPO, "manifests/rbac/operator-rbac.yaml")) as handle:
        listing = yaml.safe_load(handle)
    role = [item for item in listing["items"] if item["kind"] == "ClusterRole" and item["metadata"]["name"] == "postgres-pod"][0]
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "postgres-pod", "namespace": NAMESPACE}},
        role,
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "postgres-pod", "namespace": NAMESPACE},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "postgres-pod"},
         "subjects": [{"kind": "ServiceAccount", "name": "postgres-pod", "namespace": NAMESPACE}]},
    ]


def pod(name, cluster):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": NAMESPACE,
                                                            "labels": {"application": "spilo", "cluster-name": cluster}},
            "spec": {"serviceAccountName": "postgres-pod", "containers": [{"name": "postgres", "image": "pgkube.local/none"}]}}


def spilo_env(image_env, cluster, member, server_port, pgport, apiport, configmaps):
    env = dict(image_env)
    env.update({
        "SCOPE": cluster, "PGROOT": "/home/postgres/pgdata/pgroot", "POD_IP": host_address(), "POD_NAMESPACE": NAMESPACE,
        "HOSTNAME": member, "PGUSER_SUPERUSER": "postgres", "PGPASSWORD_SUPERUSER": SUPERUSER_PASSWORD, "PGUSER_STANDBY": "standby",
        "PGPASSWORD_STANDBY": "e2e-standby-password", "KUBERNETES_SCOPE_LABEL": "cluster-name", "KUBERNETES_ROLE_LABEL": "spilo-role",
        "PAM_OAUTH2": "", "HUMAN_ROLE": "zalandos", "PGVERSION": "17", "KUBERNETES_LABELS": '{"application":"spilo"}',
        "SPILO_CONFIGURATION": json.dumps({"postgresql": {}, "bootstrap": {
            "initdb": [{"auth-host": "scram-sha-256"}, {"auth-local": "trust"}], "dcs": {"ttl": 20, "loop_wait": 5}}}),
        "DCS_ENABLE_KUBERNETES_API": "true", "KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": str(server_port),
        "PGPORT": str(pgport), "APIPORT": str(apiport),
    })
    if configmaps:
        env["KUBERNETES_USE_CONFIGMAPS"] = "true"
    return env


def role_label(kube, name):
    return kube.get("pod", name)["metadata"].get("labels", {}).get("spilo-role")


def psql_tcp(pgport, sql):
    env = dict(os.environ, PGPASSWORD=SUPERUSER_PASSWORD, PGCONNECT_TIMEOUT="5")
    return subprocess.run(["psql", "host=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=require" % pgport, "-Atc", sql],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=True).stdout.strip()


def expect(condition, message):
    if not condition:
        raise Failure(message)
    log("e2e ok: %s", message)


def check_spilo_configmaps(work, kube, server_port, archive, state_root):
    bundle = os.path.join(work, "spilo-a")
    image_env = unpack(archive, bundle)[0]
    pgdata = os.path.join(work, "pv-a")
    os.makedirs(pgdata)
    kube.apply([pod("e2e-cm-0", "e2e-cm")])
    pgport, apiport = free_port(), free_port()
    env = spilo_env(image_env, "e2e-cm", "e2e-cm-0", server_port, pgport, apiport, configmaps=True)
    mounts = [(SA_DIR, os.path.join(work, "sa"), True), ("/home/postgres/pgdata", pgdata, False)]
    container = Container(bundle, state_root, "pgkube-e2e-cm", os.path.join(work, "spilo-a.log"))
    try:
        container.start(["/bin/sh", "/launch.sh", "init"], env, read_only=False, mounts=mounts)
        wait_for("spilo-role=master on pod e2e-cm-0", lambda: role_label(kube, "e2e-cm-0") == "master", 120)
        expect(True, "Patroni labelled pod e2e-cm-0 spilo-role=master (ConfigMap mode, started as root)")
        for name in ("e2e-cm-leader", "e2e-cm-config"):
            labels = kube.get("configmap", name)["metadata"].get("labels", {})
            expect(labels.get("application") == "spilo" and labels.get("cluster-name") == "e2e-cm",
                   "ConfigMap %s exists with labels application=spilo, cluster-name=e2e-cm" % name)
        root_env = dict(image_env, HOME="/root")
        code, out = container.exec(["psql", "-U", "postgres", "-Atc", "select string_agg(rolname, ',' order by rolname) from pg_roles "
                                    "where rolname in ('admin','cron_admin','robot_zmon','zalandos')"], env=root_env)
        expect(code == 0 and out.strip() == "admin,cron_admin,robot_zmon,zalandos", "psql -U postgres as root in the container; post_init roles: %s"
               % out.strip())
        code, out = container.exec(["patronictl", "list"], env=root_env)
        expect(code == 0 and "e2e-cm-0" in out and "Leader" in out, "patronictl list as root without arguments:\n" + out.rstrip())
        ssl = wait_for("superuser login over TLS", lambda: psql_tcp(pgport, "select ssl from pg_stat_ssl where pid = pg_backend_pid()"), 30)
        expect(ssl == "t", "superuser password login over TCP with sslmode=require")
        psql_tcp(pgport, "create table survives_restart (id int); insert into survives_restart values (42)")
        with urllib.request.urlopen("http://127.0.0.1:%d/patroni" % apiport, timeout=5) as response:
            status = json.loads(response.read())
        expect(status.get("role") == "primary" and status.get("state") == "running", "REST API /patroni: role %s, state %s"
               % (status.get("role"), status.get("state")))
        code = container.stop()
        expect(code == 0, "container stopped cleanly on SIGTERM (exit %s)" % code)
        container.start(["/bin/sh", "/launch.sh", "init"], env, read_only=False, mounts=mounts)
        value = wait_for("the table after a restart", lambda: psql_tcp(pgport, "select id from survives_restart"), 120)
        expect(value == "42", "a new start on the same data directory keeps the data")
        wait_for("spilo-role=master after the restart", lambda: role_label(kube, "e2e-cm-0") == "master", 60)
        logs = container.log_text()
        expect(SUPERUSER_PASSWORD not in logs and "e2e-standby-password" not in logs, "no password in the container output")
    except Exception:
        sys.stderr.write("--- spilo (ConfigMap mode) output, tail ---\n%s\n" % container.log_excerpt())
        raise
    finally:
        container.stop()


def check_spilo_endpoints(work, kube, server_port, archive, state_root):
    bundle = os.path.join(work, "spilo-b")
    image_env = unpack(archive, bundle)[0]
    pgdata = os.path.join(work, "pv-b")
    os.makedirs(pgdata)
    # What a volume with fsGroup 103 looks like: group 103, group-writable, setgid.
    os.chown(pgdata, 0, 103)
    os.chmod(pgdata, 0o2775)
    kube.apply([pod("e2e-ep-0", "e2e-ep"), {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "e2e-ep", "namespace": NAMESPACE,
                                                            "labels": {"application": "spilo", "cluster-name": "e2e-ep"}},
        "spec": {"ports": [{"name": "postgresql", "port": 5432, "targetPort": 5432}]}}])
    pgport, apiport = free_port(), free_port()
    env = spilo_env(image_env, "e2e-ep", "e2e-ep-0", server_port, pgport, apiport, configmaps=False)
    mounts = [(SA_DIR, os.path.join(work, "sa"), True), ("/home/postgres/pgdata", pgdata, False)]
    container = Container(bundle, state_root, "pgkube-e2e-ep", os.path.join(work, "spilo-b.log"))
    try:
        container.start(["/bin/sh", "/launch.sh", "init"], env, uid=101, gid=103, read_only=False, mounts=mounts)
        wait_for("spilo-role=master on pod e2e-ep-0", lambda: role_label(kube, "e2e-ep-0") == "master", 120)
        expect(True, "Patroni labelled pod e2e-ep-0 spilo-role=master (Endpoints mode, started as uid 101)")
        endpoints = wait_for("leader Endpoints subsets", lambda: kube.get("endpoints", "e2e-ep").get("subsets"), 30)
        address = endpoints[0]["addresses"][0]["ip"]
        ports = endpoints[0]["ports"]
        expect(address == host_address() and ports == [{"name": "postgresql", "port": pgport, "protocol": "TCP"}],
               "Endpoints e2e-ep point at the pod IP and port (%s, %s)" % (address, ports))
        kube.get("service", "e2e-ep-config")
        expect(True, "Patroni created Service e2e-ep-config")
        code, out = container.exec(["id", "-u"], user="101:103")
        expect(out.strip() == "101", "runs as uid 101")
    except Exception:
        sys.stderr.write("--- spilo (Endpoints mode) output, tail ---\n%s\n" % container.log_excerpt())
        raise
    finally:
        container.stop()


def check_operator(work, kube, server_port, archive, state_root):
    """As the Deployment runs it: ServiceAccount postgres-operator with the repository's RBAC, in-cluster config."""
    bundle = os.path.join(work, "operator")
    image_env, config = unpack(archive, bundle)
    kube.run("apply", "--server-side", "-f", os.path.join(REPO, "manifests/crds"))
    kube.run("apply", "-f", os.path.join(REPO, "manifests/rbac/operator-rbac.yaml"))
    kube.run("apply", "-f", os.path.join(REPO, "manifests/config/configmap.yaml"))
    sa = service_account_dir(work, kube, "postgres-operator", "postgres-operator")
    api_port = free_port()
    env = dict(image_env, WATCHED_NAMESPACE="*", CONFIG_MAP_NAME="postgres-operator", OPERATOR_NAMESPACE="postgres-operator",
               POD_NAME="e2e-operator-0", KUBERNETES_SERVICE_HOST="127.0.0.1", KUBERNETES_SERVICE_PORT=str(server_port))
    args = ["/usr/bin/env", "-u", "HOME"] + config["Entrypoint"] + config["Cmd"] + ["--api-port", str(api_port)]
    container = Container(bundle, state_root, "pgkube-e2e-operator", os.path.join(work, "operator.log"))
    try:
        container.start(args, env, uid=1000, gid=1000, read_only=True, caps=[], mounts=[(SA_DIR, sa, True)])

        def ready():
            with urllib.request.urlopen("http://127.0.0.1:%d/readyz" % api_port, timeout=3) as response:
                return response.status == 200

        wait_for("operator /readyz", ready, 90)
        expect(True, "operator (read-only root, uid 1000, no writable volume, in-cluster ServiceAccount) answers /readyz")
        with open(os.path.join(REPO, "manifests/examples/minimal-postgres-manifest.yaml")) as handle:
            manifest = yaml.safe_load(handle)
        manifest["metadata"]["namespace"] = NAMESPACE
        kube.apply([manifest])
        name = manifest["metadata"]["name"]
        wait_for("StatefulSet %s" % name, lambda: kube.get("statefulset", name)["metadata"]["name"], 90)
        expect(True, "operator reconciled %s into a StatefulSet" % name)
        logs = container.log_text()
        for bad in ("Read-only file system", "No usable temporary directory", "Permission denied"):
            expect(bad not in logs, "operator output has no %r" % bad)
    except Exception:
        sys.stderr.write("--- operator output ---\n%s\n" % container.log_excerpt())
        raise
    finally:
        code = container.stop()
        log("e2e: operator exited with %s after SIGTERM", code)


def service_account_dir(work, kube, name, namespace):
    """A directory laid out as the kubelet mounts a ServiceAccount: token, ca.crt, namespace (world-readable)."""
    token = kube.run("create", "token", name, "-n", namespace, "--duration=2h").strip()
    target = os.path.join(work, "sa-" + name)
    os.makedirs(target)
    for file_name, text in (("token", token), ("namespace", namespace)):
        with open(os.path.join(target, file_name), "w") as handle:
            handle.write(text)
    shutil.copyfile(kube.ca_file, os.path.join(target, "ca.crt"))
    os.chmod(target, 0o755)
    for file_name in os.listdir(target):
        os.chmod(os.path.join(target, file_name), 0o644)
    return target


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("images", nargs="*", metavar="IMAGE", help="spilo and/or operator (default: both)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.images) - {"spilo", "operator"})
    if unknown:
        parser.error("unknown image(s): %s (choose from spilo, operator)" % ", ".join(unknown))
    wanted = args.images or ["spilo", "operator"]
    built = archives(wanted)
    work = tempfile.mkdtemp(prefix="pgkube-e2e-")
    plane = controlplane.ControlPlane(os.path.join(work, "cp"))
    state_root = os.path.join(work, "runc")
    try:
        state = plane.up(controller_manager=False)
        kube = Kube(state["kubeconfig"])
        kube.ca_file = os.path.join(plane.pki, "ca.crt")
        server_port = state["ports"]["apiserver"]
        os.chmod(work, 0o755)
        kube.apply(postgres_pod_rbac())
        os.rename(service_account_dir(work, kube, "postgres-pod", NAMESPACE), os.path.join(work, "sa"))
        if "spilo" in wanted:
            check_spilo_configmaps(work, kube, server_port, built["spilo"][1], state_root)
            check_spilo_endpoints(work, kube, server_port, built["spilo"][1], state_root)
        if "operator" in wanted:
            check_operator(work, kube, server_port, built["operator"][1], state_root)
        log("e2e: all checks passed")
        return 0
    except (Failure, subprocess.CalledProcessError, urllib.error.URLError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        sys.stderr.write("e2e FAILED: %s %s\n" % (exc, detail))
        return 1
    finally:
        plane.down(quiet=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
