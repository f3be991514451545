"""A local Kubernetes cluster on this machine: the control plane, its add-ons and 1..n nodes.

State lives in the control plane's directory (``<dir>/cluster.json`` beside its ``state.json``);
logs in ``<dir>/logs``; per node ``<dir>/nodes/<name>/`` (kubelet root, configuration, CNI
network, pod logs); volumes of the PVC provisioner in ``<dir>/volumes``. Only one local cluster
runs on a machine at a time (nodes share the machine's network stack, and kube-proxy owns its
iptables chains): ``/run/pgkube/active`` names the directory of the one that runs.

Node ``i`` (1-based) is ``pgkube-<i>``, with pod CIDR ``10.244.<i-1>.0/24``, bridge
``pgkube<i>``, cgroup root ``/pgkube-<i>``, containerd socket ``/run/pgkube/pgkube-<i>/``.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.dirname(HERE)
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)

import controlplane  # noqa: E402  pylint: disable=wrong-import-position
from localnode import addons, cgroups, containerd, host, kubelet  # noqa: E402  pylint: disable=wrong-import-position

ACTIVE_FILE = os.path.join(containerd.RUNTIME_DIR, "active")
NODE_PREFIX = "pgkube-"
STOP_GRACE = 10.0


class ClusterError(Exception):
    """The local cluster could not be started, extended or stopped."""


def cache_root():
    return os.environ.get("PGKUBE_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "pgkube")


def _read_json(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _write_json(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.replace(tmp, path)


def _http_ok(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=2) as resp:
            return resp.status == 200
    except (OSError, urllib.error.URLError):
        return False


class LocalCluster:
    def __init__(self, state_dir=None):
        self.plane = controlplane.ControlPlane(state_dir)
        self.dir = self.plane.dir
        self.state_file = os.path.join(self.dir, "cluster.json")
        self.logs = self.plane.logs
        self.kubeconfig = self.plane.kubeconfig

    # ------------------------------------------------------------------ state

    def load(self):
        return _read_json(self.state_file)

    def save(self, state):
        _write_json(self.state_file, state)

    def _spawn(self, state, group, key, argv, log_name=None):
        """Start ``argv`` detached, recorded as ``group[key]``; output in ``logs/<log_name>.log``."""
        log = os.path.join(self.logs, (log_name or key) + ".log")
        group[key] = {"argv": argv, "pid": controlplane.spawn(argv, log), "log": log}
        self.save(state)
        return group[key]

    @staticmethod
    def _alive(proc):
        return bool(proc) and controlplane.pid_alive(proc["pid"], proc["argv"][0])

    def _api(self, path):
        """GET ``path`` with the admin certificate; the decoded JSON, or None."""
        try:
            status, body = self.plane.api_get(self.plane.load(), path)
        except (OSError, urllib.error.URLError, ValueError, TypeError):
            return None
        return json.loads(body) if status == 200 else None

    def kubectl(self, *args, stdin=None, check=True, timeout=120):
        state = self.plane.load() or {}
        argv = [os.path.join(state.get("bin_dir", ""), "kubectl"), "--kubeconfig", self.kubeconfig] + list(args)
        proc = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=timeout, check=False)
        if check and proc.returncode != 0:
            raise ClusterError("kubectl %s failed: %s" % (" ".join(args), proc.stderr.strip()))
        return proc

    def apply(self, objects):
        docs = {"apiVersion": "v1", "kind": "List", "items": objects}
        self.kubectl("apply", "--server-side", "--force-conflicts", "--field-manager=pgkube-localnode",
                     "-f", "-", stdin=json.dumps(docs))

    def _wait(self, what, check, timeout, alive=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            if alive is not None and not alive():
                raise ClusterError("%s: the process exited (logs in %s)" % (what, self.logs))
            time.sleep(0.25)
        raise ClusterError("timed out after %ss waiting for %s (logs in %s)" % (timeout, what, self.logs))

    # ------------------------------------------------------------------ status

    def running(self, state=None):
        state = state or self.load()
        if not state:
            return False
        if not self.plane.status().get("running"):
            return False
        procs = list((state.get("addons") or {}).values())
        for node in state.get("nodes") or []:
            procs.extend(node["components"].values())
        return bool(procs) and all(self._alive(p) for p in procs)

    def status(self):
        state = self.load()
        plane = self.plane.status()
        result = {"dir": self.dir, "kubeconfig": self.kubeconfig, "control_plane": plane,
                  "running": False, "nodes": [], "addons": {}}
        if not state:
            return result
        for name, proc in (state.get("addons") or {}).items():
            result["addons"][name] = {"pid": proc["pid"], "alive": self._alive(proc)}
        nodes = (self._api("/api/v1/nodes") or {}).get("items") or []
        ready = dict((n["metadata"]["name"], any(c["type"] == "Ready" and c["status"] == "True"
                                                 for c in (n.get("status") or {}).get("conditions") or []))
                     for n in nodes)
        for node in state.get("nodes") or []:
            result["nodes"].append({
                "name": node["name"], "pod_cidr": node["pod_cidr"], "ready": ready.get(node["name"], False),
                "components": dict((k, {"pid": v["pid"], "alive": self._alive(v)})
                                   for k, v in node["components"].items())})
        result["images"] = state.get("images") or {}
        result["address"] = state.get("address")
        result["running"] = self.running(state)
        return result

    # ------------------------------------------------------------------ up

    def _claim_machine(self):
        """Refuse a second cluster on the machine; clean up after one that died."""
        active = _read_json(ACTIVE_FILE)
        if active and os.path.abspath(active.get("dir", "")) != self.dir:
            other = LocalCluster(active["dir"])
            if other.running():
                raise ClusterError("another local cluster runs from %s: stop it first "
                                   "(python tools/localcluster.py --dir %s down)" % (active["dir"], active["dir"]))
            other.down(quiet=True)
        os.makedirs(containerd.RUNTIME_DIR, exist_ok=True)
        _write_json(ACTIVE_FILE, {"dir": self.dir, "pid": os.getpid()})

    def up(self, images, nodes=1, bin_dir=None, build=False, timeout=180.0):
        """Start everything (no-op when this cluster already runs): returns the state.

        ``images``: ``{name: (ref, archive)}``; ``pause`` and ``helper`` are required.
        """
        state = self.load()
        if state and self.running(state):
            missing = nodes - len(state["nodes"])
            for _missing in range(max(0, missing)):
                self.add_node(timeout=timeout)
            self.import_images(images)
            return self.load()
        if state:
            self.down(quiet=True)
        for name in ("pause", "helper"):
            if name not in images:
                raise ClusterError("the %s image is required (images/build.sh builds it)" % name)
        self._claim_machine()
        snapshot = host.snapshot()
        address = host.host_address()
        try:
            self.plane.up(bin_dir=bin_dir, build=build, timeout=timeout, node_address=address)
            plane_state = self.plane.load()
            state = {"dir": self.dir, "address": address, "host": snapshot, "bin_dir": plane_state["bin_dir"],
                     "images": dict((name, {"ref": ref, "archive": archive}) for name, (ref, archive) in images.items()),
                     "addons": {}, "nodes": [], "ports": {}}
            self.save(state)
            host.enable_pod_networking()
            self._start_addons(state)
            for _node in range(nodes):
                self.add_node(timeout=timeout)
        except BaseException:
            self.down(quiet=True)
            raise
        return self.load()

    def _component_kubeconfig(self, name, common_name, organization=None):
        pki = self.plane.pki
        controlplane.issue_certificate(pki, name, common_name, organization)
        path = os.path.join(self.dir, "kubeconfig-%s" % name)
        controlplane.write_kubeconfig(path, self.plane.load()["server"], pki, user=name)
        return path

    def _start_addons(self, state):
        bin_dir, address = state["bin_dir"], state["address"]
        ports = state["ports"] = dict((k, controlplane.free_port()) for k in (
            "dns", "dns_health", "dns_ready", "proxy_metrics", "proxy_healthz"))
        self.apply(addons.api_objects(address, ports["dns"], controlplane.KUBELET_CLIENT_USER))
        group = state["addons"]

        scheduler = self._component_kubeconfig("kube-scheduler", "system:kube-scheduler")
        self._spawn(state, group, "kube-scheduler", addons.scheduler_argv(bin_dir, scheduler))

        proxy_cfg = os.path.join(self.dir, "kube-proxy.yaml")
        with open(proxy_cfg, "w") as handle:
            yaml.safe_dump(addons.proxy_config(self._component_kubeconfig("kube-proxy", "system:kube-proxy"),
                                               ports, NODE_PREFIX + "1"), handle)
        self._spawn(state, group, "kube-proxy", addons.proxy_argv(bin_dir, proxy_cfg))

        corefile = os.path.join(self.dir, "Corefile")
        with open(corefile, "w") as handle:
            handle.write(addons.corefile(address, ports, self._component_kubeconfig("coredns", addons.COREDNS_USER)))
        coredns = self._spawn(state, group, "coredns", addons.coredns_argv(bin_dir, corefile))
        self._wait("CoreDNS ready (its kubernetes plugin synced)", lambda: _http_ok(ports["dns_ready"], "/ready"),
                   60, alive=lambda: self._alive(coredns))

        volumes = os.path.join(self.dir, "volumes")
        os.makedirs(volumes, exist_ok=True)
        lpp_cfg = os.path.join(self.dir, "local-path-config.json")
        with open(lpp_cfg, "w") as handle:
            handle.write(addons.provisioner_config(volumes))
        helper_image = state["images"]["helper"]["ref"]
        helper_pod = os.path.join(self.dir, "local-path-helper-pod.yaml")
        with open(helper_pod, "w") as handle:
            handle.write(addons.helper_pod(helper_image))
        lpp_kc = self._component_kubeconfig("local-path-provisioner", addons.PROVISIONER_USER)
        self._spawn(state, group, "local-path-provisioner",
                    addons.provisioner_argv(bin_dir, lpp_kc, lpp_cfg, helper_pod, helper_image))

    # ------------------------------------------------------------------ nodes

    def add_node(self, timeout=180.0):
        """Start one more node and wait until it is Ready; returns its name."""
        state = self.load()
        if not state:
            raise ClusterError("no local cluster in %s (run up first)" % self.dir)
        index = len(state["nodes"]) + 1
        if index > 200:
            raise ClusterError("at most 200 nodes (pod CIDRs 10.244.0-199.0/24)")
        name = NODE_PREFIX + str(index)
        node_dir = os.path.join(self.dir, "nodes", name)
        paths = {"root": os.path.join(node_dir, "kubelet"), "pod_logs": os.path.join(node_dir, "pod-logs"),
                 "cni": os.path.join(node_dir, "cni"), "config": os.path.join(node_dir, "kubelet.yaml"),
                 "pki": self.plane.pki}
        for key in ("root", "pod_logs", "cni"):
            os.makedirs(paths[key], exist_ok=True)
        node = {"name": name, "index": index, "pod_cidr": "10.244.%d.0/24" % (index - 1),
                "bridge": "pgkube%d" % index, "cgroup_root": "/" + name, "dir": node_dir,
                "store": os.path.join(cache_root(), "containerd", name),
                "ports": {"kubelet": controlplane.free_port(), "kubelet_healthz": controlplane.free_port()},
                "components": {}}
        state["nodes"].append(node)
        self.save(state)
        cgroups.create(node["cgroup_root"])

        # containerd
        os.makedirs(containerd.runtime_dir(name), exist_ok=True)
        os.makedirs(node["store"], exist_ok=True)
        with open(os.path.join(paths["cni"], "10-pgkube.conflist"), "w") as handle:
            handle.write(containerd.cni_conflist(name, node["bridge"], node["pod_cidr"],
                                                 os.path.join(node_dir, "cni-ipam")))
        toml = os.path.join(node_dir, "containerd.toml")
        with open(toml, "w") as handle:
            handle.write(containerd.config_toml(name, node["store"], paths["cni"], state["images"]["pause"]["ref"]))
        proc = self._spawn(state, node["components"], "containerd", [shutil.which("containerd") or "containerd",
                                                                     "--config", toml], log_name=name + "-containerd")
        containerd.wait_ready(name, lambda: self._alive(proc), timeout=60)
        containerd.import_images(name, dict((v["ref"], v["archive"]) for v in state["images"].values()))

        # kubelet
        pki = self.plane.pki
        controlplane.issue_certificate(pki, "kubelet-%s-serving" % name, name, server=True,
                                       sans=(state["address"], name, "localhost", "127.0.0.1"))
        paths["kubeconfig"] = self._component_kubeconfig("kubelet-%s" % name, "system:node:" + name, "system:nodes")
        kubelet.write_config(paths["config"], kubelet.config(
            name, paths, node["ports"], state["address"], node["pod_cidr"], addons.CLUSTER_DNS_IP,
            node["cgroup_root"], containerd.socket_path(name)))
        proc = self._spawn(state, node["components"], "kubelet", kubelet.argv(state["bin_dir"], name, paths, state["address"]),
                           log_name=name + "-kubelet")
        self._wait("node %s Ready" % name, lambda: self.node_ready(name), timeout, alive=lambda: self._alive(proc))
        # what node IPAM would write (it is off: no cloud): the node's spec says its pod CIDR
        self.kubectl("patch", "node", name, "--type=merge", "-p",
                     json.dumps({"spec": {"podCIDR": node["pod_cidr"], "podCIDRs": [node["pod_cidr"]]}}))
        return name

    def import_images(self, images):
        """Import ``{name: (ref, archive)}`` into every node that lacks them (new builds of a
        running cluster); returns the refs imported per node."""
        state = self.load()
        done = {}
        for node in state["nodes"]:
            done[node["name"]] = containerd.import_images(node["name"], dict(images.values()))
        state["images"].update((name, {"ref": ref, "archive": archive}) for name, (ref, archive) in images.items())
        self.save(state)
        return done

    def tag_image(self, source, target):
        """``source`` (an imported image) also named ``target`` on every node."""
        for node in self.load()["nodes"]:
            containerd.tag_image(node["name"], source, target)

    def node_ready(self, name):
        obj = self._api("/api/v1/nodes/%s" % name)
        conditions = ((obj or {}).get("status") or {}).get("conditions") or []
        return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)

    # ------------------------------------------------------------------ down

    def down(self, quiet=False):
        """Stop everything this cluster started and put the machine back as it was."""
        state = self.load()
        if state is None and self.plane.load() is None:
            if not quiet:
                print("no local cluster in %s" % self.dir, file=sys.stderr)
            return []
        state = state or {}
        problems = []
        nodes = state.get("nodes") or []
        for node in nodes:
            for key, proc in node["components"].items():
                if key != "containerd":
                    controlplane.stop_pid(proc["pid"], proc["argv"][0], STOP_GRACE)
        for node in nodes:
            proc = node["components"].get("containerd")
            if self._alive(proc):
                containerd.remove_containers(node["name"])
            if proc:
                controlplane.stop_pid(proc["pid"], proc["argv"][0], STOP_GRACE)
        for proc in (state.get("addons") or {}).values():
            controlplane.stop_pid(proc["pid"], proc["argv"][0], STOP_GRACE)
        own = [self.dir] + [containerd.runtime_dir(n["name"]) for n in nodes] + [n["store"] for n in nodes]
        problems.extend("still mounted: %s" % m for m in host.unmount_under(own))
        if state.get("host"):
            problems.extend(host.restore(state["host"], own_dirs=[self.dir]))
        for node in nodes:
            problems.extend("cgroup left: %s" % c for c in cgroups.remove(node["cgroup_root"]))
            shutil.rmtree(containerd.runtime_dir(node["name"]), ignore_errors=True)
        problems.extend("still mounted: %s" % m for m in host.unmount_under([self.dir]))
        shutil.rmtree(os.path.join(self.dir, "nodes"), ignore_errors=True)
        shutil.rmtree(os.path.join(self.dir, "volumes"), ignore_errors=True)
        for name in os.listdir(self.dir) if os.path.isdir(self.dir) else []:
            if name.startswith(("kubeconfig-", "cluster.json")) or name in (
                    "Corefile", "kube-proxy.yaml", "local-path-config.json", "local-path-helper-pod.yaml"):
                try:
                    os.remove(os.path.join(self.dir, name))
                except OSError:
                    pass
        self.plane.down(quiet=True)
        active = _read_json(ACTIVE_FILE)
        if active and os.path.abspath(active.get("dir", "")) == self.dir:
            os.remove(ACTIVE_FILE)
        try:
            os.rmdir(containerd.RUNTIME_DIR)
        except OSError:
            pass
        for problem in problems:
            print("localnode: could not undo: %s" % problem, file=sys.stderr)
        return problems
