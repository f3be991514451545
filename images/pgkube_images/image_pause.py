# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``pause``: the pod sandbox image, our own static ``pause.c`` and nothing else."""

import os
import time

from pgkube_images import host, runc
from pgkube_images.proc import run

NAME = "pause"
REPOSITORY = "pgkube.local/pause"
SUITE = None
HOST_TOOLS = ("gcc", "libc.a", "runc")


def source(ctx):
    return os.path.join(ctx.images_dir, "pause", "pause.c")


def add_inputs(ctx, key):
    key.add_file(source(ctx), "pause.c")
    key.add_text("gcc", host.package_version("gcc"))
    key.add_text("libc6-dev", host.package_version("libc6-dev"))


def build(ctx, rootfs):
    binary = os.path.join(rootfs, "pause")
    run(["gcc", "-Os", "-Wall", "-Wextra", "-Werror", "-static", "-DPAUSE_VERSION=\"%s\"" % ctx.tag, "-o", binary, source(ctx)])
    run(["strip", binary])
    for directory in ("dev", "proc", "sys", "etc"):
        os.makedirs(os.path.join(rootfs, directory), exist_ok=True)
    return {"Entrypoint": ["/pause"], "User": "65535:65535", "WorkingDir": "/"}


def check(ctx, bundle, state):
    env = runc.image_env(ctx.image_config)
    result = runc.run(bundle, state, ["/pause", "-v"], env, uid=65535, gid=65535)
    ctx.expect(result, "pause -v", returncode=0, contains=ctx.tag)
    # Started as PID 1 of its namespace, it must stay up until SIGTERM and then exit 0.
    started = time.monotonic()
    result = runc.run_and_signal(bundle, state, ["/pause"], env, signal="TERM", after=1.5, uid=65535, gid=65535)
    ctx.expect(result, "pause until SIGTERM", returncode=0)
    if time.monotonic() - started < 1.5:
        raise AssertionError("pause exited before it was signalled")
