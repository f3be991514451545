#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: operator_config
short_description: Read, validate or write the configuration of the Zalando-compatible PostgreSQL operator
version_added: 0.1.0
author:
  - pgkube maintainers (@pgkube)
description:
  - Loads the operator configuration from where the operator loads it (the Zalando operator's rules) and
    returns the effective configuration with every key and its value, secret values redacted.
  - The configuration is the flat ConfigMap named by O(config_map) or the C(OperatorConfiguration) resource
    named by O(operator_configuration). When neither is given, the location comes from the environment of the
    process running the module, exactly as the operator reads it. C(POSTGRES_OPERATOR_CONFIGURATION_OBJECT) (an
    C(OperatorConfiguration) in C(OPERATOR_NAMESPACE)) wins over C(CONFIG_MAP_NAME) (C([namespace/]name)).
    With neither set the built-in defaults are used.
  - Every value is validated; an invalid value fails the module with the key that is wrong.
  - With O(state=present) the module writes the configuration given in O(data) (a ConfigMap) or
    O(configuration) (an C(OperatorConfiguration)) and reports C(changed) only when the stored object differs.
options:
  config_map:
    description:
      - C([namespace/]name) of the ConfigMap holding the configuration (the operator's C(CONFIG_MAP_NAME)).
      - Mutually exclusive with O(operator_configuration).
    type: str
  operator_configuration:
    description:
      - C([namespace/]name) of the C(OperatorConfiguration) resource (the operator's C(POSTGRES_OPERATOR_CONFIGURATION_OBJECT)).
      - Mutually exclusive with O(config_map).
    type: str
  namespace:
    description:
      - Namespace of O(config_map) and O(operator_configuration) when they do not name one.
      - Defaults to the environment variable C(OPERATOR_NAMESPACE), else V(default).
    type: str
  apply_env:
    description:
      - Apply the environment overrides of the operator (C(WATCHED_NAMESPACE), C(SCALYR_API_KEY)) from the
        environment of the process running the module to the returned configuration.
    type: bool
    default: true
  state:
    description:
      - V(query) reads and validates the configuration and writes nothing.
      - V(present) writes O(data) to the ConfigMap O(config_map), or O(configuration) to the
        C(OperatorConfiguration) O(operator_configuration), creating the object when missing.
    type: str
    choices: [query, present]
    default: query
  data:
    description:
      - With O(state=present) and O(config_map), the whole configuration as flat keys of the ConfigMap.
      - Values may be strings in the ConfigMap syntax or typed values (booleans, numbers, lists, dictionaries),
        which are written in the ConfigMap syntax. Keys that are not given take their defaults.
    type: dict
  configuration:
    description:
      - With O(state=present) and O(operator_configuration), the C(configuration) section of the resource
        (keys grouped as the C(OperatorConfiguration) resource groups them).
    type: dict
  labels:
    description:
      - Labels to set on the object written with O(state=present) (other labels are kept).
    type: dict
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
    description: The write is sent to the API server as a server-side dry run; nothing is stored.
    support: full
  diff_mode:
    description: Shows the stored and the new configuration; secret values are redacted.
    support: full
requirements:
  - kubernetes >= 24.2.0
notes:
  - Writing an C(OperatorConfiguration) needs its CRD; see C(manifests/crds/) in the collection.
  - The API server fills in schema defaults of an C(OperatorConfiguration). A key that is removed from
    O(configuration) while every other key is unchanged is therefore not reported as a change.
seealso:
  - module: pgkube.operator.postgres_cluster
"""

EXAMPLES = r"""
- name: Show the configuration the operator would use, as it finds it from its environment
  pgkube.operator.operator_config:
  register: operator

- name: Validate the operator's ConfigMap
  pgkube.operator.operator_config:
    config_map: postgres-operator/postgres-operator

- name: Write the operator's ConfigMap from typed values
  pgkube.operator.operator_config:
    config_map: postgres-operator/postgres-operator
    state: present
    data:
      docker_image: ghcr.io/zalando/spilo-18:4.1-p2
      enable_owner_references: true
      cluster_labels:
        application: spilo
      protected_role_names: [admin, cron_admin]

- name: Write an OperatorConfiguration resource
  pgkube.operator.operator_config:
    operator_configuration: postgres-operator/postgresql-operator-default-configuration
    state: present
    configuration:
      workers: 8
      kubernetes:
        enable_owner_references: true
"""

RETURN = r"""
config:
  description: The effective configuration, one key per configuration key of the ConfigMap format, secret values replaced by C(<redacted>).
  returned: always
  type: dict
  sample: {"docker_image": "ghcr.io/zalando/spilo-18:4.1-p2", "workers": 8, "enable_owner_references": false}
source:
  description: Where the configuration comes from.
  returned: always
  type: dict
  contains:
    kind:
      description: V(configmap), V(crd) or V(defaults).
      type: str
      sample: configmap
    namespace:
      description: Namespace of the object (absent for V(defaults)).
      type: str
      sample: postgres-operator
    name:
      description: Name of the object (absent for V(defaults)).
      type: str
      sample: postgres-operator
config_warnings:
  description: Validation warnings, for example unknown or removed keys.
  returned: always
  type: list
  elements: str
  sample: ["unknown configuration key foo: ignored"]
diff:
  description: The stored and the new data (ConfigMap) or configuration (OperatorConfiguration), secrets redacted.
  returned: when diff mode is on and O(state=present)
  type: dict
  sample: {"before": {"workers": "4"}, "after": {"workers": "8"}}
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


def argument_spec():
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    spec.update(
        config_map=dict(type="str"),
        operator_configuration=dict(type="str"),
        namespace=dict(type="str"),
        apply_env=dict(type="bool", default=True),
        state=dict(type="str", choices=["query", "present"], default="query"),
        data=dict(type="dict"),
        configuration=dict(type="dict"),
        labels=dict(type="dict"),
        request_timeout=dict(type="float"),
    )
    return spec


def validate_first(params, namespace):
    """The configuration to write is validated before a client is created: a bad value is reported with
    its key, never hidden behind a connection error."""
    from ansible_collections.pgkube.operator.plugins.module_utils import operator_config as oc
    from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig

    if params["state"] != "present":
        return
    location = oc.location_for(params["config_map"], params["operator_configuration"], namespace)
    if location["kind"] == "configmap" and params["data"] is not None:
        OperatorConfig.from_configmap(oc.configmap_data(params["data"]))
    elif location["kind"] == "crd" and params["configuration"] is not None:
        OperatorConfig.from_crd({"configuration": params["configuration"]})


def run(module):
    from ansible_collections.pgkube.operator.plugins.module_utils import operator_config as oc
    from ansible_collections.pgkube.operator.plugins.module_utils.kube.client import kubernetes_api

    params = module.params
    environ = dict(os.environ)
    namespace = params["namespace"] or (environ.get("OPERATOR_NAMESPACE") or "").strip() or "default"
    validate_first(params, namespace)
    api = kubernetes_api(module, timeout=params["request_timeout"])
    output = dict(changed=False)
    if params["state"] == "present":
        location = oc.location_for(params["config_map"], params["operator_configuration"], namespace)
        if location["kind"] == "configmap":
            if params["data"] is None:
                raise ValidationError("data", "state=present with config_map needs data")
            written, cfg = oc.write_configmap(api, location["namespace"], location["name"], params["data"], params["labels"])
        elif location["kind"] == "crd":
            if params["configuration"] is None:
                raise ValidationError("configuration", "state=present with operator_configuration needs configuration")
            written, cfg = oc.write_operator_configuration(api, location["namespace"], location["name"], params["configuration"], params["labels"])
        else:
            raise ValidationError("config_map", "state=present needs config_map or operator_configuration")
        output["changed"] = written.changed
        if module._diff:
            output["diff"] = dict(before=written.before, after=written.after)
        if params["apply_env"]:
            cfg = cfg.apply_env(environ)
        source = location
    elif params["config_map"] or params["operator_configuration"]:
        location = oc.location_for(params["config_map"], params["operator_configuration"], namespace)
        cfg, source = oc.load_from_location(api, location, environ if params["apply_env"] else None)
    else:
        if params["apply_env"]:
            cfg, source = oc.load_from_environment(api, environ, namespace)
        else:
            location = oc.config_location(environ)
            cfg, source = oc.load_from_location(api, dict(location, namespace=location.get("namespace") or namespace))
    output["config"] = cfg.as_dict(redact=True)
    output["source"] = dict((k, v) for k, v in source.items() if v is not None)
    output["config_warnings"] = [str(w) for w in cfg.warnings]
    for warning in cfg.warnings:
        module.warn(str(warning))
    module.exit_json(**output)


def main():
    if not HAS_K8S_CORE:
        from ansible.module_utils.basic import AnsibleModule
        AnsibleModule(argument_spec={}).fail_json(msg=missing_required_lib("kubernetes.core collection"), exception=K8S_IMP_ERR)
    module = AnsibleK8SModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        mutually_exclusive=[("config_map", "operator_configuration"), ("data", "configuration")],
    )
    run_reporting_errors(module, run, invalid="invalid configuration")


if __name__ == "__main__":
    main()
