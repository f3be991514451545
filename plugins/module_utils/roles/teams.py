# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Teams API human roles (reference §6.1, §3.2 ``teams_api``).

``GET <teams_api_url>/teams/<teamId>`` with ``Authorization: Bearer <token>``; members are the
JSON field ``member``. A 404 is a warning and no members.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from urllib.error import HTTPError, URLError
from urllib.parse import quote
from urllib.request import Request, build_opener

from ansible_collections.pgkube.operator.plugins.module_utils.errors import PgkubeError
from ansible_collections.pgkube.operator.plugins.module_utils.model.role_flags import is_valid_username
from ansible_collections.pgkube.operator.plugins.module_utils.roles.spec import RoleSpec, ORIGIN_TEAMS_API


class TeamsAPIError(PgkubeError):
    """The Teams API answered with an error (other than 404) or could not be reached."""


def token_from_secret(data):
    """Token from the OAuth2 token Secret data (``read-only-token-type`` must be ``Bearer``)."""
    data = data or {}
    token_type = data.get("read-only-token-type")
    token = data.get("read-only-token-secret")
    if token_type != "Bearer":
        raise TeamsAPIError("OAuth token secret: read-only-token-type must be 'Bearer'")
    if not token:
        raise TeamsAPIError("OAuth token secret: read-only-token-secret is empty")
    return token


def fetch_team_members(url, team_id, token, timeout=10, warnings=None):
    """Return the member list of ``team_id`` (a 404 gives ``[]`` and a warning)."""
    warnings = warnings if warnings is not None else []
    target = url.rstrip("/") + "/teams/" + quote(team_id, safe="")
    request = Request(target, headers={"Authorization": "Bearer " + token, "Accept": "application/json"})
    try:
        response = build_opener().open(request, timeout=timeout)
        try:
            body = json.loads(response.read().decode("utf-8"))
        finally:
            response.close()
    except HTTPError as exc:
        if exc.code == 404:
            warnings.append("Teams API: team %r not found; no team members" % team_id)
            return []
        raise TeamsAPIError("Teams API: GET %s failed with HTTP %d" % (target, exc.code))
    except (URLError, OSError, ValueError) as exc:
        raise TeamsAPIError("Teams API: GET %s failed: %s" % (target, getattr(exc, "reason", exc)))
    members = body.get("member") if isinstance(body, dict) else None
    if members is None:
        return []
    if not isinstance(members, list):
        raise TeamsAPIError("Teams API: field 'member' of team %r is not a list" % team_id)
    return [str(m) for m in members]


def team_roles(settings, team_id, members, superuser_members=None, warnings=None):
    """RoleSpecs for team members.

    ``members``: the owning team's members; ``superuser_members``: members of
    ``postgres_superuser_teams`` (SUPERUSER in every cluster).
    """
    warnings = warnings if warnings is not None else []
    superuser_members = set(superuser_members or [])
    owning_is_superuser = settings.enable_team_superuser or team_id in settings.postgres_superuser_teams
    roles = []
    for name in sorted(set(members or []) | superuser_members):
        if not is_valid_username(name):
            warnings.append("team member %r ignored: invalid role name" % name)
            continue
        if name in settings.protected_role_names or name in settings.system_names():
            warnings.append("team member %r ignored: the name is protected or a system role" % name)
            continue
        superuser = name in superuser_members or (owning_is_superuser and name in (members or []))
        flags = ["LOGIN", "SUPERUSER"] if superuser else ["LOGIN"]
        member_of = [settings.pam_role_name]
        if not superuser and settings.team_admin_role:
            member_of.append(settings.team_admin_role)
        roles.append(RoleSpec(name, ORIGIN_TEAMS_API, flags=flags, member_of=member_of,
                              parameters=settings.team_api_role_configuration, path="teams_api:%s" % name))
    return roles
