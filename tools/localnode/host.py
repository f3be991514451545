"""What a local node changes on the machine, and how it is put back.

``snapshot()`` records, before the first node starts, the values of the sysctls that the kubelet,
kube-proxy and the CNI bridge plugin set, the iptables rules and chains of every table, the
network interfaces and the network namespaces. ``restore(snapshot)`` deletes every rule and chain
added since (the chains ``KUBE-*`` of kube-proxy and the kubelet, ``CNI-*`` of the bridge plugin),
the interfaces created since (bridges; a pod's veth goes with its namespace), the network
namespaces created since, and writes the recorded sysctl values back.
"""

import os
import re
import subprocess

# The kubelet sets the first six at start (its "kernel tunables"); IP forwarding and bridged
# traffic through iptables are what pod networking needs; kube-proxy may set route_localnet.
SYSCTLS = (
    "vm.overcommit_memory",
    "vm.panic_on_oom",
    "kernel.panic",
    "kernel.panic_on_oops",
    "kernel.keys.root_maxkeys",
    "kernel.keys.root_maxbytes",
    "net.ipv4.ip_forward",
    "net.bridge.bridge-nf-call-iptables",
    "net.bridge.bridge-nf-call-ip6tables",
    "net.ipv4.conf.all.route_localnet",
)
NETWORKING_SYSCTLS = {
    "net.ipv4.ip_forward": "1",
    "net.bridge.bridge-nf-call-iptables": "1",
    "net.bridge.bridge-nf-call-ip6tables": "1",
}
IPTABLES = ("iptables", "ip6tables")
TABLES = ("filter", "nat", "mangle", "raw")
NETNS_DIR = "/run/netns"
# Directories that components create at fixed places whatever their configuration says: the
# kubelet links container logs into /var/log/containers, the CNI library caches results in
# /var/lib/cni, containerd's shims may keep sockets in /run/containerd. Removed at restore when
# they did not exist before; otherwise only what points into the cluster's own directories goes.
FIXED_PATHS = ("/var/log/containers", "/var/lib/cni", "/run/containerd", "/var/lib/kubelet", "/run/netns")


class HostError(Exception):
    """The machine cannot host a node (a missing tool, no usable address)."""


def _sysctl_path(name):
    return "/proc/sys/" + name.replace(".", "/")


def read_sysctl(name):
    try:
        with open(_sysctl_path(name)) as handle:
            return handle.read().strip()
    except OSError:
        return None


def write_sysctl(name, value):
    try:
        with open(_sysctl_path(name), "w") as handle:
            handle.write(str(value))
        return True
    except OSError:
        return False


def host_address():
    """The machine's address that pods and the node's components use to reach the API server:
    the source address of the default route, else the first global IPv4 address."""
    out = _run(["ip", "-4", "-o", "route", "get", "1.1.1.1"], check=False)
    match = re.search(r"\bsrc (\d+\.\d+\.\d+\.\d+)", out)
    if match:
        return match.group(1)
    out = _run(["ip", "-4", "-o", "addr", "show", "scope", "global"], check=False)
    match = re.search(r"inet (\d+\.\d+\.\d+\.\d+)/", out)
    if match:
        return match.group(1)
    raise HostError("no global IPv4 address on this machine: pods need one to reach the API server")


def _run(argv, check=True, stdin=None):
    try:
        proc = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, check=False)
    except FileNotFoundError:
        if check:
            raise HostError("%s is not installed" % argv[0])
        return ""
    if check and proc.returncode != 0:
        raise HostError("%s failed: %s" % (" ".join(argv), proc.stderr.strip()))
    return proc.stdout


def iptables_rules(tool, table):
    """``-N``/``-A`` lines of ``tool -t table -S`` (policies left out)."""
    out = _run([tool, "-w", "-t", table, "-S"], check=False)
    return [line for line in out.splitlines() if line.startswith(("-N ", "-A "))]


def interfaces():
    out = _run(["ip", "-o", "link", "show"], check=False)
    return sorted(set(m.group(1) for m in re.finditer(r"^\d+: ([^:@\s]+)", out, re.M)))


def network_namespaces():
    try:
        return sorted(os.listdir(NETNS_DIR))
    except OSError:
        return []


def snapshot():
    """The state to put back later (JSON-serialisable)."""
    return {
        "sysctls": dict((name, read_sysctl(name)) for name in SYSCTLS),
        "iptables": dict(("%s/%s" % (tool, table), iptables_rules(tool, table))
                         for tool in IPTABLES for table in TABLES),
        "interfaces": interfaces(),
        "netns": network_namespaces(),
        "paths": dict((path, os.path.lexists(path)) for path in FIXED_PATHS),
    }


def enable_pod_networking():
    for name, value in NETWORKING_SYSCTLS.items():
        write_sysctl(name, value)


def restore(state, own_dirs=()):
    """Undo everything added since ``state``; returns a list of what could not be undone.

    ``own_dirs``: the cluster's directories; links into them are removed from fixed places that
    existed before.
    """
    problems = []
    for name in sorted(set(network_namespaces()) - set(state.get("netns") or [])):
        path = os.path.join(NETNS_DIR, name)
        subprocess.run(["umount", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        try:
            os.remove(path)
        except OSError as exc:
            problems.append("network namespace %s: %s" % (name, exc))
    for key, before in sorted((state.get("iptables") or {}).items()):
        tool, table = key.split("/")
        problems.extend(_restore_iptables(tool, table, set(before)))
    for name in sorted(set(interfaces()) - set(state.get("interfaces") or [])):
        if name not in interfaces():
            continue            # a veth that went with its peer
        if subprocess.run(["ip", "link", "delete", name], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, check=False).returncode:
            problems.append("interface %s" % name)
    for name, value in sorted((state.get("sysctls") or {}).items()):
        if value is not None and read_sysctl(name) != value and not write_sysctl(name, value):
            problems.append("sysctl %s=%s" % (name, value))
    problems.extend(_restore_paths(state.get("paths") or {}, own_dirs))
    return problems


def _restore_paths(existed, own_dirs):
    import shutil  # pylint: disable=import-outside-toplevel
    problems = []
    own = tuple(os.path.join(os.path.abspath(d), "") for d in own_dirs)
    for path, was_there in sorted(existed.items()):
        if not os.path.lexists(path):
            continue
        if not was_there:
            if path == NETNS_DIR:
                subprocess.run(["umount", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            shutil.rmtree(path, ignore_errors=True)
            if os.path.lexists(path):
                problems.append("directory %s" % path)
            continue
        if not own or not os.path.isdir(path):
            continue
        for name in os.listdir(path):
            entry = os.path.join(path, name)
            if os.path.islink(entry) and os.path.abspath(os.readlink(entry)).startswith(own):
                os.remove(entry)
    return problems


def unmount_under(dirs):
    """Unmount everything mounted below ``dirs`` (deepest first); returns what stayed mounted."""
    prefixes = tuple(os.path.join(os.path.abspath(d), "") for d in dirs)
    targets = []
    try:
        with open("/proc/self/mounts") as handle:
            for line in handle:
                target = line.split()[1].replace("\\040", " ")
                if (target + "/").startswith(prefixes):
                    targets.append(target)
    except OSError:
        return []
    left = []
    for target in sorted(set(targets), key=len, reverse=True):
        if subprocess.run(["umount", target], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          check=False).returncode:
            if subprocess.run(["umount", "-l", target], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              check=False).returncode:
                left.append(target)
    return left


def _restore_iptables(tool, table, before):
    problems = []
    now = iptables_rules(tool, table)
    # rules first (a chain that is still referenced cannot be deleted), then the new chains
    for line in now:
        if line.startswith("-A ") and line not in before:
            argv = [tool, "-w", "-t", table, "-D"] + _split_rule(line[3:])
            if subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode:
                problems.append("%s -t %s %s" % (tool, table, line))
    for line in now:
        if line.startswith("-N ") and line not in before:
            chain = line[3:].strip()
            subprocess.run([tool, "-w", "-t", table, "-F", chain], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
    for line in now:
        if line.startswith("-N ") and line not in before:
            chain = line[3:].strip()
            if subprocess.run([tool, "-w", "-t", table, "-X", chain], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, check=False).returncode:
                problems.append("%s -t %s chain %s" % (tool, table, chain))
    return problems


def _split_rule(text):
    """Split an ``iptables -S`` rule into argv (quoted comments kept whole)."""
    import shlex  # pylint: disable=import-outside-toplevel
    return shlex.split(text)
