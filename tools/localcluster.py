"""A local single-machine Kubernetes that runs real pods: the control plane of
``tools/controlplane.py`` prepared for nodes, kube-scheduler, kube-proxy, CoreDNS, a PVC
provisioner, and one or more nodes (kubelet + containerd + runc + CNI bridge), with the locally
built images of ``images/build.sh`` imported (there is no registry). Needs root.

    python tools/localcluster.py [--dir DIR] up [--nodes N] [--build]
    python tools/localcluster.py [--dir DIR] add-node
    python tools/localcluster.py [--dir DIR] status       # JSON; exit 1 if not running
    python tools/localcluster.py [--dir DIR] env          # shell exports
    python tools/localcluster.py [--dir DIR] down

``up`` on a cluster that runs is a no-op (it only adds nodes up to ``--nodes``). ``down`` stops
every process, removes the containers, mounts, cgroups, bridges, iptables chains and network
namespaces the cluster created and writes back the sysctls it changed. See docs/local-node.md.
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import controlplane  # noqa: E402  pylint: disable=wrong-import-position
from localnode.cluster import ClusterError, LocalCluster  # noqa: E402  pylint: disable=wrong-import-position
from localnode.containerd import ContainerdError  # noqa: E402  pylint: disable=wrong-import-position
from localnode.host import HostError  # noqa: E402  pylint: disable=wrong-import-position

IMAGES_SH = os.path.join(REPO, "images", "build.sh")


def built_images(build=False):
    """``{name: (ref, archive)}`` from ``images/build.sh`` (``--print`` unless ``build``)."""
    cmd = ["bash", IMAGES_SH] + ([] if build else ["--print"])
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=None if build else subprocess.PIPE,
                          universal_newlines=True, check=False)
    if proc.returncode != 0:
        raise ClusterError((proc.stderr or "").strip() or "images/build.sh failed (exit %d)" % proc.returncode)
    images = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and os.path.isabs(parts[2]):
            images[parts[0]] = (parts[1], parts[2])
    if not images:
        raise ClusterError("images/build.sh printed no image")
    return images


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--dir", default=os.environ.get("PGKUBE_CONTROLPLANE_DIR", controlplane.DEFAULT_DIR),
                        help="state directory (default: <repo>/.controlplane)")
    sub = parser.add_subparsers(dest="command")
    p_up = sub.add_parser("up", help="start the cluster (no-op when it runs)")
    p_up.add_argument("--nodes", type=int, default=1, help="number of nodes (default 1)")
    p_up.add_argument("--build", action="store_true",
                      help="build the binaries and images if they are not cached (else only use cached ones)")
    p_up.add_argument("--timeout", type=float, default=180.0)
    sub.add_parser("add-node", help="start one more node")
    sub.add_parser("status", help="print the state as JSON; exit 1 if not running")
    sub.add_parser("env", help="print shell exports (KUBECONFIG, PATH, ...)")
    sub.add_parser("down", help="stop everything and put the machine back as it was")
    args = parser.parse_args(argv)

    cluster = LocalCluster(args.dir)
    try:
        if args.command == "up":
            if os.geteuid() != 0:
                raise ClusterError("a local node needs root (kubelet, containerd, iptables, cgroups)")
            state = cluster.up(built_images(build=args.build), nodes=args.nodes, build=args.build,
                               timeout=args.timeout)
            print("local cluster up: %d node(s) (%s), API %s" % (
                len(state["nodes"]), ", ".join(n["name"] for n in state["nodes"]),
                controlplane.ControlPlane(args.dir).load()["server"]), file=sys.stderr)
            print(cluster.kubeconfig)
            return 0
        if args.command == "add-node":
            print(cluster.add_node())
            return 0
        if args.command == "status":
            status = cluster.status()
            print(json.dumps(status, indent=2, sort_keys=True))
            return 0 if status["running"] else 1
        if args.command == "env":
            return controlplane.main(["--dir", args.dir, "env"])
        if args.command == "down":
            problems = cluster.down()
            return 1 if problems else 0
        parser.print_help()
        return 2
    except (ClusterError, ContainerdError, HostError, controlplane.ControlPlaneError) as exc:
        print("localcluster: %s" % exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
