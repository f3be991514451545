# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``helper``: a shell and coreutils for the PVC provisioner's helper pods and for tests.

Debian's statically linked busybox (package busybox-static, from the build host) with a
link for each applet, plus a minimal /etc/passwd and /etc/group.
"""

import os
import shutil

from pgkube_images import host, runc
from pgkube_images.proc import run

NAME = "helper"
REPOSITORY = "pgkube.local/helper"
SUITE = None
HOST_TOOLS = ("busybox-static", "runc")
BUSYBOX = "/bin/busybox"
PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
GROUP = "root:x:0:\nnogroup:x:65534:\n"


def add_inputs(ctx, key):
    key.add_text("busybox-static", host.package_version("busybox-static"))
    key.add_file(os.path.realpath(BUSYBOX), "busybox")


def build(ctx, rootfs):
    for directory in ("bin", "sbin", "usr/bin", "usr/sbin", "etc", "root", "tmp", "dev", "proc", "sys", "var/tmp"):
        os.makedirs(os.path.join(rootfs, directory), exist_ok=True)
    os.chmod(os.path.join(rootfs, "tmp"), 0o1777)
    os.chmod(os.path.join(rootfs, "var/tmp"), 0o1777)
    shutil.copy2(os.path.realpath(BUSYBOX), os.path.join(rootfs, "bin/busybox"))
    os.chmod(os.path.join(rootfs, "bin/busybox"), 0o755)
    applets = run([BUSYBOX, "--list-full"], capture=True, quiet=True).split()
    for applet in applets:
        link = os.path.join(rootfs, applet.lstrip("/"))
        if applet.lstrip("/") == "bin/busybox" or os.path.lexists(link):
            continue
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink("/bin/busybox", link)
    for rel, text in (("etc/passwd", PASSWD), ("etc/group", GROUP), ("etc/hosts", "127.0.0.1\tlocalhost\n"),
                      ("etc/resolv.conf", ""), ("etc/hostname", "localhost\n")):
        with open(os.path.join(rootfs, rel), "w") as handle:
            handle.write(text)
    return {"Cmd": ["/bin/sh"], "Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "WorkingDir": "/"}


def check(ctx, bundle, state):
    env = runc.image_env(ctx.image_config)
    script = "set -e; mkdir -p /tmp/pv/a && chmod 0777 /tmp/pv/a && rm -rf /tmp/pv && echo ok-$(id -u) && ls / >/dev/null && du -s /bin >/dev/null"
    result = runc.run(bundle, state, ["/bin/sh", "-c", script], env, read_only=False)
    ctx.expect(result, "helper shell", returncode=0, contains="ok-0")
