# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The build host's own tools: installed from Debian when missing."""

import os
import shutil

from pgkube_images.proc import log, run

# What the build runs on the host -> the Debian package that provides it.
TOOLS = {
    "debootstrap": ("debootstrap", lambda: shutil.which("debootstrap")),
    "gcc": ("gcc", lambda: shutil.which("gcc")),
    "libc.a": ("libc6-dev", lambda: os.path.exists("/usr/lib/x86_64-linux-gnu/libc.a")),
    "busybox-static": ("busybox-static", lambda: _package_installed("busybox-static")),
    "runc": ("runc", lambda: shutil.which("runc")),
}


def _package_installed(package):
    out = run(["dpkg-query", "-W", "-f", "${db:Status-Status}", package], capture=True, check=False, quiet=True)
    return out.strip() == "installed"


def ensure(names):
    missing = sorted(set(TOOLS[name][0] for name in names if not TOOLS[name][1]()))
    if not missing:
        return
    _install(missing)


def _install(packages):
    log("installing the build's host packages: %s", " ".join(packages))
    apt = ["apt-get", "-o", "DPkg::Lock::Timeout=900"]
    run(apt + ["-qq", "update"])
    run(apt + ["install", "-y", "-qq", "--no-install-recommends"] + list(packages), env={"DEBIAN_FRONTEND": "noninteractive"})


def package_version(package):
    """The installed version of a host package, a part of image keys. On a fresh machine (as root)
    the package is installed first, so the key computed before a build is the key after it;
    "missing" when it is absent and cannot be installed (then nothing is built as that key)."""
    if not _package_installed(package) and os.geteuid() == 0:
        _install([package])
    return run(["dpkg-query", "-W", "-f", "${Version}", package], capture=True, check=False, quiet=True).strip() or "missing"
