#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: postgres_cluster
short_description: Converge the Kubernetes objects of a Zalando-compatible PostgreSQL cluster
version_added: 0.1.0
author:
  - pgkube maintainers (@pgkube)
description:
  - Reads a C(postgresql) cluster manifest (group C(acid.zalan.do), version C(v1)), the same
    manifest the Zalando Postgres Operator accepts, and converges every Kubernetes object the
    Zalando operator would create for it, with the same names, labels, selectors and Spilo
    environment, so that a cluster moves between the two operators without a rolling update.
  - Objects created or kept in sync are the StatefulSet, the master and replica Services, the
    master Endpoints (Endpoints mode only), one Secret per LOGIN role with a password, the two
    PodDisruptionBudgets, and the pod ServiceAccount and RoleBinding of the namespace.
  - Existing Secrets are the source of truth for passwords; they are never rewritten.
  - Changes that need new pods are not applied to running pods by this module. The pods are flagged
    with the C(zalando-postgres-operator-rolling-update-required) annotation and returned in
    RV(rolling_update_pods); the pod-by-pod rolling update is done by the operator.
  - With O(state=absent) the cluster's objects are deleted as the Zalando operator does. Persistent
    volume claims and Secrets are deleted only when the operator configuration says so
    (C(enable_persistent_volume_claim_deletion), C(enable_secrets_deletion)).
  - Roles and databases inside PostgreSQL are managed by M(pgkube.operator.postgres_roles), and by this module
    with O(reconcile=true) (see O(sync_roles)).
options:
  definition:
    description:
      - The C(postgresql) manifest, as a dictionary or a YAML string.
      - Mutually exclusive with O(src) and O(name).
    type: raw
    aliases: [resource_definition]
  src:
    description:
      - Path to a file holding the C(postgresql) manifest (YAML).
      - Mutually exclusive with O(definition) and O(name).
    type: path
  name:
    description:
      - Name of a C(postgresql) resource to read from the cluster (with O(namespace)).
      - Mutually exclusive with O(definition) and O(src).
    type: str
  namespace:
    description:
      - Namespace of the C(postgresql) resource given by O(name), and the default namespace of a
        manifest that has none.
      - Also the namespace of O(operator_config_map) and O(operator_configuration) when they do not
        name one.
    type: str
    default: default
  operator_config:
    description:
      - The operator configuration as a dictionary of the flat keys of the Zalando operator's
        ConfigMap (for example C(docker_image), C(enable_owner_references)). Values may be
        typed (booleans, lists) or strings in the ConfigMap syntax.
      - Keys that are not given take the ConfigMap defaults.
      - Mutually exclusive with O(operator_config_map) and O(operator_configuration). When none of
        the three is given, the built-in defaults are used.
    type: dict
  operator_config_map:
    description:
      - C([namespace/]name) of a ConfigMap holding the operator configuration (the Zalando
        operator's C(CONFIG_MAP_NAME)).
    type: str
  operator_configuration:
    description:
      - C([namespace/]name) of an C(OperatorConfiguration) resource holding the operator configuration
        (the Zalando operator's C(POSTGRES_OPERATOR_CONFIGURATION_OBJECT)).
    type: str
  state:
    description:
      - V(present) creates or updates the cluster's objects; V(absent) deletes them.
    type: str
    choices: [present, absent]
    default: present
  operator_config_from_env:
    description:
      - Load the operator configuration as the operator process does, from the environment of the process
        running the module. C(POSTGRES_OPERATOR_CONFIGURATION_OBJECT) (an C(OperatorConfiguration) in
        C(OPERATOR_NAMESPACE)) wins over C(CONFIG_MAP_NAME) (C([namespace/]name)), and the environment
        overrides are applied. With neither variable set the built-in defaults are used.
      - Ignored when O(operator_config), O(operator_config_map) or O(operator_configuration) is given.
    type: bool
    default: false
  reconcile:
    description:
      - Run a full reconcile of the C(postgresql) resource, as the operator does for one event, instead of only
        converging the objects. The resource must exist in the cluster. It is read by O(name) and O(namespace),
        or taken from O(definition) when that is the whole resource as read from the API (with C(metadata.uid)),
        as ansible-operator passes it.
      - A reconcile also manages the finalizer C(postgres-operator.acid.zalan.do) (see O(manage_finalizer)),
        writes C(status.PostgresClusterStatus), C(status.observedGeneration) and the C(Ready) and C(Reconciled)
        conditions through the status subresource, and emits Kubernetes Events.
      - A resource with C(metadata.deletionTimestamp), or O(state=absent), takes the deletion path, which also
        removes the finalizer.
      - An invalid manifest sets the status C(Invalid), emits a Warning Event and fails the task with the field path.
    type: bool
    default: false
  sync_roles:
    description:
      - With O(reconcile=true), also sync the roles and databases of the manifest inside PostgreSQL, as
        M(pgkube.operator.postgres_roles) does, once the cluster has a ready master pod. The module connects to the
        master pod's IP as the superuser (password from its credentials Secret) with C(sslmode=require), on port 5432
        unless the environment variable C(PGKUBE_DB_PORT) of the process running the module says otherwise (tests,
        unusual setups); C(PGKUBE_DB_SSLMODE) picks another libpq C(sslmode).
      - The step is skipped, with the C(RolesSynced) condition C(Unknown), while no master pod is ready, for standby
        clusters, for C(numberOfInstances=0) and when the configuration sets C(enable_database_access=false).
      - A failure sets C(RolesSynced=False) and fails the task; during a sync the cluster status stays C(Running).
      - Not run in check mode.
    type: bool
    default: true
  complete_rolling_update:
    description:
      - With O(reconcile=true), carry a rolling update to its end in this run instead of one step, reconciling again
        and again (waiting the few seconds each step asks for) until no pod waits for its recreation, replicas first,
        then a Patroni switchover, then the old master, as the operator does. Each step is in RV(rolling_update).
      - A rolling update is what the annotation C(zalando-postgres-operator-rolling-update-required) on a pod asks for;
        a pod template change of the StatefulSet sets it on every pod.
      - In check mode nothing is deleted and no switchover is made; RV(rolling_update_pods) and RV(notes) tell
        which pods would be recreated and what the next step would be.
    type: bool
    default: false
  wait_timeout:
    description:
      - With O(complete_rolling_update=true), how many seconds the rolling update may take; the task fails after
        that with where it stands (the flags stay on the pods, so a later run or the operator goes on).
    type: int
    default: 900
  manage_finalizer:
    description:
      - With O(reconcile=true), add the finalizer C(postgres-operator.acid.zalan.do) when the configuration
        enables finalizers (C(enable_finalizers)), remove it when it does not, and remove it after a deletion.
      - Set to V(false) under ansible-operator, which adds and removes the finalizer of its watch itself.
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds each Kubernetes API request may take (connecting, TLS handshake, the answer), also while the client
        is created. An API server that does not answer in time fails the task with a message naming it.
      - Defaults to the environment variable C(PGKUBE_REQUEST_TIMEOUT) of the process running the module, else 30.
    type: float
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
attributes:
  check_mode:
    description: Every write is sent to the API server as a server-side dry run; nothing is stored.
    support: full
  diff_mode:
    description: Shows the current and the desired form of every object that changes; Secret values are redacted.
    support: partial
    details: No diff is returned with O(reconcile=true).
requirements:
  - kubernetes >= 24.2.0
  - PyYAML >= 3.11
notes:
  - The C(postgresql) CRD must be installed when O(name) is used; see C(manifests/crds/) in the collection.
seealso:
  - module: pgkube.operator.postgres_roles
"""

EXAMPLES = r"""
- name: Converge a cluster from a manifest file
  pgkube.operator.postgres_cluster:
    src: manifests/examples/minimal-postgres-manifest.yaml
    namespace: databases

- name: Converge a cluster defined inline, with a few configuration keys
  pgkube.operator.postgres_cluster:
    definition:
      apiVersion: acid.zalan.do/v1
      kind: postgresql
      metadata:
        name: acid-minimal-cluster
        namespace: databases
      spec:
        teamId: acid
        numberOfInstances: 2
        volume:
          size: 1Gi
        postgresql:
          version: "17"
    operator_config:
      enable_owner_references: true
      docker_image: ghcr.io/zalando/spilo-18:4.1-p2

- name: Converge a cluster whose manifest is already in the cluster, with the operator's ConfigMap
  pgkube.operator.postgres_cluster:
    name: acid-minimal-cluster
    namespace: databases
    operator_config_map: postgres-operator/postgres-operator

- name: Reconcile a cluster as the operator does, with status and Events, configuration from the environment
  pgkube.operator.postgres_cluster:
    name: acid-minimal-cluster
    namespace: databases
    reconcile: true
    operator_config_from_env: true

- name: A maintenance run - recreate every pod that waits for a rolling update, the master last after a switchover
  pgkube.operator.postgres_cluster:
    name: acid-minimal-cluster
    namespace: databases
    reconcile: true
    complete_rolling_update: true
    wait_timeout: 1200
    operator_config_map: postgres-operator/postgres-operator

- name: Delete a cluster's objects (volumes are kept unless the configuration says otherwise)
  pgkube.operator.postgres_cluster:
    name: acid-minimal-cluster
    namespace: databases
    state: absent
"""

RETURN = r"""
actions:
  description: What was done (or, in check mode, would be done), in order, each with the reason.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: Kind of the object.
      type: str
      sample: StatefulSet
    namespace:
      description: Namespace of the object.
      type: str
      sample: databases
    name:
      description: Name of the object.
      type: str
      sample: acid-minimal-cluster
    action:
      description: One of V(create), V(patch), V(replace), V(recreate), V(delete), V(flag_rolling_update).
      type: str
      sample: patch
    reason:
      description: Why, in words a person can read.
      type: str
      sample: "env SPILO_CONFIGURATION changed: pods need a rolling update"
  sample:
    - kind: Service
      namespace: databases
      name: acid-minimal-cluster-repl
      action: create
      reason: Service does not exist
rolling_update_pods:
  description:
    - Pods that need a rolling update, flagged by this run or an earlier one (annotation C(zalando-postgres-operator-rolling-update-required)).
    - The operator recreates them one by one, the master last after a switchover.
  returned: always
  type: list
  elements: str
  sample: [acid-minimal-cluster-0, acid-minimal-cluster-1]
notes:
  description: What was deliberately left alone, for example persistent volume claims kept on deletion.
  returned: always
  type: list
  elements: str
  sample: ["PersistentVolumeClaims kept because enable_persistent_volume_claim_deletion is false: pgdata-acid-minimal-cluster-0"]
api_requests:
  description: How many Kubernetes API requests this run made, reads and writes apart (a no-op run makes no write).
  returned: always
  type: dict
  sample: {"read": 9, "write": 0}
status:
  description: With O(reconcile=true), the C(PostgresClusterStatus) after the reconcile (C(Running), C(Invalid), C(SyncFailed), ...).
  returned: when O(reconcile=true) and the resource is not being deleted
  type: str
  sample: Running
phase:
  description: With O(reconcile=true), which operation the reconcile was, V(Create), V(Update), V(Sync) or V(Delete).
  returned: when O(reconcile=true)
  type: str
  sample: Sync
events:
  description: With O(reconcile=true), the Kubernetes Events emitted about the resource.
  returned: when O(reconcile=true)
  type: list
  elements: dict
  sample: [{"type": "Normal", "reason": "Create", "message": "Started creation of new cluster resources"}]
roles:
  description:
    - With O(reconcile=true) and O(sync_roles=true), what the role and database step did - C(status), C(reason) and
      C(message) of the C(RolesSynced) condition, C(changed), C(skipped), the statements run (C(queries), passwords
      replaced by C(********)), C(warnings) and the Secrets updated by a password rotation.
  returned: when O(reconcile=true), O(sync_roles=true) and the step ran or was skipped
  type: dict
  sample: {"status": "Unknown", "reason": "WaitingForMaster", "changed": false, "skipped": true, "queries": []}
rolling_update:
  description:
    - With O(reconcile=true), the C(RollingUpdate) condition after the run (C(status) V(True) while pods wait for
      their recreation, its C(message) the progress) and, with O(complete_rolling_update=true), C(steps), one line per
      reconcile of what it did (pods deleted, switchovers, Patroni restarts), and C(finished).
  returned: when O(reconcile=true) and the cluster's objects were synced
  type: dict
  sample: {"status": "False", "reason": "Done", "message": "Rolling update done - pods have been recreated", "finished": true,
           "steps": ["Performing rolling update; Rolling update: deleting pod acid-minimal-cluster-1 (0 of 2 pods done)"]}
requeue:
  description: With O(reconcile=true), whether the reconcile failed in a way that a retry may fix.
  returned: when O(reconcile=true)
  type: bool
  sample: false
diff:
  description: The current and the desired form of every object that changes, keyed C(kind/namespace/name).
  returned: when diff mode is on and O(reconcile=false)
  type: dict
  sample:
    before:
      Service/databases/acid-minimal-cluster: null
    after:
      Service/databases/acid-minimal-cluster:
        kind: Service
"""

import copy
import os
import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError
from ansible_collections.pgkube.operator.plugins.module_utils.module_errors import run_reporting_errors

K8S_IMP_ERR = None
try:
    from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule
    HAS_K8S_CORE = True
except ImportError:
    K8S_IMP_ERR = traceback.format_exc()
    HAS_K8S_CORE = False
    AUTH_ARG_SPEC = {}

YAML_IMP_ERR = None
try:
    import yaml
    HAS_YAML = True
except ImportError:
    YAML_IMP_ERR = traceback.format_exc()
    HAS_YAML = False


def argument_spec():
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    spec.update(
        definition=dict(type="raw", aliases=["resource_definition"]),
        src=dict(type="path"),
        name=dict(type="str"),
        namespace=dict(type="str", default="default"),
        operator_config=dict(type="dict"),
        operator_config_map=dict(type="str"),
        operator_configuration=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        operator_config_from_env=dict(type="bool", default=False),
        reconcile=dict(type="bool", default=False),
        manage_finalizer=dict(type="bool", default=True),
        complete_rolling_update=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=900),
        sync_roles=dict(type="bool", default=True),
        request_timeout=dict(type="float"),
    )
    return spec


def load_local_manifest(module):
    """The cluster manifest from definition or src (no API needed), or None when it is read by name."""
    params = module.params
    if params["definition"] is not None:
        manifest = params["definition"]
        if isinstance(manifest, str):
            manifest = yaml.safe_load(manifest)
    elif params["src"]:
        with open(params["src"]) as handle:
            manifest = yaml.safe_load(handle)
    else:
        return None
    return _with_namespace(module, manifest)


def load_manifest(module, api):
    """The cluster manifest from definition, src or the cluster itself."""
    params = module.params
    manifest = load_local_manifest(module)
    if manifest is not None:
        return manifest
    manifest = api.get("postgresql", "acid.zalan.do/v1", params["namespace"], params["name"])
    if manifest is None:
        raise ValidationError("name", "postgresql %s/%s not found" % (params["namespace"], params["name"]))
    return _with_namespace(module, manifest)


def _with_namespace(module, manifest):
    params = module.params
    if not isinstance(manifest, dict):
        raise ValidationError("definition", "the manifest must be a mapping (a postgresql resource)")
    manifest = copy.deepcopy(manifest)
    metadata = manifest.setdefault("metadata", {})
    if isinstance(metadata, dict) and not metadata.get("namespace"):
        metadata["namespace"] = params["namespace"]
    return manifest


def local_operator_config(params):
    """The OperatorConfig when it needs no API (O(operator_config) or the built-in defaults), else None."""
    from ansible_collections.pgkube.operator.plugins.module_utils.config_source import load_config

    if params["operator_config_map"] or params["operator_configuration"]:
        return None
    if params["operator_config"]:
        return load_config(config=params["operator_config"])
    return None if params["operator_config_from_env"] else load_config()


def validate_first(module, manifest, cfg):
    """Check what needs no API before a client is created: bad input is never hidden behind a connection
    error (a reconcile reports an invalid manifest in the resource's status instead)."""
    from ansible_collections.pgkube.operator.plugins.module_utils.cluster_sync import parse_cluster
    from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest import ClusterSpec

    if manifest is None or module.params["reconcile"]:
        return
    if cfg is not None:
        parse_cluster(manifest, cfg)
    else:
        ClusterSpec.from_manifest(manifest)


def load_operator_config(params, api):
    """The OperatorConfig from the options, or from the environment as the operator loads it."""
    from ansible_collections.pgkube.operator.plugins.module_utils.config_source import load_config
    from ansible_collections.pgkube.operator.plugins.module_utils.operator_config import load_from_environment

    if params["operator_config_from_env"] and not (params["operator_config"] or params["operator_config_map"] or params["operator_configuration"]):
        return load_from_environment(api, dict(os.environ))[0]
    return load_config(api, config=params["operator_config"], configmap=params["operator_config_map"],
                       operator_configuration=params["operator_configuration"], default_namespace=params["namespace"])


def load_resource(module, api, manifest):
    """The postgresql resource for a reconcile: the manifest itself when it was read from the API
    (by name, or a definition that is the whole resource as ansible-operator passes it), else read."""
    params = module.params
    metadata = manifest.get("metadata") or {}
    if metadata.get("uid") and metadata.get("resourceVersion"):
        return manifest
    name = params["name"] or metadata.get("name")
    namespace = metadata.get("namespace") or params["namespace"]
    resource = api.get("postgresql", "acid.zalan.do/v1", namespace, name) if name else None
    if resource is None:
        raise ValidationError("name", "postgresql %s/%s not found: reconcile=true needs the resource in the cluster" % (namespace, name))
    return resource


def run_reconcile(module, api, manifest, cfg):
    from ansible_collections.pgkube.operator.plugins.module_utils.events import EventRecorder
    from ansible_collections.pgkube.operator.plugins.module_utils.lifecycle.maintenance import finish_rolling_update
    from ansible_collections.pgkube.operator.plugins.module_utils.reconcile import run_reconcile as reconcile

    from ansible_collections.pgkube.operator.plugins.module_utils.roles_step import make_sync_roles

    params = module.params
    resource = load_resource(module, api, manifest)
    sync_roles = make_sync_roles(api) if params["sync_roles"] and not module.check_mode else None

    def reconcile_once(current=None):
        if current is None:
            api.forget_reads()
        return reconcile(api, current or _reread(api, resource), cfg, recorder=EventRecorder(api), manage_finalizer=params["manage_finalizer"],
                         delete=params["state"] == "absent", sync_roles=sync_roles)
    result = reconcile_once(resource)
    rolling = dict(result.rolling_update) if result.rolling_update else None
    if params["complete_rolling_update"] and not module.check_mode and params["state"] == "present":
        result, steps, finished = finish_rolling_update(reconcile_once, result, params["wait_timeout"])
        rolling = dict(result.rolling_update or {}, steps=steps, finished=finished)
        if not finished and not result.error:
            result.error = "the rolling update did not finish within %d seconds: %s" % (
                params["wait_timeout"], (result.rolling_update or {}).get("message") or "pods %s wait" % ", ".join(result.rolling_update_pods))
    output = dict(changed=result.changed, actions=result.actions, rolling_update_pods=result.rolling_update_pods,
                  notes=result.notes, api_requests=dict(api.requests), phase=result.phase, requeue=result.requeue,
                  events=[dict(type=t, reason=r, message=m) for t, r, m in result.events])
    if result.status is not None:
        output["status"] = result.status
    if rolling is not None:
        output["rolling_update"] = rolling
    roles = result.roles_dict()
    if roles is not None:
        output["roles"] = roles
        for warning in roles.get("warnings") or []:
            module.warn(warning)
    for warning in result.warnings:
        module.warn(str(warning))
    if result.error:
        module.fail_json(msg="reconcile of postgresql %s/%s failed: %s" % (resource["metadata"].get("namespace"), resource["metadata"]["name"], result.error),
                         **output)
    module.exit_json(**output)


def _reread(api, resource):
    """The resource as it is now (a later reconcile of the same run must see its own status)."""
    meta = resource["metadata"]
    return api.get("postgresql", "acid.zalan.do/v1", meta.get("namespace"), meta["name"]) or resource


def run(module):
    from ansible_collections.pgkube.operator.plugins.module_utils.cluster_sync import delete_cluster, sync_cluster
    from ansible_collections.pgkube.operator.plugins.module_utils.kube.client import kubernetes_api

    params = module.params
    cfg = local_operator_config(params)
    validate_first(module, load_local_manifest(module), cfg)
    api = kubernetes_api(module, timeout=params["request_timeout"])
    manifest = load_manifest(module, api)
    if cfg is None:
        cfg = load_operator_config(params, api)
    if params["reconcile"]:
        run_reconcile(module, api, manifest, cfg)
        return
    operation = sync_cluster if params["state"] == "present" else delete_cluster
    result = operation(api, manifest, cfg, want_diff=module._diff)
    output = dict(changed=result.changed, actions=result.actions, rolling_update_pods=result.rolling_update_pods,
                  notes=result.notes, api_requests=dict(api.requests))
    if module._diff:
        output["diff"] = result.diff
    for warning in result.warnings:
        module.warn(warning)
    module.exit_json(**output)


def main():
    if not HAS_K8S_CORE:
        from ansible.module_utils.basic import AnsibleModule
        AnsibleModule(argument_spec={}).fail_json(msg=missing_required_lib("kubernetes.core collection"), exception=K8S_IMP_ERR)
    module = AnsibleK8SModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        mutually_exclusive=[("definition", "src", "name"), ("operator_config", "operator_config_map", "operator_configuration")],
        required_one_of=[("definition", "src", "name")],
    )
    if not HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"), exception=YAML_IMP_ERR)
    run_reporting_errors(module, run, invalid="invalid input")


if __name__ == "__main__":
    main()
