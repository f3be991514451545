"""The kubelet of one node: configuration and command line.

Each node has its own identity (client certificate ``CN=system:node:<name>, O=system:nodes``,
so the API server's Node authorizer and the NodeRestriction admission plugin apply to it as in a
real cluster), its own serving certificate (the API server verifies it for logs, exec and
port-forward; the kubelet authenticates the API server by client certificate and authorizes
it through a SubjectAccessReview), root directory, pod log directory, cgroup root, ports and pod
CIDR.

Choices for this machine: the cgroupfs driver (PID 1 is not systemd); cgroup v1 is allowed;
swap is tolerated; images are never garbage-collected (they cannot be pulled again); eviction
thresholds are low (a development machine, not a production node); the kubelet leaves iptables
to kube-proxy.
"""

import os

import yaml


def config(node, paths, ports, address, pod_cidr, cluster_dns, cgroup_root, runtime_socket):
    """The KubeletConfiguration (a dict) of one node."""
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "address": address,
        "port": ports["kubelet"],
        "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": ports["kubelet_healthz"],
        "tlsCertFile": os.path.join(paths["pki"], "kubelet-%s-serving.crt" % node),
        "tlsPrivateKeyFile": os.path.join(paths["pki"], "kubelet-%s-serving.key" % node),
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": os.path.join(paths["pki"], "ca.crt")},
        },
        "authorization": {"mode": "Webhook"},
        "cgroupDriver": "cgroupfs",
        "cgroupRoot": cgroup_root,
        "cgroupsPerQOS": True,
        "failCgroupV1": False,
        "failSwapOn": False,
        "containerRuntimeEndpoint": "unix://" + runtime_socket,
        "clusterDomain": "cluster.local",
        "clusterDNS": [cluster_dns],
        "resolvConf": "/etc/resolv.conf",
        "podCIDR": pod_cidr,
        "podLogsDir": paths["pod_logs"],
        "maxPods": 60,
        "rotateCertificates": False,
        "serverTLSBootstrap": False,
        "makeIPTablesUtilChains": False,
        "protectKernelDefaults": False,
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "evictionHard": {"memory.available": "100Mi", "nodefs.available": "1%",
                         "imagefs.available": "1%", "nodefs.inodesFree": "1%"},
        "shutdownGracePeriod": "0s",
        "nodeStatusUpdateFrequency": "5s",
        "syncFrequency": "10s",
    }


def write_config(path, cfg):
    with open(path, "w") as handle:
        yaml.safe_dump(cfg, handle, default_flow_style=False)


def argv(bin_dir, node, paths, address):
    return [
        os.path.join(bin_dir, "kubelet"),
        "--config=%s" % paths["config"],
        "--kubeconfig=%s" % paths["kubeconfig"],
        "--root-dir=%s" % paths["root"],
        "--cert-dir=%s" % os.path.join(paths["root"], "pki"),
        "--hostname-override=%s" % node,
        "--node-ip=%s" % address,
        "--v=1",
    ]
