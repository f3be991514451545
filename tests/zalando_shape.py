"""Our own copy of the shape of a Zalando operator v2.0.1 installation (Deployment,
ServiceAccount, ClusterRole and binding, pod ClusterRole, flat ConfigMap), for the drop-in test:
only the Deployment's ``image`` is ours.

What the shape has that matters: the Deployment sets ``CONFIG_MAP_NAME=postgres-operator``
without a namespace and nothing else (no arguments, no ``POD_NAME``), runs as uid 1000 with
``runAsNonRoot`` and a read-only root filesystem and mounts no writable volume; the ClusterRole
(ConfigMap mode) grants no ``coordination.k8s.io`` Leases, and on Secrets, Services, PDBs,
ServiceAccounts and RoleBindings only get/create/update/delete-style verbs (no list, no watch),
on StatefulSets no watch.
"""

OPERATOR_ROLE = "e2e-zalando-postgres-operator"
POD_ROLE = "e2e-zalando-postgres-pod"
POD_ACCOUNT = "zalando-postgres-pod"
ALL = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


def _rule(groups, resources, verbs):
    return {"apiGroups": groups, "resources": resources, "verbs": verbs}


def operator_cluster_role():
    rules = [
        _rule(["acid.zalan.do"], ["postgresqls", "postgresqls/status", "operatorconfigurations"], ALL),
        _rule(["acid.zalan.do"], ["postgresteams"], ["get", "list", "watch"]),
        _rule(["apiextensions.k8s.io"], ["customresourcedefinitions"], ["get"]),
        _rule([""], ["events"], ["create", "get", "list", "patch", "update", "watch"]),
        _rule([""], ["configmaps"], ALL),
        _rule([""], ["secrets"], ["create", "delete", "get", "update"]),
        _rule([""], ["nodes"], ["get", "list", "watch"]),
        _rule([""], ["persistentvolumeclaims"], ["delete", "get", "list", "patch", "update"]),
        _rule([""], ["persistentvolumes"], ["get", "list"]),
        _rule([""], ["pods"], ["delete", "get", "list", "patch", "update", "watch"]),
        _rule([""], ["pods/exec"], ["create"]),
        _rule([""], ["services"], ["create", "delete", "get", "patch", "update"]),
        _rule(["apps"], ["statefulsets", "deployments"], ["create", "delete", "get", "list", "patch"]),
        _rule(["batch"], ["cronjobs"], ["create", "delete", "get", "list", "patch", "update"]),
        _rule([""], ["namespaces"], ["get"]),
        _rule(["policy"], ["poddisruptionbudgets"], ["create", "delete", "get"]),
        _rule([""], ["serviceaccounts"], ["get", "create"]),
        _rule(["rbac.authorization.k8s.io"], ["rolebindings"], ["get", "create"]),
    ]
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": OPERATOR_ROLE},
            "rules": rules}


def pod_cluster_role():
    """The Spilo pods' role in ConfigMap mode: Patroni's ConfigMaps, its pods, a headless Service."""
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": POD_ROLE},
            "rules": [_rule([""], ["configmaps"], ALL),
                      _rule([""], ["pods"], ["get", "list", "patch", "update", "watch"]),
                      _rule([""], ["services"], ["create"])]}


def objects(namespace, image, spilo_image):
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": POD_ACCOUNT},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": POD_ROLE},
               "subjects": [{"kind": "ServiceAccount", "name": POD_ACCOUNT}]}
    import json  # pylint: disable=import-outside-toplevel
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "postgres-operator", "namespace": namespace}},
        operator_cluster_role(),
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": OPERATOR_ROLE},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": OPERATOR_ROLE},
         "subjects": [{"kind": "ServiceAccount", "name": "postgres-operator", "namespace": namespace}]},
        pod_cluster_role(),
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "postgres-operator", "namespace": namespace},
         "data": {"watched_namespace": namespace, "docker_image": spilo_image, "kubernetes_use_configmaps": "true",
                  "enable_readiness_probe": "true", "pod_service_account_name": POD_ACCOUNT,
                  "pod_service_account_role_binding_definition": json.dumps(binding),
                  "workers": "4", "api_port": "8080"}},
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "postgres-operator", "namespace": namespace, "labels": {"application": "postgres-operator"}},
         "spec": {"replicas": 1, "strategy": {"type": "Recreate"},
                  "selector": {"matchLabels": {"name": "postgres-operator"}},
                  "template": {"metadata": {"labels": {"name": "postgres-operator"}},
                               "spec": {"serviceAccountName": "postgres-operator", "containers": [{
                                   "name": "postgres-operator", "image": image, "imagePullPolicy": "IfNotPresent",
                                   "resources": {"requests": {"cpu": "100m", "memory": "250Mi"},
                                                 "limits": {"cpu": "500m", "memory": "500Mi"}},
                                   "securityContext": {"runAsUser": 1000, "runAsNonRoot": True,
                                                       "readOnlyRootFilesystem": True,
                                                       "allowPrivilegeEscalation": False},
                                   "env": [{"name": "CONFIG_MAP_NAME", "value": "postgres-operator"}]}]}}}},
    ]
