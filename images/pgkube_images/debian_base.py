# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base rootfs of a Debian suite: ``debootstrap --variant=minbase``, once per suite, cached.

Every image of that suite starts from a copy of it. The key covers this file, the suite,
the mirror and debootstrap's version, so changing any of them bootstraps anew.
"""

import os
import shutil

from pgkube_images import cache, host
from pgkube_images.chroot import chroot
from pgkube_images.proc import log, run

MIRROR = os.environ.get("PGKUBE_DEBIAN_MIRROR", "http://deb.debian.org/debian")

# dpkg leaves these out of every package installed later (copyright files stay).
DPKG_SLIM = """\
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/lintian/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
"""

APT_CONF = """\
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
"""

# No daemon starts inside the build chroot (maintainer scripts ask invoke-rc.d).
POLICY_RC_D = "#!/bin/sh\nexit 101\n"


def debootstrap_version():
    return host.package_version("debootstrap")


def base_key(suite):
    key = cache.Key("debian-base")
    key.add_file(os.path.abspath(__file__), "debian_base.py")
    key.add_text("suite", suite)
    key.add_text("mirror", MIRROR)
    key.add_text("debootstrap", debootstrap_version())
    return key.hexdigest()


def base_dir(root, suite):
    return os.path.join(root, "base", "%s-%s" % (suite, base_key(suite)[:16]))


def ensure_base(root, suite):
    """The cached base rootfs of ``suite`` (built when missing); returns its path."""
    final = base_dir(root, suite)
    if os.path.isfile(os.path.join(final, ".complete")):
        return os.path.join(final, "rootfs")
    work = cache.scratch_dir(root, "base-" + suite)
    rootfs = os.path.join(work, "rootfs")
    log("bootstrapping the %s base rootfs (debootstrap --variant=minbase, a few minutes)", suite)
    run(["debootstrap", "--variant=minbase", suite, rootfs, MIRROR])
    _configure(rootfs)
    with open(os.path.join(work, ".complete"), "w") as handle:
        handle.write(suite + "\n")
    os.makedirs(os.path.dirname(final), exist_ok=True)
    cache.publish(work, final)
    return os.path.join(final, "rootfs")


def _write(rootfs, rel, text, mode=0o644):
    path = os.path.join(rootfs, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, mode)


def _configure(rootfs):
    _write(rootfs, "usr/sbin/policy-rc.d", POLICY_RC_D, 0o755)
    _write(rootfs, "etc/dpkg/dpkg.cfg.d/pgkube-slim", DPKG_SLIM)
    _write(rootfs, "etc/apt/apt.conf.d/90pgkube", APT_CONF)
    chroot(rootfs, ["apt-get", "clean"], quiet=True)
    for rel in ("var/lib/apt/lists", "usr/share/man", "usr/share/info"):
        path = os.path.join(rootfs, rel)
        if os.path.isdir(path):
            shutil.rmtree(path)
            os.makedirs(path)
    os.makedirs(os.path.join(rootfs, "var/lib/apt/lists/partial"), exist_ok=True)
