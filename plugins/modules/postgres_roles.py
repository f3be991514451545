#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: postgres_roles
short_description: Sync the roles and databases of a Zalando-style PostgreSQL cluster
version_added: 0.1.0
author:
  - pgkube maintainers (@pgkube)
description:
  - Creates and alters the roles and databases a C(postgresql) cluster manifest asks for, the way the Zalando Postgres Operator does.
  - "Role sources, by rising priority: manifest users, infrastructure roles, Teams API members, system users, prepared database roles."
  - Changes are additive (flags, memberships, admin option, role parameters, passwords); stored SCRAM verifiers are checked against
    the password and left alone when they match, so a run with nothing to do executes no statement.
  - Roles and databases that left the manifest are kept by default (upstream behaviour); O(absent_roles) can rename or drop them.
  - Check mode runs the role statements in a transaction that is rolled back and reports database-level statements without running them.
options:
  definition:
    description:
      - The C(postgresql) cluster manifest (C(metadata.name) and C(spec) are used).
      - Mutually exclusive with O(name).
    type: dict
  name:
    description:
      - Name of a C(postgresql) custom resource to read through the Kubernetes API, with its credentials Secrets.
    type: str
  namespace:
    description:
      - Namespace of O(name).
    type: str
    default: default
  k8s_auth:
    description:
      - Kubernetes client options passed to kubernetes.core's client; the C(K8S_AUTH_*) environment variables,
        the default kubeconfig and the in-cluster configuration apply as well.
    type: dict
    default: {}
    suboptions:
      kubeconfig:
        description: Path of a kubeconfig file.
        type: path
      context:
        description: Context of the kubeconfig to use.
        type: str
      host:
        description: URL of the Kubernetes API server.
        type: str
      api_key:
        description: Bearer token for the API server.
        type: str
      validate_certs:
        description: Verify the API server's certificate.
        type: bool
      ca_cert:
        description: Path of the CA certificate of the API server.
        type: path
      request_timeout:
        description:
          - Seconds each Kubernetes API request may take; an API server that does not answer in time fails the task
            with a message naming it. Defaults to the environment variable C(PGKUBE_REQUEST_TIMEOUT), else 30.
        type: float
  operator_config:
    description:
      - Operator configuration as flat keys of the operator ConfigMap (C(super_username), C(protected_role_names), C(team_admin_role),
        C(additional_owner_roles), C(infrastructure_roles_secrets), C(enable_teams_api), C(enable_password_rotation), ...).
      - Keys absent take the ConfigMap defaults.
    type: dict
    default: {}
  operator_namespace:
    description:
      - Namespace of the infrastructure roles Secrets and of the Teams API token Secret when they are read through Kubernetes.
    type: str
    default: default
  secrets:
    description:
      - Credentials per user name, for use without Kubernetes. A value is the password, or a mapping with C(username), C(password)
        and optionally C(nextRotation) (a rotated credential names the dated rotation role).
      - Passwords may be given as md5 hashes or SCRAM-SHA-256 verifiers; they are passed through.
    type: dict
    default: {}
    aliases: [ passwords ]
  infrastructure_secrets:
    description:
      - Data of the infrastructure roles Secrets by Secret name (as written in the configuration), already decoded, for use without Kubernetes.
    type: dict
    default: {}
  infrastructure_configmaps:
    description:
      - Data of the infrastructure roles ConfigMaps by name (the Secret + ConfigMap format), for use without Kubernetes.
    type: dict
    default: {}
  teams_api_token:
    description:
      - Bearer token for the Teams API. Without it and with a cluster reference, the token is read from the Secret
        C(oauth_token_secret_name) in O(operator_namespace).
    type: str
  absent_roles:
    description:
      - What happens to roles and databases this module created earlier that are no longer asked for.
      - V(keep) leaves them (upstream behaviour); V(rename) sets roles NOLOGIN and renames roles and databases with C(role_deletion_suffix);
        V(drop) drops them.
      - Only objects marked by this module at creation are candidates; rotation roles are handled by the rotation retention.
    type: str
    default: keep
    choices: [ keep, rename, drop ]
extends_documentation_fragment:
  - pgkube.operator.postgres
attributes:
  check_mode:
    description: Role statements run in a transaction that is rolled back; database-level statements are reported only.
    support: full
  diff_mode:
    description: The statements that ran (or would run) are shown as the diff.
    support: full
notes:
  - Password rotation generates new passwords and therefore runs only with a cluster reference (O(name)), where the new credentials are
    written to the Secrets. Without Kubernetes the rotation state given in O(secrets) is applied as it is.
seealso:
  - module: community.postgresql.postgresql_user
'''

EXAMPLES = r'''
- name: Sync the roles of a manifest on a server reached directly
  pgkube.operator.postgres_roles:
    definition: "{{ lookup('file', 'acid-minimal-cluster.yaml') | from_yaml }}"
    login_host: db.example.internal
    login_password: "{{ superuser_password }}"
    operator_config:
      enable_teams_api: "false"
      additional_owner_roles: cron_admin
    secrets:
      zalando: "{{ zalando_password }}"

- name: Sync the roles of a cluster through the Kubernetes API, renaming roles that left the manifest
  pgkube.operator.postgres_roles:
    name: acid-minimal-cluster
    namespace: default
    absent_roles: rename
'''

RETURN = r'''
queries:
  description: The statements executed (or, in check mode, that would be), passwords replaced by C('********').
  returned: always
  type: list
  elements: str
  sample:
    - CREATE ROLE "foo" WITH CREATEDB LOGIN ADMIN "admin" PASSWORD '********'
roles_created:
  description: Roles created.
  returned: always
  type: list
  elements: str
roles_altered:
  description: Roles altered (flags, password, memberships, admin option, parameters).
  returned: always
  type: list
  elements: str
roles_renamed:
  description: Roles renamed because they left the manifest (O(absent_roles=rename)).
  returned: always
  type: list
  elements: str
roles_dropped:
  description: Roles dropped (left the manifest with O(absent_roles=drop), or rotation roles past retention).
  returned: always
  type: list
  elements: str
databases_created:
  description: Databases created.
  returned: always
  type: list
  elements: str
databases_altered:
  description: Databases whose owner changed.
  returned: always
  type: list
  elements: str
databases_renamed:
  description: Databases renamed because they left the manifest.
  returned: always
  type: list
  elements: str
databases_dropped:
  description: Databases dropped because they left the manifest.
  returned: always
  type: list
  elements: str
rotation:
  description: Password rotation decisions, without secrets.
  returned: always
  type: list
  elements: str
secrets_updated:
  description: Users whose credentials Secret was (or would be) updated by a rotation.
  returned: always
  type: list
  elements: str
passwords_held:
  description:
    - Users whose credentials Secret carries the annotation C(pgkube.operator/regenerated-password) (created anew while the
      cluster's data existed) and whose role exists in PostgreSQL with another password, which it keeps.
    - Remove the annotation from the Secret to apply its password, or write the role's old password into it.
  returned: always
  type: list
  elements: str
'''

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.pgkube.operator.plugins.module_utils.errors import PgkubeError
from ansible_collections.pgkube.operator.plugins.module_utils.roles import cluster_ref as cref
from ansible_collections.pgkube.operator.plugins.module_utils.roles.connection import (
    CONNECTION_ARGUMENT_SPEC, HAS_PSYCOPG2, PSYCOPG2_IMPORT_ERROR, SQL_ERRORS, connect, sql_error,
)
from ansible_collections.pgkube.operator.plugins.module_utils.roles.infrastructure import infrastructure_roles, parse_definitions
from ansible_collections.pgkube.operator.plugins.module_utils.roles.settings import RoleSettings
from ansible_collections.pgkube.operator.plugins.module_utils.roles.sources import manifest_spec
from ansible_collections.pgkube.operator.plugins.module_utils.roles.sync import sync
from ansible_collections.pgkube.operator.plugins.module_utils.roles import teams

try:
    from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig
    HAS_OPERATOR_CONFIG = True
except ImportError:
    HAS_OPERATOR_CONFIG = False


def argument_spec():
    spec = dict(
        definition=dict(type="dict"),
        name=dict(type="str"),
        namespace=dict(type="str", default="default"),
        k8s_auth=dict(type="dict", default={}, options=dict(
            kubeconfig=dict(type="path"),
            context=dict(type="str"),
            host=dict(type="str"),
            api_key=dict(type="str", no_log=True),
            validate_certs=dict(type="bool"),
            ca_cert=dict(type="path"),
            request_timeout=dict(type="float"),
        )),
        operator_config=dict(type="dict", default={}),
        operator_namespace=dict(type="str", default="default"),
        secrets=dict(type="dict", default={}, no_log=True, aliases=["passwords"]),
        infrastructure_secrets=dict(type="dict", default={}, no_log=True),
        infrastructure_configmaps=dict(type="dict", default={}),
        teams_api_token=dict(type="str", no_log=True),
        absent_roles=dict(type="str", default="keep", choices=["keep", "rename", "drop"]),
    )
    spec.update(dict((k, dict(v)) for k, v in CONNECTION_ARGUMENT_SPEC.items()))
    return spec


def load_settings(flat):
    if HAS_OPERATOR_CONFIG:
        return RoleSettings.from_config(OperatorConfig.from_dict(flat or {}))
    return RoleSettings.from_config(flat or {})


def gather_infrastructure(module, settings, client):
    secrets = dict(module.params["infrastructure_secrets"] or {})
    configmaps = dict(module.params["infrastructure_configmaps"] or {})
    if client is not None:
        for definition in parse_definitions(settings):
            ref = definition.get("secretname")
            if ref and ref not in secrets:
                data = cref.read_secret_data(client, ref, module.params["operator_namespace"])
                if data is not None:
                    secrets[ref] = data
            if ref and definition.get("template") and ref not in configmaps:
                data = cref.read_configmap_data(client, ref, module.params["operator_namespace"])
                if data is not None:
                    configmaps[ref] = data
    warnings = []
    roles = infrastructure_roles(settings, secrets, configmaps, warnings)
    return roles, warnings


def gather_team_roles(module, settings, spec, client):
    warnings = []
    team_id = spec.get("teamId")
    if not settings.enable_teams_api or not team_id:
        return [], warnings
    token = module.params["teams_api_token"]
    if not token and client is not None:
        data = cref.read_secret_data(client, settings.oauth_token_secret_name, module.params["operator_namespace"])
        if data is not None:
            token = teams.token_from_secret(data)
    if not token:
        warnings.append("Teams API enabled but no token available (teams_api_token or the OAuth token Secret); team roles not synced")
        return [], warnings
    members = teams.fetch_team_members(settings.teams_api_url, team_id, token, warnings=warnings)
    superusers = []
    for team in settings.postgres_superuser_teams:
        superusers.extend(members if team == team_id else teams.fetch_team_members(settings.teams_api_url, team, token, warnings=warnings))
    return teams.team_roles(settings, team_id, members, superusers, warnings), warnings


def unmask_identifiers(module, settings):
    """Role names and dates inside the secret-bearing options are not secrets: keep them readable in the output.

    Ansible masks every leaf value of a ``no_log`` option; passwords stay masked, user names and
    membership names (``username``, ``userN``, ``inroleN``, the ``userkey``/``rolekey`` values) do not.
    """
    passwords, plain = set(), set()
    for value in (module.params["secrets"] or {}).values():
        if isinstance(value, dict):
            plain.update(str(value.get(k)) for k in ("username", "nextRotation") if value.get(k))
            if value.get("password"):
                passwords.add(str(value["password"]))
        elif value is not None:
            passwords.add(str(value))
    keys = set()
    for definition in parse_definitions(settings):
        keys.update(definition.get(k) for k in ("userkey", "rolekey") if definition.get(k))
    for data in (module.params["infrastructure_secrets"] or {}).values():
        for key, value in (data or {}).items() if isinstance(data, dict) else ():
            if key in keys or (key.startswith(("user", "inrole")) and key.lstrip("userinol").isdigit()):
                plain.add(str(value))
            else:
                passwords.add(str(value))
    for value in plain - passwords:
        module.no_log_values.discard(value)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[("definition", "name")],
        required_one_of=[("definition", "name")],
        supports_check_mode=True,
    )
    if not HAS_PSYCOPG2:
        module.fail_json(msg=missing_required_lib("psycopg2"), exception=PSYCOPG2_IMPORT_ERROR)
    params = dict(module.params)
    result = dict(changed=False, queries=[], roles_created=[], roles_altered=[], roles_renamed=[], roles_dropped=[],
                  databases_created=[], databases_altered=[], databases_renamed=[], databases_dropped=[], rotation=[],
                  secrets_updated=[], passwords_held=[])
    conn = None
    try:
        settings = load_settings(params["operator_config"])
        unmask_identifiers(module, settings)
        if not settings.enable_database_access:
            module.warn("enable_database_access is false: no SQL is run")
            module.exit_json(**result)
        client = None
        cluster = None
        secrets = dict(params["secrets"] or {})
        if params["name"]:
            if not cref.HAS_K8S_CLIENT:
                module.fail_json(msg=missing_required_lib("kubernetes.core collection and kubernetes"), exception=cref.K8S_IMPORT_ERROR)
            client = cref.api_client(params["k8s_auth"])
            cluster = cref.resolve(client, params["name"], params["namespace"], settings, cluster_domain=settings.cluster_domain)
            manifest = cluster.manifest
            for user, cred in cluster.credentials.items():
                secrets.setdefault(user, cred)
            if not params["login_host"] and not params["login_unix_socket"]:
                params["login_host"] = cluster.host
            superuser = cluster.credentials.get(settings.super_username) or {}
            if not params["login_password"] and superuser.get("password"):
                params["login_password"] = superuser["password"]
        else:
            manifest = params["definition"]
        _name, spec = manifest_spec(manifest)
        infra, infra_warnings = gather_infrastructure(module, settings, client)
        team_roles, team_warnings = gather_team_roles(module, settings, spec, client)
        conn = connect(params)
        report = sync(conn, params, manifest, settings, secrets=secrets, infra_roles=infra, team_roles=team_roles,
                      absent=params["absent_roles"], check_mode=module.check_mode, rotate=cluster is not None)
        if cluster is not None and report.credential_updates:
            cref.write_credentials(client, cluster, report.credential_updates, check_mode=module.check_mode)
        for warning in infra_warnings + team_warnings + report.warnings:
            module.warn(warning)
        if report.passwords_held:
            module.warn("passwords not applied, the roles keep theirs (their Secrets were created anew, annotation "
                        "pgkube.operator/regenerated-password): %s" % ", ".join(report.passwords_held))
        data = report.as_dict()
        data.pop("warnings", None)
        result.update(data)
        if module._diff:
            result["diff"] = dict(prepared="\n".join(report.queries))
    except PgkubeError as exc:
        module.fail_json(msg=str(exc), **result)
    except SQL_ERRORS as exc:
        module.fail_json(msg=str(sql_error(exc, params)), **result)
    except Exception as exc:  # unexpected: report the type, never the values
        module.fail_json(msg="postgres_roles failed: %s" % type(exc).__name__, exception=traceback.format_exc(), **result)
    finally:
        if conn is not None:
            conn.close()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
