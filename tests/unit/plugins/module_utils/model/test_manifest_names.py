# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role and database names PostgreSQL would truncate (more than 63 bytes), and the system databases,
are refused with the field path, both in the manifest model (operator path) and in postgres_roles."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest import ClusterSpec
from ansible_collections.pgkube.operator.plugins.module_utils.roles.settings import RoleSettings
from ansible_collections.pgkube.operator.plugins.module_utils.roles.sources import build_desired
from ansible_collections.pgkube.operator.tests.unit.builders import make_manifest

U63, U64 = "u" * 63, "u" * 64
D63, D64 = "d" * 63, "d" * 64

TOO_LONG = [
    ({"users": {U64: []}}, "spec.users." + U64),
    ({"users": {"ns." + "u" * 61: []}}, "spec.users.ns." + "u" * 61),
    ({"users": {"owner1": []}, "databases": {D64: "owner1"}}, "spec.databases." + D64),
    ({"databases": {"db": U64}}, "spec.databases.db"),
    ({"preparedDatabases": {D64: {}}}, "spec.preparedDatabases." + D64),
    # <db>_writer is 64 bytes
    ({"preparedDatabases": {"d" * 57: {"schemas": {"s": {"defaultRoles": False}}}}}, "spec.preparedDatabases." + "d" * 57),
    # <db>_reader_user is 64 bytes
    ({"preparedDatabases": {"d" * 52: {"defaultUsers": True, "schemas": {"s": {"defaultRoles": False}}}}}, "spec.preparedDatabases." + "d" * 52),
    # <db>_<schema>_writer is 64 bytes
    ({"preparedDatabases": {"db": {"schemas": {"s" * 54: {}}}}}, "spec.preparedDatabases.db.schemas." + "s" * 54),
    ({"preparedDatabases": {"db": {"extensions": {"e" * 64: "public"}}}}, "spec.preparedDatabases.db.extensions." + "e" * 64),
    # a dated rotation role <user>YYMMDD must fit
    ({"users": {"u" * 58: []}, "usersWithSecretRotation": ["u" * 58]}, "spec.usersWithSecretRotation[0]"),
]


@pytest.mark.parametrize("spec,path", TOO_LONG, ids=range(len(TOO_LONG)))
def test_names_postgresql_would_truncate_are_refused_by_the_model(spec, path):
    with pytest.raises(ValidationError) as err:
        ClusterSpec.from_manifest(make_manifest(**spec))
    paths = [e.path for e in getattr(err.value, "errors", [err.value])]
    assert path in paths, str(err.value)
    assert "63 bytes" in str(err.value)


@pytest.mark.parametrize("spec,path", TOO_LONG, ids=range(len(TOO_LONG)))
def test_names_postgresql_would_truncate_are_refused_by_postgres_roles(spec, path):
    with pytest.raises(ValidationError) as err:
        build_desired({"metadata": {"name": "acid-x"}, "spec": spec}, RoleSettings.from_config({}))
    assert err.value.path == path, str(err.value)
    assert "63 bytes" in str(err.value)


def test_63_bytes_are_accepted():
    spec = {"users": {U63: []}, "databases": {D63: U63}, "preparedDatabases": {"d" * 56: {"schemas": {"s": {"defaultRoles": False}}}}}
    cluster = ClusterSpec.from_manifest(make_manifest(**spec))
    assert U63 in cluster.spec["users"] and D63 in cluster.spec["databases"]
    desired = build_desired({"metadata": {"name": "acid-x"}, "spec": spec}, RoleSettings.from_config({}))
    assert U63 in desired.roles and "d" * 56 + "_writer" in desired.roles


def test_the_implicit_prepared_database_of_a_long_cluster_name_is_checked():
    name = "a" * 52  # preparedDatabases: {} means database a..a; a..a_data_reader is 64 bytes
    with pytest.raises(ValidationError) as err:
        ClusterSpec.from_manifest(make_manifest(name=name, preparedDatabases={}))
    assert "spec.preparedDatabases" in str(err.value)


@pytest.mark.parametrize("database", ["postgres", "template0", "template1"])
def test_system_databases_are_refused(database):
    spec = {"users": {"owner1": []}, "databases": {database: "owner1"}}
    with pytest.raises(ValidationError) as err:
        ClusterSpec.from_manifest(make_manifest(**spec))
    assert err.value.path == "spec.databases." + database
    with pytest.raises(ValidationError) as err:
        build_desired({"metadata": {"name": "acid-x"}, "spec": spec}, RoleSettings.from_config({}))
    assert err.value.path == "spec.databases." + database
    assert "system database" in str(err.value)


@pytest.mark.parametrize("database", ["postgres", "template0", "template1"])
def test_system_databases_are_refused_as_prepared_databases(database):
    spec = {"preparedDatabases": {database: {}}}
    with pytest.raises(ValidationError) as err:
        ClusterSpec.from_manifest(make_manifest(**spec))
    assert err.value.path == "spec.preparedDatabases." + database
    with pytest.raises(ValidationError) as err:
        build_desired({"metadata": {"name": "acid-x"}, "spec": spec}, RoleSettings.from_config({}))
    assert err.value.path == "spec.preparedDatabases." + database
