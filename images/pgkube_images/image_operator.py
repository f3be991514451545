# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``operator``: the watcher (``python -m pgkube_watcher``), as the Dockerfile's default ``watcher`` stage.

Differences from the Dockerfile, each for this machine: Debian trixie's Python 3.13 in a
virtualenv at /opt/pgkube instead of the python:3.11-slim image; ``kubernetes.core`` copied
from the build host's virtualenv (the ``ansible`` package carries it) instead of Galaxy; the
top-level Python requirements pinned to the versions of the build host's virtualenv, the
ones the test suite runs with; every .py precompiled (unchecked-hash .pyc), so that the
image starts with a read-only root filesystem, any uid and no writable volume.
"""

import json
import os
import re
import shutil
import sys
import tarfile
from importlib import metadata

from pgkube_images import chroot, runc
from pgkube_images.proc import log, run

NAME = "operator"
REPOSITORY = "pgkube.local/operator"
SUITE = "trixie"
HOST_TOOLS = ("debootstrap", "runc")
PACKAGES = ("python3", "python3-venv")
VENV = "/opt/pgkube"
PYTHON = VENV + "/bin/python"
COLLECTIONS = "/usr/share/ansible/collections"
COLLECTION = COLLECTIONS + "/ansible_collections/pgkube/operator"
KUBERNETES_CORE = COLLECTIONS + "/ansible_collections/kubernetes/core"
# What the Dockerfile's watcher stage adds to requirements.txt + watcher/requirements.txt.
EXTRA_REQUIREMENTS = ("ansible-core>=2.16,<2.20", "ansible-runner>=2.4")
UID = 1001
# tempfile.gettempdir() probes for a writable directory by creating a file and raises when
# there is none (read-only root, no /tmp volume). The watcher and kubernetes.core's discovery
# only build paths with it at start (the discovery cache tolerates a failed write), so the
# image fixes the temp dir instead: $TMPDIR, else /tmp, never probed. A .pth line runs at
# interpreter start in the virtualenv (a sitecustomize.py would be shadowed by Debian's).
TEMPDIR_PTH_NAME = "pgkube_tempdir.pth"
TEMPDIR_PTH = "import os, tempfile; tempfile.tempdir = tempfile.tempdir or os.environ.get('TMPDIR') or '/tmp'\n"
ENV = [
    "PATH=%s/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" % VENV,
    "LANG=C.UTF-8",
    "PYTHONDONTWRITEBYTECODE=1",
    "PYTHONUNBUFFERED=1",
    "ANSIBLE_COLLECTIONS_PATH=" + COLLECTIONS,
    "ANSIBLE_HOME=/tmp/.ansible",
    "ANSIBLE_LOCAL_TEMP=/tmp/.ansible/tmp",
    "ANSIBLE_REMOTE_TEMP=/tmp/.ansible/tmp",
    "ANSIBLE_GATHERING=explicit",
    "PGKUBE_COLLECTIONS_PATH=" + COLLECTIONS,
    "PYTHONPATH=%s:%s/watcher" % (COLLECTIONS, COLLECTION),
    # The watcher's default work dir is tempfile.gettempdir()/pgkube-watcher, and gettempdir()
    # probes for a writable directory (failing on a read-only root); naming it skips the probe.
    "PGKUBE_WORK_DIR=/tmp/pgkube-watcher",
    # Ansible's CLI asks getpass.getuser(), which fails for a uid without a passwd entry
    # (runAsUser other than 1001) unless USER is set.
    "USER=pgkube",
]


def host_bin(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def kubernetes_core_dir():
    import ansible_collections.kubernetes.core as module  # pylint: disable=import-outside-toplevel
    return list(module.__path__)[0]


def requirement_lines(ctx):
    lines = []
    for rel in ("requirements.txt", "watcher/requirements.txt"):
        path = os.path.join(ctx.repo, rel)
        if os.path.isfile(path):
            with open(path) as handle:
                lines += [line.strip() for line in handle if line.strip() and not line.strip().startswith("#")]
    return lines + list(EXTRA_REQUIREMENTS)


def constraints(requirements):
    """``name==version`` of each top-level requirement as installed in the build host's virtualenv."""
    pins = {}
    for line in requirements:
        name = re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0]
        try:
            pins[name.lower()] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return ["%s==%s" % item for item in sorted(pins.items())]


def collection_tarball(ctx):
    """``ansible-galaxy collection build`` of the tree (honours galaxy.yml's build_ignore), once per run."""
    if getattr(ctx, "collection_tar", None):
        return ctx.collection_tar
    out = os.path.join(ctx.session_dir, "collection")
    os.makedirs(out, exist_ok=True)
    run([host_bin("ansible-galaxy"), "collection", "build", "--force", "--output-path", out, ctx.repo], quiet=True,
        env={"ANSIBLE_HOME": os.path.join(ctx.session_dir, "ansible-home")}, capture=True)
    names = [name for name in os.listdir(out) if name.endswith(".tar.gz")]
    ctx.collection_tar = os.path.join(out, names[0])
    return ctx.collection_tar


def add_inputs(ctx, key):
    with tarfile.open(collection_tarball(ctx)) as archive:
        for member in ("MANIFEST.json", "FILES.json"):
            key.add_text("collection:" + member, archive.extractfile(member).read())
    core = kubernetes_core_dir()
    for member in ("MANIFEST.json", "FILES.json"):
        key.add_file(os.path.join(core, member), "kubernetes.core:" + member)
    requirements = requirement_lines(ctx)
    key.add_text("requirements", "\n".join(requirements))
    key.add_text("constraints", "\n".join(constraints(requirements)))
    key.add_text("suite", SUITE)
    key.add_text("packages", "\n".join(PACKAGES))


def pip_env(work, rootfs):
    """pip's settings from the build host: index, proxies and CA bundle (copied in for the build only).

    A machine whose egress re-signs TLS (a corporate or sandbox proxy) trusts an extra CA; pip
    inside the chroot must trust it too, but the image must not keep it.
    """
    env = {"PIP_ROOT_USER_ACTION": "ignore"}
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_TRUSTED_HOST", "PIP_DEFAULT_TIMEOUT", "http_proxy", "https_proxy",
                 "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    for candidate in (os.environ.get("PIP_CERT"), os.environ.get("REQUESTS_CA_BUNDLE"), os.environ.get("SSL_CERT_FILE"),
                      "/etc/ssl/certs/ca-certificates.crt"):
        if candidate and os.path.isfile(candidate):
            shutil.copyfile(candidate, os.path.join(work, "ca.pem"))
            env["PIP_CERT"] = "/" + os.path.relpath(os.path.join(work, "ca.pem"), rootfs)
            break
    return env


def build(ctx, rootfs):
    chroot.apt_install(rootfs, PACKAGES)
    chroot.chroot(rootfs, ["useradd", "--uid", str(UID), "--gid", "0", "--create-home", "--home-dir", "/home/pgkube",
                           "--shell", "/usr/sbin/nologin", "pgkube"])
    chroot.chroot(rootfs, ["python3", "-m", "venv", VENV])
    requirements = requirement_lines(ctx)
    pins = constraints(requirements)
    work = os.path.join(rootfs, "tmp/pgkube-build")
    os.makedirs(work)
    with open(os.path.join(work, "requirements.txt"), "w") as handle:
        handle.write("\n".join(requirements) + "\n")
    with open(os.path.join(work, "constraints.txt"), "w") as handle:
        handle.write("\n".join(pins) + "\n")
    log("operator: pinned to the build host's versions: %s", ", ".join(pins))
    chroot.chroot(rootfs, [PYTHON, "-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check", "--only-binary=:all:",
                           "-r", "/tmp/pgkube-build/requirements.txt", "-c", "/tmp/pgkube-build/constraints.txt"],
                  env=pip_env(work, rootfs))
    shutil.rmtree(work)
    site_packages = os.path.join(rootfs, VENV.lstrip("/"), "lib/python3.13/site-packages")
    with open(os.path.join(site_packages, TEMPDIR_PTH_NAME), "w") as handle:
        handle.write(TEMPDIR_PTH)

    collections = os.path.join(rootfs, COLLECTIONS.lstrip("/"))
    os.makedirs(collections, exist_ok=True)
    run([host_bin("ansible-galaxy"), "collection", "install", "--no-deps", "--force", "-p", collections, collection_tarball(ctx)],
        env={"ANSIBLE_HOME": os.path.join(ctx.session_dir, "ansible-home"), "ANSIBLE_COLLECTIONS_PATH": collections})
    shutil.copytree(kubernetes_core_dir(), os.path.join(rootfs, KUBERNETES_CORE.lstrip("/")), symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # Byte-compile everything the watcher and Ansible may import: the stdlib, the virtualenv,
    # both collections. unchecked-hash: valid whatever the files' mtimes become.
    chroot.chroot(rootfs, [PYTHON, "-m", "compileall", "-q", "-q", "--invalidation-mode", "unchecked-hash",
                           "/usr/lib/python3.13", VENV + "/lib", COLLECTIONS], quiet=False)
    ctx.versions = chroot.package_versions(rootfs, ("python3",))
    ctx.versions.update(dict(pin.split("==") for pin in pins))
    return {
        "Env": list(ENV),
        "Entrypoint": [PYTHON, "-m", "pgkube_watcher"],
        "Cmd": ["--watches", COLLECTION + "/watches.yaml", "--engine", "native"],
        "User": str(UID),
        "WorkingDir": "/home/pgkube",
        "ExposedPorts": {"8080/tcp": {}},
        "Labels": {"io.pgkube.image": NAME},
    }


# Every .py under the given roots must have its .pyc next to it (in __pycache__).
PYC_CHECK = r"""
import importlib.util, os, sys
missing = []
for root in sys.argv[1:]:
    for directory, dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                if not os.path.exists(importlib.util.cache_from_source(path)):
                    missing.append(path)
print("py files without pyc: %d" % len(missing))
for path in missing[:20]:
    print("  " + path)
"""

KUBECONFIG = {
    "apiVersion": "v1", "kind": "Config", "current-context": "verify",
    "clusters": [{"name": "verify", "cluster": {"server": "https://127.0.0.1:1", "insecure-skip-tls-verify": True}}],
    "users": [{"name": "verify", "user": {"token": "not-a-token"}}],
    "contexts": [{"name": "verify", "context": {"cluster": "verify", "user": "verify"}}],
}


def check(ctx, bundle, state):
    env = runc.image_env(ctx.image_config)
    entry = ctx.image_config["config"]["Entrypoint"]
    cmd = ctx.image_config["config"]["Cmd"]
    # As a Deployment with readOnlyRootFilesystem, runAsUser 1000 (no passwd entry), no capabilities,
    # no HOME and no writable volume at all.
    locked = {"uid": 1000, "gid": 1000, "read_only": True, "caps": []}
    result = runc.run(bundle, state, ["/usr/bin/env", "-u", "HOME"] + entry + ["--help"], env, **locked)
    ctx.expect(result, "pgkube_watcher --help", 0, "usage:")
    result = runc.run(bundle, state, [PYTHON, "-c", PYC_CHECK, "/usr/lib/python3.13", VENV + "/lib", COLLECTIONS], env, **locked)
    ctx.expect(result, "precompiled .pyc", 0, "py files without pyc: 0")
    # --engine ansible runs ansible-playbook, which needs its temp dir: the Deployment's /tmp emptyDir.
    result = runc.run(bundle, state, ["/usr/bin/env", "-u", "HOME", VENV + "/bin/ansible-playbook", "--version"], env, tmpfs=["/tmp"],
                      **locked)
    ctx.expect(result, "ansible-playbook --version", 0, "ansible-playbook [core")
    result = runc.run(bundle, state, [PYTHON, "-c", "import ansible_collections.kubernetes.core.plugins.module_utils.k8s.client, "
                                      "ansible_collections.pgkube.operator.plugins.module_utils.errors, psycopg2, kubernetes, yaml; print('imports-ok')"],
                      env, **locked)
    ctx.expect(result, "imports", 0, "imports-ok")
    # The default command against an API server that is not there: it must get as far as
    # connecting, without needing to write anywhere. (images/apiserver_check.py runs it against
    # a real one.)
    kubeconfig = os.path.join(ctx.scratch, "kubeconfig")
    with open(kubeconfig, "w") as handle:
        json.dump(KUBECONFIG, handle)
    result = runc.run_and_signal(bundle, state, ["/usr/bin/env", "-u", "HOME"] + entry + cmd + ["--kubeconfig", "/verify/kubeconfig"],
                                 env, signal="TERM", after=8, mounts=[("/verify/kubeconfig", kubeconfig, True)], **locked)
    for bad in ("Read-only file system", "No usable temporary directory", "Permission denied", "getpwuid"):
        if bad in result.output:
            raise AssertionError("the watcher needs to write or look up its user (%s):\n%s" % (bad, result.output[-4000:]))
    if "127.0.0.1', port=1" not in result.output and "Connection refused" not in result.output:
        raise AssertionError("the watcher did not get as far as connecting to the API server:\n%s" % result.output[-4000:])
    log("check ok: watcher start with a read-only root as uid 1000 reaches the API connection (refused, as expected)")
