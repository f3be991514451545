"""Helpers shared by the reconcile integration tests (not a test module)."""

import os

import yaml
from kubernetes import client as k8s

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MINIMAL = os.path.join(ROOT, "manifests", "examples", "minimal-postgres-manifest.yaml")
NAME = "acid-minimal-cluster"


def load_minimal(namespace, name=NAME):
    with open(MINIMAL) as handle:
        manifest = yaml.safe_load(handle)
    manifest["metadata"]["namespace"] = namespace
    manifest["metadata"]["name"] = name
    return manifest


def kube_api(kubeconfig):
    from ansible_collections.pgkube.operator.plugins.module_utils.kube.client import kubernetes_api_from_params
    return kubernetes_api_from_params(kubeconfig=kubeconfig)


def custom(api_client):
    return k8s.CustomObjectsApi(api_client)


def create_cr(api_client, manifest):
    ns = manifest["metadata"]["namespace"]
    return custom(api_client).create_namespaced_custom_object("acid.zalan.do", "v1", ns, "postgresqls", manifest)


def read_cr(api_client, namespace, name=NAME):
    return custom(api_client).get_namespaced_custom_object("acid.zalan.do", "v1", namespace, "postgresqls", name)


def patch_cr(api_client, namespace, name, patch):
    return custom(api_client).patch_namespaced_custom_object("acid.zalan.do", "v1", namespace, "postgresqls", name, patch)


def events_for(api_client, namespace, name=NAME):
    items = k8s.CoreV1Api(api_client).list_namespaced_event(namespace).items
    return [e for e in items if e.involved_object.name == name and e.involved_object.kind == "postgresql"]


def resource_versions(api_client, namespace, events=True):
    """What the operator could have written, by kind/name: the resourceVersion of every object it
    manages, and of its own Events unless ``events`` is False.

    kube-controller-manager writes too: the StatefulSet controller updates ``status`` (a new
    resourceVersion with nothing of ours changed), the disruption controller a PDB's ``status``, and
    both record Events about pods and PVCs. So StatefulSets and PDBs are compared by generation
    (bumped by every spec write) plus the metadata the operator sets, and only Events whose source is
    the operator are listed.
    """
    core, apps, policy = k8s.CoreV1Api(api_client), k8s.AppsV1Api(api_client), k8s.PolicyV1Api(api_client)
    versions = {}
    spec_kinds = [
        ("StatefulSet", apps.list_namespaced_stateful_set(namespace).items),
        ("PodDisruptionBudget", policy.list_namespaced_pod_disruption_budget(namespace).items),
    ]
    for kind, items in spec_kinds:
        for item in items:
            meta = item.metadata
            versions["%s/%s" % (kind, meta.name)] = (
                meta.generation, meta.labels, meta.annotations, [ref.uid for ref in meta.owner_references or []],
            )
    kinds = [
        ("Service", core.list_namespaced_service(namespace).items),
        ("Endpoints", core.list_namespaced_endpoints(namespace).items),
        ("Secret", core.list_namespaced_secret(namespace).items),
        ("ServiceAccount", core.list_namespaced_service_account(namespace).items),
    ]
    if events:
        own = [e for e in core.list_namespaced_event(namespace).items
               if e.source is not None and e.source.component == "pgkube-operator"]
        kinds.append(("Event", own))
    for kind, items in kinds:
        for item in items:
            versions["%s/%s" % (kind, item.metadata.name)] = item.metadata.resource_version
    return versions


def condition(status, ctype):
    for cond in (status or {}).get("conditions") or []:
        if cond.get("type") == ctype:
            return cond
    return None
