# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a command in an unpacked image with runc directly (no containerd, no kubelet).

The image's own archive is unpacked into an OCI bundle, so a check exercises exactly what
``ctr images import`` will get. runc keeps its state under the scratch directory
(``--root``), apart from any containerd on the machine; every container is deleted after use.
"""

import itertools
import json
import os
import subprocess

from pgkube_images.proc import log

# Docker's default capability set, for checks that run as root.
DEFAULT_CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
                "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
                "CAP_AUDIT_WRITE"]
_COUNTER = itertools.count(1)


class Result:
    def __init__(self, argv, returncode, output):
        self.argv = argv
        self.returncode = returncode
        self.output = output

    def __repr__(self):
        return "Result(%r, rc=%s)" % (self.argv, self.returncode)


def _mounts(extra, tmpfs=()):
    mounts = [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
    ]
    for destination in tmpfs:
        mounts.append({"destination": destination, "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"]})
    for destination, source, read_only in extra:
        options = ["rbind", "ro" if read_only else "rw"]
        mounts.append({"destination": destination, "type": "bind", "source": source, "options": options})
    return mounts


def bundle_config(args, env, uid=0, gid=0, cwd="/", read_only=True, caps=None, host_network=False, mounts=(), tmpfs=()):
    """An OCI runtime config (runc) for one process."""
    caps = DEFAULT_CAPS if caps is None and uid == 0 else (caps or [])
    namespaces = [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]
    if not host_network:
        namespaces.append({"type": "network"})
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": uid, "gid": gid},
            "args": list(args),
            "env": ["%s=%s" % item for item in env.items()],
            "cwd": cwd,
            "capabilities": {key: list(caps) for key in ("bounding", "effective", "permitted")},
            "noNewPrivileges": True,
        },
        "root": {"path": "rootfs", "readonly": read_only},
        "hostname": "pgkube-verify",
        "mounts": _mounts(mounts, tmpfs),
        "linux": {
            "namespaces": namespaces,
            "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
        },
    }


def image_env(image_config):
    env = {}
    for item in image_config.get("config", {}).get("Env") or []:
        name, value = item.split("=", 1) if "=" in item else (item, "")
        env[name] = value
    return env


def run(bundle, state_root, args, env, timeout=180, **options):
    """Run ``args`` in ``bundle`` (which holds ``rootfs/``); returns a :class:`Result` with combined output."""
    with open(os.path.join(bundle, "config.json"), "w") as handle:
        json.dump(bundle_config(args, env, **options), handle, indent=1)
    container = "pgkube-verify-%d-%d" % (os.getpid(), next(_COUNTER))
    base = ["runc", "--root", state_root]
    log("runc: %s", " ".join(args))
    try:
        proc = subprocess.run(base + ["run", "--bundle", bundle, container], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout, check=False)
        output = proc.stdout.decode("utf-8", "replace")
        code = proc.returncode
    except subprocess.TimeoutExpired as exc:
        subprocess.run(base + ["kill", container, "KILL"], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        output = (exc.stdout or b"").decode("utf-8", "replace") + "\n[timed out after %ss]" % timeout
        code = -1
    finally:
        subprocess.run(base + ["delete", "--force", container], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return Result(args, code, output)


def run_and_signal(bundle, state_root, args, env, signal="TERM", after=1.0, timeout=20, **options):
    """Start ``args``, send ``signal`` after ``after`` seconds, wait for the exit; output and code in a :class:`Result`.

    A process that exited before the signal is reported with its own exit code and ``early=True`` in the output.
    """
    with open(os.path.join(bundle, "config.json"), "w") as handle:
        json.dump(bundle_config(args, env, **options), handle, indent=1)
    container = "pgkube-verify-%d-%d" % (os.getpid(), next(_COUNTER))
    base = ["runc", "--root", state_root]
    log("runc: %s (then SIG%s)", " ".join(args), signal)
    proc = subprocess.Popen(base + ["run", "--bundle", bundle, container], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        try:
            output = proc.communicate(timeout=after)[0]
            return Result(args, proc.returncode, output.decode("utf-8", "replace") + "\n[early exit]")
        except subprocess.TimeoutExpired:
            pass
        subprocess.run(base + ["kill", container, signal], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            output = proc.communicate(timeout=timeout)[0]
        except subprocess.TimeoutExpired:
            subprocess.run(base + ["kill", container, "KILL"], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            output = proc.communicate()[0]
            return Result(args, -1, output.decode("utf-8", "replace") + "\n[did not stop on SIG%s]" % signal)
        return Result(args, proc.returncode, output.decode("utf-8", "replace"))
    finally:
        subprocess.run(base + ["delete", "--force", container], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
