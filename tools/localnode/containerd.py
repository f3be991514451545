"""One containerd per node: its own image store, state, socket, runc root and CNI network.

The image store (``root``) lives in the cache directory, so the locally built images imported
once stay there between runs (the machine has no registry to pull them from again); everything
else (state, sockets, runc state) is under ``/run/pgkube/<node>/`` and goes when the node stops.

Two settings are required on this kind of machine: ``restrict_oom_score_adj`` (the sandbox drops
CAP_SYS_RESOURCE, so runc cannot lower a container's oom_score_adj: without it every pod fails
with "can't get final child's PID from pipe: EOF"), and the cgroupfs driver (PID 1 is not
systemd). The sandbox ("pause") image must be a local one.

The CNI network is a Linux bridge per node with host-local addresses from the node's pod CIDR;
all bridges are on the machine, so pods on different nodes reach each other through its routing
table, without address translation.
"""

import json
import os
import subprocess
import time

RUNTIME_DIR = "/run/pgkube"
CNI_BIN_DIR = "/usr/lib/cni"


class ContainerdError(Exception):
    """containerd did not start, or an image could not be imported."""


def runtime_dir(node):
    return os.path.join(RUNTIME_DIR, node)


def socket_path(node):
    return os.path.join(runtime_dir(node), "containerd.sock")


def config_toml(node, root, cni_conf_dir, sandbox_image):
    run = runtime_dir(node)
    return "\n".join([
        "version = 2",
        'root = "%s"' % root,
        'state = "%s"' % os.path.join(run, "state"),
        "disabled_plugins = [%s]" % ", ".join('"io.containerd.snapshotter.v1.%s"' % s
                                              for s in ("aufs", "btrfs", "zfs", "devmapper")),
        "[grpc]",
        '  address = "%s"' % socket_path(node),
        "[ttrpc]",
        '  address = "%s"' % (socket_path(node) + ".ttrpc"),
        '[plugins."io.containerd.internal.v1.opt"]',
        '  path = "%s"' % os.path.join(root, "opt"),
        '[plugins."io.containerd.grpc.v1.cri"]',
        '  sandbox_image = "%s"' % sandbox_image,
        "  restrict_oom_score_adj = true",
        '  stream_server_address = "127.0.0.1"',
        '  [plugins."io.containerd.grpc.v1.cri".containerd]',
        '    snapshotter = "overlayfs"',
        '    default_runtime_name = "runc"',
        '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
        '      runtime_type = "io.containerd.runc.v2"',
        '      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
        "        SystemdCgroup = false",
        '        Root = "%s"' % os.path.join(run, "runc"),
        '  [plugins."io.containerd.grpc.v1.cri".cni]',
        '    bin_dir = "%s"' % CNI_BIN_DIR,
        '    conf_dir = "%s"' % cni_conf_dir,
        "    max_conf_num = 1",
        "",
    ])


def cni_conflist(node, bridge, subnet, ipam_dir):
    """A bridge network for one node; the bridge is the pods' gateway."""
    return json.dumps({
        "cniVersion": "0.4.0",
        "name": "pgkube-" + node,
        "plugins": [{
            "type": "bridge", "bridge": bridge, "isGateway": True, "ipMasq": False, "hairpinMode": True,
            "ipam": {"type": "host-local", "dataDir": ipam_dir,
                     "ranges": [[{"subnet": subnet}]], "routes": [{"dst": "0.0.0.0/0"}]},
        }],
    }, indent=2) + "\n"


def ctr(node, *args, timeout=600):
    argv = ["ctr", "--address", socket_path(node), "--namespace", "k8s.io"] + list(args)
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          timeout=timeout, check=False)


def wait_ready(node, is_alive, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(socket_path(node)) and ctr(node, "version", timeout=10).returncode == 0:
            return
        if not is_alive():
            raise ContainerdError("containerd of node %s exited while starting" % node)
        time.sleep(0.2)
    raise ContainerdError("containerd of node %s did not answer within %ss" % (node, timeout))


def image_refs(node):
    proc = ctr(node, "images", "list", "--quiet")
    return set(proc.stdout.split()) if proc.returncode == 0 else set()


def import_images(node, images):
    """Import ``{ref: archive path}`` that the node's store lacks; returns the refs imported."""
    present = image_refs(node)
    imported = []
    for ref, archive in sorted(images.items()):
        if ref in present:
            continue
        proc = ctr(node, "images", "import", archive)
        if proc.returncode != 0:
            raise ContainerdError("importing %s into node %s failed: %s" % (archive, node, proc.stderr.strip()))
        if ref not in image_refs(node):
            raise ContainerdError("%s did not provide the image %s (it provided: %s)" % (
                archive, ref, ", ".join(sorted(image_refs(node) - present)) or "nothing"))
        imported.append(ref)
    return imported


def tag_image(node, source, target):
    """Give an image of the node's store a second name (an image "change" without a new build)."""
    proc = ctr(node, "images", "tag", "--force", source, target)
    if proc.returncode != 0:
        raise ContainerdError("tagging %s as %s on node %s failed: %s" % (source, target, node, proc.stderr.strip()))


def remove_containers(node):
    """Kill and delete every container of the node (they outlive the kubelet)."""
    proc = ctr(node, "tasks", "list", "--quiet", timeout=30)
    tasks = proc.stdout.split() if proc.returncode == 0 else []
    for task in tasks:
        ctr(node, "tasks", "kill", "--signal", "SIGKILL", task, timeout=30)
    deadline = time.monotonic() + 20
    while tasks and time.monotonic() < deadline:
        proc = ctr(node, "tasks", "list", "--quiet", timeout=30)
        running = [t for t in (proc.stdout.split() if proc.returncode == 0 else [])
                   if ctr(node, "tasks", "delete", t, timeout=30).returncode != 0]
        if not running:
            break
        time.sleep(0.5)
    proc = ctr(node, "containers", "list", "--quiet", timeout=30)
    for container in (proc.stdout.split() if proc.returncode == 0 else []):
        ctr(node, "containers", "delete", container, timeout=30)
    # snapshots of removed containers (not those of the images)
    proc = ctr(node, "snapshots", "list", timeout=30)
    for line in (proc.stdout.splitlines()[1:] if proc.returncode == 0 else []):
        parts = line.split()
        if len(parts) >= 3 and parts[2] == "Active":
            ctr(node, "snapshots", "remove", parts[0], timeout=30)
