# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running commands inside an image rootfs, and apt in there.

Every command runs as ``unshare --mount --pid --fork --mount-proc=<rootfs>/proc chroot <rootfs> ...``:
the proc mount lives in a private mount namespace and the command in its own PID namespace,
so when the command ends (or the build is killed) the kernel drops the mount and every
process a maintainer script may have left running. Nothing is ever bind-mounted from the
host; the rootfs has debootstrap's own device nodes.
"""

import os
import shutil

from pgkube_images.proc import run

CHROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
APT_OPTIONS = ["-o", "Dpkg::Use-Pty=0", "-o", "APT::Install-Recommends=false", "-o", "APT::Install-Suggests=false"]


def chroot(rootfs, argv, env=None, capture=False, input_text=None, quiet=False):
    """Run ``argv`` inside ``rootfs`` as root with a clean environment."""
    rootfs = os.path.abspath(rootfs)
    base_env = ["PATH=" + CHROOT_PATH, "HOME=/root", "LANG=C.UTF-8", "DEBIAN_FRONTEND=noninteractive", "TMPDIR=/tmp"]
    for name, value in sorted((env or {}).items()):
        base_env.append("%s=%s" % (name, value))
    command = ["unshare", "--mount", "--pid", "--fork", "--mount-proc=" + os.path.join(rootfs, "proc"),
               "chroot", rootfs, "/usr/bin/env", "-i"] + base_env + list(argv)
    return run(command, capture=capture, input_text=input_text, quiet=quiet)


def shell(rootfs, script, capture=False):
    """Run a ``/bin/sh -eu`` script inside ``rootfs``."""
    return chroot(rootfs, ["/bin/sh", "-euc", script], capture=capture)


def with_network(rootfs):
    """Let apt/pip inside the rootfs resolve names (the host's resolv.conf, removed by :func:`finish`)."""
    target = os.path.join(rootfs, "etc", "resolv.conf")
    if os.path.islink(target):
        os.unlink(target)
    shutil.copyfile("/etc/resolv.conf", target)


def apt_install(rootfs, packages):
    """``apt-get update`` (fresh lists every build: a cached list would point at superseded files) and install."""
    with_network(rootfs)
    chroot(rootfs, ["apt-get"] + APT_OPTIONS + ["-qq", "update"])
    chroot(rootfs, ["apt-get"] + APT_OPTIONS + ["-y", "-qq", "install"] + list(packages))


def package_versions(rootfs, packages):
    """``{package: version}`` of installed packages, as dpkg knows them."""
    out = chroot(rootfs, ["dpkg-query", "-W", "-f", "${Package} ${Version}\\n"] + list(packages), capture=True, quiet=True)
    versions = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2:
            versions[parts[0]] = parts[1]
    return versions


def apt_candidates(rootfs, packages):
    """``{package: candidate version or None}`` from the current apt lists (needs :func:`apt_install`'s update)."""
    result = {}
    for package in packages:
        out = chroot(rootfs, ["apt-cache", "policy", package], capture=True, quiet=True)
        candidate = None
        for line in out.splitlines():
            line = line.strip()
            if line.startswith("Candidate:"):
                value = line.split(":", 1)[1].strip()
                candidate = None if value == "(none)" else value
        result[package] = candidate
    return result


def _empty_dir(path):
    if not os.path.isdir(path):
        return
    for name in os.listdir(path):
        full = os.path.join(path, name)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full)
        else:
            os.unlink(full)


def finish(rootfs):
    """Drop what an image does not need: apt lists and caches, logs, docs (but copyright files), temp files."""
    chroot(rootfs, ["apt-get", "clean"], quiet=True)
    for rel in ("var/lib/apt/lists", "var/cache/apt", "var/log", "tmp", "var/tmp", "root/.cache", "var/cache/debconf/tmp"):
        _empty_dir(os.path.join(rootfs, rel))
    for rel in ("usr/share/man", "usr/share/info", "usr/share/lintian", "usr/share/linda"):
        _empty_dir(os.path.join(rootfs, rel))
    doc = os.path.join(rootfs, "usr/share/doc")
    if os.path.isdir(doc):
        for package in os.listdir(doc):
            pdir = os.path.join(doc, package)
            if os.path.isdir(pdir) and not os.path.islink(pdir):
                for name in os.listdir(pdir):
                    if name != "copyright":
                        full = os.path.join(pdir, name)
                        if os.path.isdir(full) and not os.path.islink(full):
                            shutil.rmtree(full)
                        else:
                            os.unlink(full)
    for old in ("var/cache/debconf/config.dat-old", "var/cache/debconf/templates.dat-old", "var/lib/dpkg/status-old",
                "etc/passwd-", "etc/group-", "etc/shadow-", "etc/gshadow-"):
        path = os.path.join(rootfs, old)
        if os.path.lexists(path):
            os.unlink(path)
    os.makedirs(os.path.join(rootfs, "tmp"), exist_ok=True)
    os.chmod(os.path.join(rootfs, "tmp"), 0o1777)
    os.chmod(os.path.join(rootfs, "var/tmp"), 0o1777)
    # The container runtime bind-mounts these three; keep them as plain, neutral files.
    with open(os.path.join(rootfs, "etc/resolv.conf"), "w"):
        pass
    with open(os.path.join(rootfs, "etc/hostname"), "w") as handle:
        handle.write("localhost\n")
    with open(os.path.join(rootfs, "etc/hosts"), "w") as handle:
        handle.write("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
