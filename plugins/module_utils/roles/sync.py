# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One role/database sync: desired state -> observe -> plan -> execute.

Inputs are plain data; Kubernetes and the Teams API are resolved by the caller.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from datetime import datetime, timezone

from ansible_collections.pgkube.operator.plugins.module_utils.roles import rotation as rotation_mod
from ansible_collections.pgkube.operator.plugins.module_utils.roles.execute import execute_plan, load_database_objects
from ansible_collections.pgkube.operator.plugins.module_utils.roles.observe import observe
from ansible_collections.pgkube.operator.plugins.module_utils.roles.plan import build_plan
from ansible_collections.pgkube.operator.plugins.module_utils.roles.sources import build_desired, manifest_spec, password_encryption
from ansible_collections.pgkube.operator.plugins.module_utils.roles.secrets_data import normalize_credentials


class SyncReport:
    def __init__(self):
        self.changed = False
        self.queries = []
        self.summary = {}
        self.warnings = []
        self.rotation_events = []
        self.credential_updates = {}  # user -> Credential (contain passwords: for the Secret writer only)
        self.catalog_queries = 0
        self.statements = 0
        self.passwords_held = []       # users whose regenerated Secret's password was not pushed (it differs)
        self.passwords_in_effect = []  # users whose regenerated Secret's password is the role's

    def as_dict(self):
        data = {"changed": self.changed, "queries": list(self.queries), "warnings": list(self.warnings),
                "rotation": list(self.rotation_events), "secrets_updated": sorted(self.credential_updates),
                "passwords_held": list(self.passwords_held)}
        data.update(self.summary)
        return data


def sync(conn, params, manifest, settings, secrets=None, infra_roles=(), team_roles=(), absent="keep",
         check_mode=False, now=None, rotate=True):
    """Sync roles and databases of ``manifest`` on ``conn``; returns a ``SyncReport``.

    ``secrets``: ``{user: password | {username, password, nextRotation}}``. With ``rotate`` the
    rotation decisions are made and reported in ``credential_updates`` (the caller stores them).
    """
    report = SyncReport()
    now = now or datetime.now(timezone.utc)
    credentials = normalize_credentials(secrets)
    _name, spec = manifest_spec(manifest)
    desired = build_desired(manifest, settings, credentials, infra_roles, team_roles, warnings=report.warnings)
    encryption = password_encryption(spec)

    with conn.cursor() as cursor:
        observed = observe(cursor)
    report.catalog_queries = observed.queries

    if rotate and not spec.get("standby"):
        eligible = rotation_mod.eligible_users(spec, settings, desired.roles, report.warnings)
        decided = rotation_mod.plan_rotation(eligible, credentials, settings, now, existing_roles=list(observed.roles))
        report.rotation_events = decided.events
        report.credential_updates = decided.credentials
        merged = dict(credentials)
        merged.update(decided.credentials)
        for user, cred in decided.credentials.items():
            role = desired.roles.get(user)
            if role is not None and cred.username == user:
                role.password = cred.password
        rotation_mod.apply_rotation_roles(desired, merged)
        desired.drop_roles = decided.drop_roles
    else:
        rotation_mod.apply_rotation_roles(desired, credentials)

    prepared = [name for name, db in desired.databases.items() if db.prepared]
    report.catalog_queries += load_database_objects(params, observed, prepared)
    plan = build_plan(desired, observed, encryption=encryption, absent=absent, deletion_suffix=settings.role_deletion_suffix)
    report.warnings.extend(plan.warnings)
    result = execute_plan(conn, params, plan, check_mode=check_mode)
    report.queries = result.queries
    report.statements = result.executed
    report.summary = plan.summary()
    report.passwords_held = sorted(plan.passwords_held)
    report.passwords_in_effect = sorted(plan.passwords_in_effect)
    report.changed = bool(plan.statements) or bool(report.credential_updates)
    return report
