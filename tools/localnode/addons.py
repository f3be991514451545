"""What a local cluster runs once, beside its nodes, and the API objects they need.

All four run as processes on the machine, each with a client certificate of its own:

- kube-scheduler (user ``system:kube-scheduler``, bound by the API server's default RBAC);
- kube-proxy (user ``system:kube-proxy``, default binding ``system:node-proxier``), iptables
  mode; it leaves the conntrack sysctls and ``route_localnet`` alone;
- CoreDNS (user ``pgkube:coredns``): ``<service>.<namespace>.svc.cluster.local`` and pod names;
  it listens on the machine's address at a free port, and the ``kube-dns`` Service (cluster IP
  ``10.0.0.10``, the kubelets' ``clusterDNS``) points at it through a hand-made EndpointSlice;
- rancher's local-path-provisioner (user ``pgkube:local-path-provisioner``): the default
  StorageClass ``local-path`` provisions a directory per volume claim on the node the pod is
  scheduled to, by running a helper pod of a local image; the volumes live in the cluster's
  state directory and go with it.
"""

import json
import os

import yaml

CLUSTER_DNS_IP = "10.0.0.10"
CLUSTER_CIDR = "10.244.0.0/16"
PROVISIONER_NAMESPACE = "local-path-storage"
PROVISIONER_ACCOUNT = "local-path-provisioner"
COREDNS_USER = "pgkube:coredns"
PROVISIONER_USER = "pgkube:local-path-provisioner"


def scheduler_argv(bin_dir, kubeconfig):
    return [
        os.path.join(bin_dir, "kube-scheduler"),
        "--kubeconfig=%s" % kubeconfig,
        "--leader-elect=false",
        "--secure-port=0",           # no serving endpoint: nothing scrapes it here
        "--v=1",
    ]


def proxy_config(kubeconfig, ports, node):
    return {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "clientConnection": {"kubeconfig": kubeconfig},
        "hostnameOverride": node,
        "mode": "iptables",
        "clusterCIDR": CLUSTER_CIDR,
        "metricsBindAddress": "127.0.0.1:%d" % ports["proxy_metrics"],
        "healthzBindAddress": "127.0.0.1:%d" % ports["proxy_healthz"],
        # leave the machine's conntrack settings as they are
        "conntrack": {"maxPerCore": 0, "min": 0, "tcpEstablishedTimeout": "0s", "tcpCloseWaitTimeout": "0s"},
        # NodePorts on 127.0.0.1 would need net.ipv4.conf.all.route_localnet=1
        "iptables": {"localhostNodePorts": False},
    }


def proxy_argv(bin_dir, config_path):
    return [os.path.join(bin_dir, "kube-proxy"), "--config=%s" % config_path, "--v=1"]


def corefile(address, ports, kubeconfig):
    return """.:%(dns)d {
    bind %(address)s
    errors
    health 127.0.0.1:%(health)d
    ready 127.0.0.1:%(ready)d
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig %(kubeconfig)s
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
    forward . /etc/resolv.conf
    cache 5
    loadbalance
}
""" % {"dns": ports["dns"], "address": address, "health": ports["dns_health"], "ready": ports["dns_ready"],
       "kubeconfig": kubeconfig}


def coredns_argv(bin_dir, corefile_path):
    return [os.path.join(bin_dir, "coredns"), "-conf", corefile_path]


def provisioner_config(volumes_dir):
    return json.dumps({"nodePathMap": [{"node": "DEFAULT_PATH_FOR_NON_LISTED_NODES",
                                        "paths": [volumes_dir]}]}, indent=2) + "\n"


def helper_pod(helper_image):
    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "helper-pod"},
        "spec": {"containers": [{"name": "helper-pod", "image": helper_image,
                                 "imagePullPolicy": "IfNotPresent"}]},
    })


def provisioner_argv(bin_dir, kubeconfig, config_path, helper_pod_path, helper_image):
    return [
        os.path.join(bin_dir, "local-path-provisioner"), "--debug", "start",
        "--kubeconfig", kubeconfig,
        "--config", config_path,
        "--helper-pod-file", helper_pod_path,
        "--helper-image", helper_image,
        "--namespace", PROVISIONER_NAMESPACE,
        "--service-account-name", PROVISIONER_ACCOUNT,
        "--configmap-name", "local-path-config",
    ]


def _cluster_role(name, rules):
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "pgkube-localnode"}},
            "rules": rules}


def _cluster_role_binding(name, role, subject):
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "pgkube-localnode"}},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
            "subjects": [subject]}


def _user(name):
    return {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": name}


def api_objects(address, dns_port, kubelet_client_user):
    """Everything the add-ons need in the API, as a list of objects (applied server-side)."""
    read = ["get", "list", "watch"]
    objects = [
        # the API server's client certificate may use every kubelet's API (logs, exec, ...)
        _cluster_role_binding("pgkube:apiserver-kubelet-api", "system:kubelet-api-admin", _user(kubelet_client_user)),
        _cluster_role("pgkube:coredns", [
            {"apiGroups": [""], "resources": ["endpoints", "services", "pods", "namespaces"], "verbs": ["list", "watch"]},
            {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]},
        ]),
        _cluster_role_binding("pgkube:coredns", "pgkube:coredns", _user(COREDNS_USER)),
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": "kube-dns", "namespace": "kube-system",
                      "labels": {"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"}},
         "spec": {"clusterIP": CLUSTER_DNS_IP, "ports": [
             {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": dns_port},
             {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": dns_port}]}},
        {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
         "metadata": {"name": "kube-dns-host", "namespace": "kube-system",
                      "labels": {"kubernetes.io/service-name": "kube-dns",
                                 "endpointslice.kubernetes.io/managed-by": "pgkube-localnode"}},
         "addressType": "IPv4",
         "ports": [{"name": "dns", "port": dns_port, "protocol": "UDP"},
                   {"name": "dns-tcp", "port": dns_port, "protocol": "TCP"}],
         "endpoints": [{"addresses": [address], "conditions": {"ready": True}}]},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": PROVISIONER_NAMESPACE}},
        {"apiVersion": "v1", "kind": "ServiceAccount",
         "metadata": {"name": PROVISIONER_ACCOUNT, "namespace": PROVISIONER_NAMESPACE}},
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "local-path-config", "namespace": PROVISIONER_NAMESPACE},
         "data": {"setup": 'set -eu\nmkdir -m 0777 -p "$VOL_DIR"\n',
                  "teardown": 'set -eu\nrm -rf "$VOL_DIR"\n'}},
        _cluster_role("pgkube:local-path-provisioner", [
            {"apiGroups": [""], "resources": ["nodes", "persistentvolumeclaims", "configmaps", "pods", "pods/log"], "verbs": read},
            {"apiGroups": [""], "resources": ["persistentvolumes"], "verbs": read + ["create", "patch", "update", "delete"]},
            {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
            {"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses"], "verbs": read},
        ]),
        _cluster_role_binding("pgkube:local-path-provisioner", "pgkube:local-path-provisioner", _user(PROVISIONER_USER)),
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
         "metadata": {"name": "local-path-provisioner", "namespace": PROVISIONER_NAMESPACE},
         "rules": [{"apiGroups": [""], "resources": ["pods"],
                    "verbs": ["get", "list", "watch", "create", "patch", "update", "delete"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": {"name": "local-path-provisioner", "namespace": PROVISIONER_NAMESPACE},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "local-path-provisioner"},
         "subjects": [_user(PROVISIONER_USER)]},
        {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
         "metadata": {"name": "local-path", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
         "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer",
         "reclaimPolicy": "Delete"},
    ]
    return objects
