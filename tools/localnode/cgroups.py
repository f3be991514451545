"""A node's own cgroup root, so that two kubelets on one machine never share ``kubepods``.

The kubelet (cgroupfs driver) creates its ``kubepods`` hierarchy under ``cgroupRoot``, which must
exist. With cgroup v1 there is one hierarchy per controller under ``/sys/fs/cgroup``; a new
cpuset cgroup starts with no CPUs and no memory nodes, so they are copied from the parent. With
cgroup v2 (one unified hierarchy) the root's controllers are delegated to the new child.
``remove`` deletes the root and everything the kubelet and the runtime left under it, deepest
first (a cgroup with processes in it cannot be removed: those are reported).
"""

import os

CGROUP_FS = "/sys/fs/cgroup"


def unified():
    return os.path.exists(os.path.join(CGROUP_FS, "cgroup.controllers"))


def hierarchies():
    """Mount points of the v1 hierarchies the kubelet uses (one per controller)."""
    if unified():
        return [CGROUP_FS]
    result = []
    for name in sorted(os.listdir(CGROUP_FS)):
        path = os.path.join(CGROUP_FS, name)
        if os.path.isdir(path) and not os.path.islink(path) and os.path.ismount(path):
            result.append(path)
    return result


def _copy(parent, child, name):
    try:
        with open(os.path.join(parent, name)) as handle:
            value = handle.read().strip()
        with open(os.path.join(child, name), "w") as handle:
            handle.write(value)
    except OSError:
        pass


def create(root):
    """Create ``/<root>`` in every hierarchy (idempotent)."""
    root = root.strip("/")
    for base in hierarchies():
        path = os.path.join(base, root)
        os.makedirs(path, exist_ok=True)
        if os.path.exists(os.path.join(base, "cpuset.cpus")):
            _copy(base, path, "cpuset.cpus")
            _copy(base, path, "cpuset.mems")
    if unified():
        try:
            with open(os.path.join(CGROUP_FS, "cgroup.subtree_control")) as handle:
                wanted = handle.read().split()
            with open(os.path.join(CGROUP_FS, root, "cgroup.subtree_control"), "w") as handle:
                handle.write(" ".join("+" + c for c in wanted))
        except OSError:
            pass


def remove(root):
    """Remove ``/<root>`` and its descendants from every hierarchy; returns what stayed."""
    root = root.strip("/")
    left = []
    for base in hierarchies():
        top = os.path.join(base, root)
        if not os.path.isdir(top):
            continue
        for current, _dirs, _files in sorted(os.walk(top, topdown=False), key=lambda t: -len(t[0])):
            try:
                os.rmdir(current)
            except OSError as exc:
                left.append("%s (%s)" % (current, exc.strerror))
    return left
