# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Password rotation (reference §6.6): pure decisions over credentials and a clock.

Two modes: ``rotation`` (a new dated role ``<user>YYMMDD``, member of ``<user>``, gets the new
password) and ``inplace`` (only the password changes). The Secret records ``nextRotation``
(RFC 3339). Rotation users older than the retention (at least twice the interval) are dropped
when a rotation happens.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import secrets
import string
from datetime import datetime, timedelta, timezone

from ansible_collections.pgkube.operator.plugins.module_utils.roles.spec import RoleSpec, ORIGIN_MANIFEST, ORIGIN_BOOTSTRAP

PASSWORD_ALPHABET = string.ascii_letters + string.digits
_SUFFIX_RE = re.compile(r"^(\d{6})$")


def generate_password(length=64):
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _index in range(length))


def format_time(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text):
    if not text:
        return None
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def eligible_users(spec, settings, desired_roles, warnings):
    """``{user: "rotation" | "inplace"}`` for the users whose password rotates."""
    result = {}
    if settings.enable_password_rotation:
        for name, role in desired_roles.items():
            if role.origin in (ORIGIN_MANIFEST, ORIGIN_BOOTSTRAP) and role.login and not role.is_db_owner and not role.rotation_parent:
                result[name] = "rotation"
    for name in spec.get("usersWithSecretRotation") or []:
        result[name] = "rotation"
    for name in spec.get("usersWithInPlaceSecretRotation") or []:
        result[name] = "inplace"
    for name in spec.get("usersIgnoringSecretRotation") or []:
        result.pop(name, None)
    for name in list(result):
        if name == settings.super_username:
            warnings.append("password rotation of the superuser %r refused (it would lock the operator out)" % name)
            result.pop(name)
        elif name == settings.replication_username:
            warnings.append("password rotation of the replication user %r refused (every replica logs in with it)" % name)
            result.pop(name)
        elif name not in desired_roles:
            warnings.append("password rotation listed for unknown user %r ignored" % name)
            result.pop(name)
    return result


class RotationResult:
    def __init__(self):
        self.credentials = {}  # user -> Credential (updated copies; only those that changed)
        self.events = []  # readable, no secrets
        self.drop_roles = []


def plan_rotation(eligible, credentials, settings, now, existing_roles=(), password_factory=generate_password):
    """Decide rotations. ``credentials``: ``{user: Credential}``; returns ``RotationResult``."""
    result = RotationResult()
    interval = timedelta(days=settings.password_rotation_interval)
    retention_days = max(settings.password_rotation_user_retention, 2 * settings.password_rotation_interval)
    for user in sorted(eligible):
        cred = credentials.get(user)
        if cred is None or cred.password is None:
            continue
        mode = eligible[user]
        next_rotation = parse_time(cred.next_rotation)
        if next_rotation is None:
            new = cred.copy()
            new.next_rotation = format_time(now + interval)
            result.credentials[user] = new
            result.events.append("%s: next rotation set to %s" % (user, new.next_rotation))
            continue
        if next_rotation > now + interval:
            new = cred.copy()
            new.next_rotation = format_time(now + interval)
            result.credentials[user] = new
            result.events.append("%s: next rotation moved forward to %s" % (user, new.next_rotation))
            continue
        if next_rotation > now:
            continue
        username = user if mode == "inplace" else user + now.strftime("%y%m%d")
        new = type(cred)(username, password_factory(), format_time(now + interval))
        result.credentials[user] = new
        how = "in place" if mode == "inplace" else "new role " + username
        result.events.append("%s: password rotated (%s), next rotation %s" % (user, how, new.next_rotation))
        cutoff = (now - timedelta(days=retention_days)).date()
        for role in existing_roles:
            if not role.startswith(user) or role == username:
                continue
            match = _SUFFIX_RE.match(role[len(user):])
            if not match:
                continue
            try:
                created = datetime.strptime(match.group(1), "%y%m%d").date()
            except ValueError:
                continue
            if created < cutoff:
                result.drop_roles.append(role)
                result.events.append("%s: rotation role %s past retention, dropped" % (user, role))
    # Rotation switched off: reset the username, new password, clear nextRotation.
    for user, cred in sorted(credentials.items()):
        if user in eligible or cred.password is None:
            continue
        if cred.next_rotation or cred.username != user:
            result.credentials[user] = type(cred)(user, password_factory(), None)
            result.events.append("%s: rotation disabled, credentials reset" % user)
    return result


def apply_rotation_roles(desired, credentials):
    """Add the rotation roles named in credentials (``username`` differs from the user) to ``desired``."""
    for user, cred in credentials.items():
        parent = desired.roles.get(user)
        if parent is None or cred.username == user:
            continue
        role = RoleSpec(cred.username, parent.origin, flags=parent.flags, member_of=[user], parameters=parent.parameters,
                        password=cred.password, rotation_parent=user, path=parent.path)
        desired.add_role(role)
        parent.password = None  # the parent keeps whatever password it has
