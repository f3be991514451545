"""A local Kubernetes control plane for the integration tests.

Runs etcd, kube-apiserver and kube-controller-manager (built by ``controlplane/build.sh``) as
background processes on free loopback ports, with their own CA and an admin client certificate,
and writes a kubeconfig.  Started alone it has no kubelet and pods never run; with
``--node-address`` the API server is prepared for nodes (``tools/localcluster`` adds them): it
listens on every address and advertises that one (pods reach it through the ``kubernetes``
Service), authorizes with ``Node,RBAC`` and the NodeRestriction admission plugin, and holds a
client certificate for the kubelets' API (logs, exec).

    python tools/controlplane.py [--dir DIR] up [--bin-dir D] [--build] [--no-controller-manager]
                                                [--node-address IP]
    python tools/controlplane.py [--dir DIR] status
    python tools/controlplane.py [--dir DIR] env          # shell exports: KUBECONFIG, PATH, ...
    python tools/controlplane.py [--dir DIR] restart-apiserver
    python tools/controlplane.py [--dir DIR] down

State lives in ``DIR`` (default ``<repo>/.controlplane``, git-ignored):

    state.json        ports, pids, argv of each component, bin dir
    kubeconfig        admin kubeconfig (context ``pgkube``, user ``admin`` in system:masters)
    pki/              ca.crt/key, apiserver.crt/key, admin.crt/key, sa.key/sa.pub
    etcd-data/        etcd's data directory
    logs/<name>.log   stdout+stderr of each component

Only the Python standard library and ``cryptography`` are used, so this file can also be
imported (the pytest fixtures call ``up``/``down``/``log_tails`` directly).
"""

import argparse
import base64
import datetime
import ipaddress
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DIR = os.path.join(REPO, ".controlplane")
BUILD_SH = os.path.join(REPO, "controlplane", "build.sh")
CONTEXT = "pgkube"
KUBELET_CLIENT_USER = "kube-apiserver-kubelet-client"

# Controllers that need a cloud or node IPAM (each kubelet has its pod CIDR in its configuration).
CLOUD_CONTROLLERS = (
    "node-ipam-controller",
    "cloud-node-lifecycle-controller",
    "service-lb-controller",
    "node-route-controller",
)
# Controllers that only make sense with nodes: noise without them.
NODE_CONTROLLERS = (
    "node-lifecycle-controller",
    "taint-eviction-controller",
    "persistentvolume-attach-detach-controller",
)
DISABLED_CONTROLLERS = CLOUD_CONTROLLERS + NODE_CONTROLLERS

COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager")

# Seconds between SIGTERM and SIGKILL. kube-apiserver's graceful termination waits for in-flight
# requests to drain, bounded by --request-timeout (60 s); the clients here are tests and
# kube-controller-manager, so it gets a short grace. Its state lives in etcd either way.
STOP_GRACE = {"etcd": 10.0, "kube-apiserver": 5.0, "kube-controller-manager": 10.0}


class ControlPlaneError(Exception):
    """The control plane could not be built, started, reached or stopped."""


# --------------------------------------------------------------------------- binaries


def find_bin_dir(bin_dir=None, build=False):
    """Return the directory holding the binaries.

    Order: explicit ``bin_dir``, env ``PGKUBE_K8S_BIN_DIR`` or ``KUBE_BIN_DIR`` (set by
    scripts/test.sh from build.sh's output), then ``controlplane/build.sh``
    (which honours ``KUBEBUILDER_ASSETS`` and the cache).  Without ``build`` only an existing
    build is used; the error message is build.sh's own explanation.
    """
    bin_dir = bin_dir or os.environ.get("PGKUBE_K8S_BIN_DIR") or os.environ.get("KUBE_BIN_DIR")
    if bin_dir:
        if not os.path.isfile(os.path.join(bin_dir, "kube-apiserver")):
            raise ControlPlaneError("no kube-apiserver in %s" % bin_dir)
        return os.path.abspath(bin_dir)
    cmd = ["bash", BUILD_SH] + ([] if build else ["--print-dir"])
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    if proc.returncode != 0:
        raise ControlPlaneError(proc.stderr.strip() or "controlplane/build.sh failed (exit %d)"
                                % proc.returncode)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if not lines:
        raise ControlPlaneError("controlplane/build.sh printed no directory")
    return lines[-1].strip()


# --------------------------------------------------------------------------- certificates


def _write(path, data, mode=0o600):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _pem_key(key):
    from cryptography.hazmat.primitives import serialization
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _pem_cert(cert):
    from cryptography.hazmat.primitives import serialization
    return cert.public_bytes(serialization.Encoding.PEM)


def _validity():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now - datetime.timedelta(hours=1), now + datetime.timedelta(days=365)


def _new_ca():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    not_before, not_after = _validity()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pgkube-local-ca")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ca_ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return ca_key, ca_cert


def issue_certificate(pki_dir, name, common_name, organization=None, server=False, sans=()):
    """Write ``<name>.crt`` and ``<name>.key`` in ``pki_dir``, signed by its ``ca.crt``/``ca.key``.

    ``server`` selects the serverAuth usage (else clientAuth); ``sans`` are IP addresses and DNS
    names (strings). A client certificate's CN is the user name, its O the group, as the API
    server's x509 authenticator reads them.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    with open(os.path.join(pki_dir, "ca.key"), "rb") as handle:
        ca_key = serialization.load_pem_private_key(handle.read(), password=None)
    with open(os.path.join(pki_dir, "ca.crt"), "rb") as handle:
        ca_cert = x509.load_pem_x509_certificate(handle.read())
    not_before, not_after = _validity()
    key = ec.generate_private_key(ec.SECP256R1())
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attrs.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    eku = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attrs)).issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                     key_encipherment=True, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False,
                                     decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                       critical=False)
    )
    names = []
    for san in sans:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(san)))
        except ValueError:
            names.append(x509.DNSName(san))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    _write(os.path.join(pki_dir, name + ".key"), _pem_key(key))
    _write(os.path.join(pki_dir, name + ".crt"), _pem_cert(cert), 0o644)


def generate_pki(pki_dir, node_address=None):
    """CA, apiserver serving cert, admin client cert and the service-account key pair.

    With ``node_address`` the serving certificate also names that address, and the API server's
    client certificate for the kubelets (``apiserver-kubelet-client``) is written too.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    os.makedirs(pki_dir, mode=0o700, exist_ok=True)
    ca_key, ca_cert = _new_ca()
    _write(os.path.join(pki_dir, "ca.key"), _pem_key(ca_key))
    _write(os.path.join(pki_dir, "ca.crt"), _pem_cert(ca_cert), 0o644)
    issue_certificate(pki_dir, "apiserver", "kube-apiserver", server=True, sans=(
        "127.0.0.1", "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local", "10.0.0.1") + ((node_address,) if node_address else ()))
    issue_certificate(pki_dir, "admin", "admin", "system:masters")
    if node_address:
        # RBAC grants it the kubelet API (ClusterRole system:kubelet-api-admin) when nodes join.
        issue_certificate(pki_dir, "apiserver-kubelet-client", KUBELET_CLIENT_USER)

    sa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sa_pub = sa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    _write(os.path.join(pki_dir, "sa.key"), _pem_key(sa_key))
    _write(os.path.join(pki_dir, "sa.pub"), sa_pub, 0o644)


def write_kubeconfig(path, server, pki_dir, user="admin"):
    """A kubeconfig for the client certificate ``<user>.crt``/``.key`` of ``pki_dir``."""
    def b64(name):
        with open(os.path.join(pki_dir, name), "rb") as handle:
            return base64.b64encode(handle.read()).decode("ascii")

    # JSON is valid YAML; every kubeconfig reader (client-go, python kubernetes, Patroni) takes it.
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": {
            "server": server, "certificate-authority-data": b64("ca.crt")}}],
        "users": [{"name": user, "user": {
            "client-certificate-data": b64(user + ".crt"), "client-key-data": b64(user + ".key")}}],
        "contexts": [{"name": CONTEXT, "context": {
            "cluster": CONTEXT, "user": user, "namespace": "default"}}],
        "current-context": CONTEXT,
        "preferences": {},
    }
    _write(path, (json.dumps(config, indent=2) + "\n").encode("utf-8"))


# --------------------------------------------------------------------------- processes


def free_port():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
    finally:
        sock.close()


def pid_alive(pid, exe=None):
    """True if ``pid`` runs (and, when ``exe`` is given, its argv[0] ends with it)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid) as handle:
            if handle.read().rsplit(")", 1)[-1].split()[0] == "Z":
                return False
        if exe:
            with open("/proc/%d/cmdline" % pid, "rb") as handle:
                argv0 = handle.read().split(b"\0")[0].decode("utf-8", "replace")
            # Right after exec the kernel may not have set up the new argv yet: the cmdline reads
            # empty for a moment. That is our process starting, not another one.
            return not argv0 or os.path.basename(argv0) == os.path.basename(exe)
    except OSError:
        return False
    return True


def spawn(argv, log_path):
    """Start ``argv`` detached from us (own session), output appended to ``log_path``."""
    with open(log_path, "ab") as log, open(os.devnull, "rb") as devnull:
        log.write(("\n==== %s starting: %s\n" % (
            datetime.datetime.now().isoformat(timespec="seconds"), " ".join(argv))).encode())
        log.flush()
        proc = subprocess.Popen(argv, stdin=devnull, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, close_fds=True)
    return proc.pid


def stop_pid(pid, exe, timeout=15.0):
    if not pid_alive(pid, exe):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid, exe):
            _reap(pid)
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and pid_alive(pid, exe):
        time.sleep(0.1)
    _reap(pid)


def _reap(pid):
    # When the control plane was started from this very process (pytest), collect the zombie.
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    except OSError:
        pass


# What service accounts do is written to logs/audit.log (one JSON object per request, metadata only:
# never a request or response body, so no Secret data): the RBAC test reads which verbs the
# operator's ServiceAccount really uses. Requests of the admin user (tests, kubectl) and of
# kube-controller-manager are not recorded.
AUDIT_POLICY = """apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  userGroups: ["system:serviceaccounts"]
- level: None
"""


def audit_args(pki_dir, logs_dir):
    """kube-apiserver flags for the service-account audit log (writes the policy file next to the PKI)."""
    policy = os.path.join(pki_dir, "audit-policy.yaml")
    _write(policy, AUDIT_POLICY.encode("utf-8"))
    return ["--audit-policy-file=%s" % policy, "--audit-log-path=%s" % os.path.join(logs_dir, "audit.log"),
            "--audit-log-maxsize=200", "--audit-log-maxbackup=1"]


def tail(path, lines=40):
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            data = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


# --------------------------------------------------------------------------- control plane


class ControlPlane(object):
    def __init__(self, state_dir=None):
        self.dir = os.path.abspath(state_dir or DEFAULT_DIR)
        self.pki = os.path.join(self.dir, "pki")
        self.logs = os.path.join(self.dir, "logs")
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        self.state_file = os.path.join(self.dir, "state.json")

    # ---- state
    def load(self):
        try:
            with open(self.state_file) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return None

    def save(self, state):
        tmp = self.state_file + ".tmp"
        with open(tmp, "w") as handle:
            json.dump(state, handle, indent=2, sort_keys=True)
        os.replace(tmp, self.state_file)

    def log_path(self, name):
        return os.path.join(self.logs, name + ".log")

    def log_tails(self, lines=40):
        parts = []
        for name in COMPONENTS:
            path = self.log_path(name)
            if os.path.exists(path):
                parts.append("---- %s (last %d lines of %s)\n%s" % (name, lines, path,
                                                                    tail(path, lines)))
        return "\n".join(parts)

    # ---- https helpers
    def _ssl_context(self):
        ctx = ssl.create_default_context(cafile=os.path.join(self.pki, "ca.crt"))
        ctx.load_cert_chain(os.path.join(self.pki, "admin.crt"), os.path.join(self.pki, "admin.key"))
        return ctx

    def api_get(self, state, path, timeout=5.0):
        url = "https://127.0.0.1:%d%s" % (state["ports"]["apiserver"], path)
        with urllib.request.urlopen(url, context=self._ssl_context(), timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")

    def ready(self, state):
        try:
            status, body = self.api_get(state, "/readyz")
            return status == 200 and body.strip() == "ok"
        except (OSError, urllib.error.URLError, ssl.SSLError):
            return False

    def _wait(self, state, name, check, what, timeout):
        deadline = time.monotonic() + timeout
        proc = state["components"][name]
        while time.monotonic() < deadline:
            if check():
                return
            if not pid_alive(proc["pid"], proc["argv"][0]):
                raise ControlPlaneError("%s exited while waiting for %s\n%s" % (
                    name, what, self.log_tails()))
            time.sleep(0.2)
        raise ControlPlaneError("timed out after %ss waiting for %s\n%s" % (
            timeout, what, self.log_tails()))

    # ---- argv builders
    def _etcd_argv(self, bin_dir, ports):
        client = "http://127.0.0.1:%d" % ports["etcd_client"]
        peer = "http://127.0.0.1:%d" % ports["etcd_peer"]
        return [
            os.path.join(bin_dir, "etcd"),
            "--name=default",
            "--data-dir=%s" % os.path.join(self.dir, "etcd-data"),
            "--listen-client-urls=%s" % client,
            "--advertise-client-urls=%s" % client,
            "--listen-peer-urls=%s" % peer,
            "--initial-advertise-peer-urls=%s" % peer,
            "--initial-cluster=default=%s" % peer,
            "--unsafe-no-fsync=true",
            "--log-level=warn",
        ]

    def _apiserver_argv(self, bin_dir, ports, with_kcm, node_address=None):
        pki = self.pki
        if node_address:
            # Pods reach the API server through the `kubernetes` Service, whose Endpoints the
            # lease reconciler writes with the advertised address (a loopback address is refused).
            network = ["--bind-address=0.0.0.0", "--advertise-address=%s" % node_address,
                       "--endpoint-reconciler-type=lease"]
            authorization = ["--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction",
                             "--kubelet-client-certificate=%s" % os.path.join(pki, "apiserver-kubelet-client.crt"),
                             "--kubelet-client-key=%s" % os.path.join(pki, "apiserver-kubelet-client.key"),
                             "--kubelet-certificate-authority=%s" % os.path.join(pki, "ca.crt"),
                             "--kubelet-preferred-address-types=InternalIP,Hostname"]
        else:
            network = ["--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--endpoint-reconciler-type=none"]
            authorization = ["--authorization-mode=RBAC"]
        argv = [
            os.path.join(bin_dir, "kube-apiserver"),
            "--etcd-servers=http://127.0.0.1:%d" % ports["etcd_client"],
            "--secure-port=%d" % ports["apiserver"],
        ] + network + [
            "--cert-dir=%s" % pki,
            "--tls-cert-file=%s" % os.path.join(pki, "apiserver.crt"),
            "--tls-private-key-file=%s" % os.path.join(pki, "apiserver.key"),
            "--client-ca-file=%s" % os.path.join(pki, "ca.crt"),
        ] + authorization + [
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "--service-account-key-file=%s" % os.path.join(pki, "sa.pub"),
            "--service-account-signing-key-file=%s" % os.path.join(pki, "sa.key"),
            "--service-cluster-ip-range=10.0.0.0/16",
            "--allow-privileged=true",
            "--enable-priority-and-fairness=false",
            "--profiling=false",
        ]
        argv += audit_args(self.pki, self.logs)
        if not with_kcm:
            # No serviceaccount controller => no "default" ServiceAccount => pods would be refused.
            argv.append("--disable-admission-plugins=ServiceAccount")
        return argv

    def _kcm_argv(self, bin_dir, ports, node_address=None):
        return [
            os.path.join(bin_dir, "kube-controller-manager"),
            "--kubeconfig=%s" % self.kubeconfig,
            "--authentication-kubeconfig=%s" % self.kubeconfig,
            "--authorization-kubeconfig=%s" % self.kubeconfig,
            # Our apiserver has no front-proxy (requestheader) CA: do not look it up.
            "--authentication-skip-lookup=true",
            "--client-ca-file=%s" % os.path.join(self.pki, "ca.crt"),
            "--bind-address=127.0.0.1",
            "--secure-port=%d" % ports["controller_manager"],
            "--cert-dir=%s" % os.path.join(self.dir, "kcm-certs"),
            "--leader-elect=false",
            "--service-account-private-key-file=%s" % os.path.join(self.pki, "sa.key"),
            "--root-ca-file=%s" % os.path.join(self.pki, "ca.crt"),
            "--use-service-account-credentials=false",
            "--controllers=*,%s" % ",".join(
                "-" + c for c in (CLOUD_CONTROLLERS if node_address else DISABLED_CONTROLLERS)),
            "--profiling=false",
        ]

    # ---- commands
    def up(self, bin_dir=None, build=False, controller_manager=True, timeout=180.0, node_address=None):
        state = self.load()
        if state and self.status(state)["running"]:
            raise ControlPlaneError("a control plane already runs from %s (use `down` first)"
                                    % self.dir)
        if state:
            self.down(quiet=True)
        bin_dir = find_bin_dir(bin_dir, build=build)
        with_kcm = controller_manager and os.path.isfile(
            os.path.join(bin_dir, "kube-controller-manager"))

        os.makedirs(self.logs, exist_ok=True)
        os.makedirs(os.path.join(self.dir, "etcd-data"), mode=0o700, exist_ok=True)
        generate_pki(self.pki, node_address)
        ports = {"etcd_client": free_port(), "etcd_peer": free_port(),
                 "apiserver": free_port(), "controller_manager": free_port()}
        server = "https://127.0.0.1:%d" % ports["apiserver"]
        write_kubeconfig(self.kubeconfig, server, self.pki)
        state = {"dir": self.dir, "bin_dir": bin_dir, "server": server, "ports": ports,
                 "kubeconfig": self.kubeconfig, "components": {}, "node_address": node_address,
                 "audit_log": os.path.join(self.logs, "audit.log")}
        self.save(state)

        try:
            argv = self._etcd_argv(bin_dir, ports)
            state["components"]["etcd"] = {"argv": argv,
                                           "pid": spawn(argv, self.log_path("etcd"))}
            self.save(state)
            self._wait(state, "etcd", lambda: _tcp_open(ports["etcd_client"]), "etcd", 60)

            argv = self._apiserver_argv(bin_dir, ports, with_kcm, node_address)
            state["components"]["kube-apiserver"] = {
                "argv": argv, "pid": spawn(argv, self.log_path("kube-apiserver"))}
            self.save(state)
            self._wait(state, "kube-apiserver", lambda: self.ready(state),
                       "kube-apiserver /readyz", timeout)

            if with_kcm:
                argv = self._kcm_argv(bin_dir, ports, node_address)
                state["components"]["kube-controller-manager"] = {
                    "argv": argv, "pid": spawn(argv, self.log_path("kube-controller-manager"))}
                self.save(state)
                # The serviceaccount controller creating default/default proves KCM works.
                self._wait(state, "kube-controller-manager",
                           lambda: self._exists(state, "/api/v1/namespaces/default/serviceaccounts/default"),
                           "kube-controller-manager (ServiceAccount default/default)", timeout)
        except BaseException:
            self.stop_all(state)
            raise
        return state

    def _exists(self, state, path):
        try:
            return self.api_get(state, path)[0] == 200
        except (OSError, urllib.error.URLError, ssl.SSLError):
            return False

    def restart_apiserver(self, timeout=180.0):
        state = self.load()
        if not state or "kube-apiserver" not in state["components"]:
            raise ControlPlaneError("no control plane state in %s" % self.dir)
        proc = state["components"]["kube-apiserver"]
        stop_pid(proc["pid"], proc["argv"][0], STOP_GRACE["kube-apiserver"])
        proc["pid"] = spawn(proc["argv"], self.log_path("kube-apiserver"))
        self.save(state)
        self._wait(state, "kube-apiserver", lambda: self.ready(state),
                   "kube-apiserver /readyz after restart", timeout)
        return state

    def stop_all(self, state):
        for name in reversed(COMPONENTS):
            proc = state.get("components", {}).get(name)
            if proc:
                stop_pid(proc["pid"], proc["argv"][0], STOP_GRACE[name])

    def down(self, quiet=False):
        state = self.load()
        if state is None:
            if not quiet:
                print("no control plane state in %s" % self.dir, file=sys.stderr)
            return False
        self.stop_all(state)
        for name in ("pki", "logs", "etcd-data", "kcm-certs"):
            shutil.rmtree(os.path.join(self.dir, name), ignore_errors=True)
        for name in ("kubeconfig", "state.json", "state.json.tmp"):
            try:
                os.remove(os.path.join(self.dir, name))
            except FileNotFoundError:
                pass
        try:
            os.rmdir(self.dir)
        except OSError:
            pass  # not empty: something of somebody else's lives there
        return True

    def status(self, state=None):
        state = state or self.load()
        if state is None:
            return {"dir": self.dir, "running": False, "components": {}}
        components = {}
        for name, proc in state.get("components", {}).items():
            components[name] = {"pid": proc["pid"], "alive": pid_alive(proc["pid"], proc["argv"][0])}
        expected = [n for n in COMPONENTS if n in state.get("components", {})]
        ready = bool(expected) and self.ready(state)
        return {
            "dir": self.dir, "server": state.get("server"), "kubeconfig": state.get("kubeconfig"),
            "bin_dir": state.get("bin_dir"), "ports": state.get("ports"),
            "components": components, "ready": ready,
            "running": ready and all(components[n]["alive"] for n in expected),
        }


def _tcp_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


# --------------------------------------------------------------------------- CLI


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--dir", default=os.environ.get("PGKUBE_CONTROLPLANE_DIR", DEFAULT_DIR),
                        help="state directory (default: <repo>/.controlplane)")
    sub = parser.add_subparsers(dest="command")
    p_up = sub.add_parser("up", help="start etcd, kube-apiserver, kube-controller-manager")
    p_up.add_argument("--bin-dir", help="directory with the binaries (default: build.sh's cache)")
    p_up.add_argument("--build", action="store_true",
                      help="run controlplane/build.sh (build if not cached) instead of only "
                           "using an existing build")
    p_up.add_argument("--no-controller-manager", action="store_true")
    p_up.add_argument("--node-address", help="prepare the API server for nodes, advertised on this address")
    p_up.add_argument("--timeout", type=float, default=180.0)
    sub.add_parser("down", help="stop everything and remove the state directory")
    sub.add_parser("status", help="print the state as JSON; exit 1 if not running")
    sub.add_parser("env", help="print shell exports (KUBECONFIG, K8S_AUTH_KUBECONFIG, PATH)")
    p_re = sub.add_parser("restart-apiserver", help="stop and start kube-apiserver only")
    p_re.add_argument("--timeout", type=float, default=180.0)
    args = parser.parse_args(argv)

    cp = ControlPlane(args.dir)
    try:
        if args.command == "up":
            state = cp.up(bin_dir=args.bin_dir, build=args.build,
                          controller_manager=not args.no_controller_manager,
                          timeout=args.timeout, node_address=args.node_address)
            print("control plane up: %s" % state["server"], file=sys.stderr)
            print("  kubeconfig: %s" % state["kubeconfig"], file=sys.stderr)
            print("  logs:       %s" % cp.logs, file=sys.stderr)
            print("  eval \"$(%s %s --dir %s env)\"" % (
                os.path.relpath(sys.executable), os.path.relpath(os.path.abspath(__file__)),
                cp.dir), file=sys.stderr)
            print(state["kubeconfig"])
            return 0
        if args.command == "down":
            return 0 if cp.down() else 1
        if args.command == "status":
            status = cp.status()
            print(json.dumps(status, indent=2, sort_keys=True))
            return 0 if status["running"] else 1
        if args.command == "env":
            state = cp.load()
            if state is None:
                print("no control plane state in %s (run `up` first)" % cp.dir, file=sys.stderr)
                return 1
            print("export KUBECONFIG=%s" % _sh(state["kubeconfig"]))
            print("export K8S_AUTH_KUBECONFIG=%s" % _sh(state["kubeconfig"]))
            print("export PGKUBE_KUBECONFIG=%s" % _sh(state["kubeconfig"]))
            print("export PATH=%s:\"$PATH\"" % _sh(state["bin_dir"]))
            return 0
        if args.command == "restart-apiserver":
            state = cp.restart_apiserver(timeout=args.timeout)
            print("kube-apiserver restarted: %s (pid %d)" % (
                state["server"], state["components"]["kube-apiserver"]["pid"]), file=sys.stderr)
            return 0
        parser.print_help()
        return 2
    except ControlPlaneError as exc:
        print("controlplane: %s" % exc, file=sys.stderr)
        return 1


def _sh(value):
    return "'" + value.replace("'", "'\\''") + "'"


if __name__ == "__main__":
    sys.exit(main())
