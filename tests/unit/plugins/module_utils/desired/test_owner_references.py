# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Owner references to the postgresql CR (reference §4.8)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.desired import endpoints
from ansible_collections.pgkube.operator.plugins.module_utils.desired import owner_references
from ansible_collections.pgkube.operator.plugins.module_utils.desired import pdb
from ansible_collections.pgkube.operator.plugins.module_utils.desired import pod_service_account
from ansible_collections.pgkube.operator.plugins.module_utils.desired import secrets
from ansible_collections.pgkube.operator.plugins.module_utils.desired import services
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest import ClusterSpec
from ansible_collections.pgkube.operator.tests.unit import builders


def make_cluster(**kwargs):
    """The shared cluster, with this file's ``metadata.uid``."""
    return builders.make_cluster(uid="uid-1", **kwargs)


def make_cfg(**overrides):
    """The shared configuration, without the master LoadBalancer unless overridden."""
    return builders.make_cfg(base=builders.NO_MASTER_LOAD_BALANCER, **overrides)


REF = {"apiVersion": "acid.zalan.do/v1", "kind": "postgresql", "name": "acid-test", "uid": "uid-1", "controller": True}


def all_objects(cluster, cfg):
    objects = services.build_services(cluster, cfg) + endpoints.build_endpoints(cluster, cfg)
    objects += secrets.build_secrets(cluster, cfg) + pdb.build_pdbs(cluster, cfg)
    objects += pod_service_account.build_pod_service_account_objects(cluster, cfg)
    return objects


def test_owner_reference_fields():
    assert owner_references.owner_reference(make_cluster()) == REF


def test_disabled_by_default():
    cluster, cfg = make_cluster(), make_cfg(kubernetes_use_configmaps=False)
    objects = owner_references.add_owner_references(all_objects(cluster, cfg), cluster, cfg)
    assert not [o for o in objects if "ownerReferences" in o["metadata"]]


def test_enabled_on_cluster_objects_only():
    cfg = make_cfg(enable_owner_references=True, enable_cross_namespace_secret=True, kubernetes_use_configmaps=False,
                   enable_persistent_volume_claim_deletion=True)
    cluster = make_cluster(users={"apps.reader": [], "app": []})
    objects = owner_references.add_owner_references(all_objects(cluster, cfg), cluster, cfg)
    owned = dict(((o["kind"], o["metadata"]["name"]), o["metadata"].get("ownerReferences")) for o in objects)
    for key in [("Service", "acid-test"), ("Service", "acid-test-repl"), ("Endpoints", "acid-test"),
                ("Secret", "postgres.acid-test.credentials.postgresql.acid.zalan.do"),
                ("Secret", "app.acid-test.credentials.postgresql.acid.zalan.do"),
                ("PodDisruptionBudget", "postgres-acid-test-pdb"), ("PodDisruptionBudget", "postgres-acid-test-critical-op-pdb")]:
        assert owned[key] == [REF], key
    assert owned[("Secret", "apps.reader.acid-test.credentials.postgresql.acid.zalan.do")] is None
    assert owned[("ServiceAccount", "postgres-pod")] is None
    assert owned[("RoleBinding", "postgres-pod")] is None


def test_never_on_pvcs_or_pvc_templates():
    cfg = make_cfg(enable_owner_references=True)
    cluster = make_cluster()
    statefulset = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "acid-test", "namespace": "default"},
                   "spec": {"volumeClaimTemplates": [{"metadata": {"name": "pgdata"}}]}}
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "pgdata-acid-test-0", "namespace": "default"}}
    owner_references.add_owner_references([statefulset, pvc], cluster, cfg)
    assert statefulset["metadata"]["ownerReferences"] == [REF]
    assert "ownerReferences" not in statefulset["spec"]["volumeClaimTemplates"][0]["metadata"]
    assert "ownerReferences" not in pvc["metadata"]


def test_appended_to_existing_references_once():
    cfg = make_cfg(enable_owner_references=True)
    cluster = make_cluster()
    other = {"apiVersion": "v1", "kind": "ConfigMap", "name": "x", "uid": "other"}
    obj = {"kind": "ConfigMap", "metadata": {"name": "acid-test-config", "namespace": "default", "ownerReferences": [other]}}
    owner_references.add_owner_references([obj], cluster, cfg)
    owner_references.add_owner_references([obj], cluster, cfg)
    assert obj["metadata"]["ownerReferences"] == [other, REF]


def test_no_uid_no_reference():
    cfg = make_cfg(enable_owner_references=True)
    manifest = {"apiVersion": "acid.zalan.do/v1", "kind": "postgresql", "metadata": {"name": "acid-test"},
                "spec": {"teamId": "acid", "numberOfInstances": 1, "postgresql": {"version": "17"}, "volume": {"size": "1Gi"}}}
    cluster = ClusterSpec.from_manifest(manifest)
    service = services.build_service(cluster, cfg, "master")
    owner_references.add_owner_references([service], cluster, cfg)
    assert "ownerReferences" not in service["metadata"]


def test_secret_object_type_is_kept():
    cfg = make_cfg(enable_owner_references=True, enable_persistent_volume_claim_deletion=True)
    cluster = make_cluster()
    secret_list = owner_references.add_owner_references(secrets.build_secrets(cluster, cfg), cluster, cfg)
    assert all(isinstance(s, secrets.SecretObject) for s in secret_list)
    assert secret_list[0]["metadata"]["ownerReferences"] == [REF]


def test_secrets_kept_with_the_volumes_have_no_owner_reference():
    """With the PVCs kept on deletion (our default), the credentials Secrets stay too: an owner reference
    would let the garbage collector delete them with the postgresql resource (issue 12, defect 7)."""
    cfg = make_cfg(enable_owner_references=True, enable_persistent_volume_claim_deletion=False)
    cluster = make_cluster()
    objects = owner_references.add_owner_references(all_objects(cluster, cfg), cluster, cfg)
    assert not [o for o in objects if o["kind"] == "Secret" and o["metadata"].get("ownerReferences")]
    assert all(o["metadata"].get("ownerReferences") == [REF] for o in objects if o["kind"] in ("Service", "PodDisruptionBudget"))
