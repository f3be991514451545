# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credentials as the role sync sees them: per manifest user name, the Secret's data.

A caller passes ``{user: "password"}`` or ``{user: {"username": ..., "password": ..., "nextRotation": ...}}``.
``Credential`` never shows the password in ``repr``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError


class Credential:
    """``regenerated``: the Secret was created with a new password while the cluster's data existed
    (``pgkube.operator/regenerated-password``): it is not pushed into an existing role."""

    __slots__ = ("username", "_password", "next_rotation", "regenerated")

    def __init__(self, username, password=None, next_rotation=None, regenerated=False):
        self.username = username
        self._password = password
        self.next_rotation = next_rotation or None
        self.regenerated = bool(regenerated)

    @property
    def password(self):
        return self._password

    def as_secret_data(self):
        data = {"username": self.username, "password": self._password}
        if self.next_rotation:
            data["nextRotation"] = self.next_rotation
        return data

    def copy(self):
        return Credential(self.username, self._password, self.next_rotation, self.regenerated)

    def __repr__(self):
        return "Credential(%r, password=<hidden>, next_rotation=%r)" % (self.username, self.next_rotation)


def normalize_credentials(secrets):
    """``{user: str | dict}`` -> ``{user: Credential}``."""
    result = {}
    for user, value in (secrets or {}).items():
        user = str(user)
        if value is None:
            continue
        if isinstance(value, dict):
            password = value.get("password")
            if password is not None and not isinstance(password, str):
                raise ValidationError("secrets.%s.password" % user, "must be a string")
            result[user] = Credential(str(value.get("username") or user), password, value.get("nextRotation"), value.get("regenerated"))
        elif isinstance(value, str):
            result[user] = Credential(user, value)
        else:
            raise ValidationError("secrets.%s" % user, "must be a password string or a mapping with username/password")
    return result
