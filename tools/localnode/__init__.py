"""The local node: what turns the local control plane (``tools/controlplane.py``) into a
single-machine Kubernetes that runs real pods.

One module per concern, each small:

- ``host``: the machine's state that a node changes (sysctls, iptables chains, network
  interfaces, network namespaces, cgroups), recorded before the first node starts and put back
  when the last one stops;
- ``pki``: the certificates of the node's components, signed by the control plane's CA;
- ``containerd``: one containerd per node (own root, state, socket, runc root, CNI network);
- ``kubelet``: the kubelet of a node (own identity ``system:node:<name>``, root dir, cgroup root,
  ports, pod CIDR);
- ``addons``: what a cluster runs once (kube-scheduler, kube-proxy, CoreDNS, the PVC
  provisioner) and the API objects they need;
- ``cluster``: starts, extends, reports and stops the whole thing.

Only the standard library, PyYAML and ``cryptography`` are used; kubectl (built with the control
plane) applies the API objects.
"""
