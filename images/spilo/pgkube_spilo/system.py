# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts about the running container: installed PostgreSQL versions, memory limit, data directory version."""

import glob
import os
import socket

from pgkube_spilo.config import Facts, paths

# cgroup v1 reports "no limit" as a huge page-aligned number.
UNLIMITED = 1 << 60


def installed_versions(pattern="/usr/lib/postgresql/*/bin/postgres"):
    found = {}
    for binary in glob.glob(pattern):
        bin_dir = os.path.dirname(binary)
        found[os.path.basename(os.path.dirname(bin_dir))] = bin_dir
    return found


def _read_int(path):
    try:
        with open(path) as handle:
            text = handle.read().strip()
    except OSError:
        return None
    if text == "max":
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value < UNLIMITED else None


def memory_limit():
    """min(cgroup v2 ``memory.max`` or v1 ``memory.limit_in_bytes``, physical memory), in bytes."""
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    limits = [value for value in (_read_int("/sys/fs/cgroup/memory.max"),
                                  _read_int("/sys/fs/cgroup/memory/memory.limit_in_bytes")) if value]
    return min(limits + [physical])


def data_version(pgdata):
    try:
        with open(os.path.join(pgdata, "PG_VERSION")) as handle:
            return handle.read().strip() or None
    except OSError:
        return None


def pod_ip(hostname):
    try:
        return socket.gethostbyname(hostname)
    except OSError:
        return "127.0.0.1"


def facts(env):
    hostname = env.get("HOSTNAME") or socket.gethostname()
    return Facts(
        hostname=hostname,
        pod_ip=env.get("POD_IP") or pod_ip(hostname),
        installed=installed_versions(),
        data_version=data_version(paths(env)["pgdata"]),
        memory_bytes=memory_limit(),
        on_kubernetes=bool(env.get("KUBERNETES_SERVICE_HOST")),
    )
