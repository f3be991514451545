# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credential Secret builder (reference §4.5, §6.1, §6.3; upstream cross-namespace / name tests)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import re

from ansible_collections.pgkube.operator.plugins.module_utils.desired import secrets
from ansible_collections.pgkube.operator.tests.unit import builders


def make_cluster(**kwargs):
    """The shared cluster, with this file's ``metadata.uid``."""
    return builders.make_cluster(uid="uid-1", **kwargs)


def make_cfg(**overrides):
    """The shared configuration, without the master LoadBalancer unless overridden."""
    return builders.make_cfg(base=builders.NO_MASTER_LOAD_BALANCER, **overrides)


SUFFIX = ".acid-test.credentials.postgresql.acid.zalan.do"


def decode(secret, key):
    return base64.b64decode(secret["data"][key]).decode("utf-8")


def by_name(secret_list):
    return dict((s["metadata"]["name"], s) for s in secret_list)


def test_system_users_only_by_default():
    users = secrets.secret_users(make_cluster(), make_cfg())
    assert users == [
        secrets.SecretUser("postgres", "default", "postgres" + SUFFIX, "system"),
        secrets.SecretUser("standby", "default", "standby" + SUFFIX, "system"),
    ]


def test_secret_shape_and_password():
    cfg = make_cfg(inherited_annotations=["owner"], inherited_labels=["env"])
    cluster = make_cluster(labels={"env": "prod"}, annotations={"owner": "me"})
    secret = secrets.build_secrets(cluster, cfg)[0]
    assert secret["apiVersion"] == "v1"
    assert secret["kind"] == "Secret"
    assert secret["type"] == "Opaque"
    assert secret["metadata"] == {
        "name": "postgres" + SUFFIX,
        "namespace": "default",
        "labels": {"application": "spilo", "cluster-name": "acid-test", "team": "acid", "env": "prod"},
        "annotations": {"owner": "me"},
    }
    assert sorted(secret["data"]) == ["password", "username"]
    assert decode(secret, "username") == "postgres"
    password = decode(secret, "password")
    assert len(password) == 64
    assert re.match(r"^[a-zA-Z0-9]{64}$", password)


def test_passwords_differ():
    first, second = secrets.build_secrets(make_cluster(), make_cfg())
    assert decode(first, "password") != decode(second, "password")
    assert secrets.generate_password() != secrets.generate_password()
    assert len(secrets.generate_password(10)) == 10


def test_password_not_in_repr():
    secret = secrets.build_secrets(make_cluster(), make_cfg())[0]
    password = decode(secret, "password")
    for text in (repr(secret), str(secret), repr([secret]), "%s" % (secret,)):
        assert password not in text
        assert secret["data"]["password"] not in text
    assert "<redacted>" in repr(secret)
    assert json.loads(json.dumps(secret))["data"]["password"] == secret["data"]["password"]


def test_manifest_users_login_only():
    cluster = make_cluster(users={"foo_user": [], "bar": ["createdb"], "group_role": ["nologin"]})
    names = [user.username for user in secrets.secret_users(cluster, make_cfg())]
    assert names == ["postgres", "standby", "bar", "foo_user"]
    secret_map = by_name(secrets.build_secrets(cluster, make_cfg()))
    assert "foo-user" + SUFFIX in secret_map
    assert decode(secret_map["foo-user" + SUFFIX], "username") == "foo_user"
    assert not any(name.startswith("group-role") for name in secret_map)


def test_protected_and_system_names_are_skipped_with_warning():
    cfg = make_cfg(protected_role_names=["admin"], super_username="pgadmin")
    cluster = make_cluster(users={"admin": [], "pgadmin": ["superuser"], "standby": [], "app": []})
    warnings = []
    users = secrets.secret_users(cluster, cfg, warnings)
    assert [(u.username, u.origin) for u in users] == [("pgadmin", "system"), ("standby", "system"), ("app", "manifest")]
    assert len(warnings) == 3
    assert any("'admin'" in w and "protected" in w for w in warnings)


def test_secret_name_template():
    cfg = make_cfg(secret_name_template="{cluster}-{username}-secret-{tprkind}")
    cluster = make_cluster(users={"app_user": []})
    names = [user.secret_name for user in secrets.secret_users(cluster, cfg)]
    assert names == ["acid-test-postgres-secret-postgresql", "acid-test-standby-secret-postgresql",
                     "acid-test-app-user-secret-postgresql"]


def test_cross_namespace_user_enabled():
    cfg = make_cfg(enable_cross_namespace_secret=True)
    cluster = make_cluster(namespace="db", users={"appspace.db_user": [], "local": []})
    users = dict((u.username, u) for u in secrets.secret_users(cluster, cfg))
    assert users["appspace.db_user"] == secrets.SecretUser(
        "appspace.db_user", "appspace", "appspace.db-user" + SUFFIX, "manifest")
    assert users["local"].namespace == "db"
    secret = by_name(secrets.build_secrets(cluster, cfg))["appspace.db-user" + SUFFIX]
    assert secret["metadata"]["namespace"] == "appspace"
    assert decode(secret, "username") == "appspace.db_user"


def test_cross_namespace_user_disabled_stays_in_cluster_namespace():
    cluster = make_cluster(namespace="db", users={"appspace.db_user": []})
    warnings = []
    users = dict((u.username, u) for u in secrets.secret_users(cluster, make_cfg(), warnings))
    assert users["appspace.db_user"].namespace == "db"
    assert users["appspace.db_user"].secret_name == "appspace.db-user" + SUFFIX
    assert len(warnings) == 1


def test_prepared_database_default_users():
    schemas = {"bar": {"defaultUsers": True}, "baz": {}}
    cluster = make_cluster(preparedDatabases={"foo": {"defaultUsers": True, "schemas": schemas}})
    names = [u.username for u in secrets.secret_users(cluster, make_cfg()) if u.origin == "prepared_database"]
    assert names == sorted(["foo_owner_user", "foo_reader_user", "foo_writer_user",
                            "foo_bar_owner_user", "foo_bar_reader_user", "foo_bar_writer_user"])


def test_prepared_database_without_default_users_has_no_secrets():
    cluster = make_cluster(preparedDatabases={})
    assert [u.origin for u in secrets.secret_users(cluster, make_cfg())] == ["system", "system"]


def test_prepared_database_empty_map_uses_cluster_name():
    assert secrets.prepared_databases(make_cluster(preparedDatabases={})) == {"acid_test": {}}


def test_prepared_schema_without_default_roles_gets_no_users():
    cluster = make_cluster(preparedDatabases={"foo": {"schemas": {"bar": {"defaultRoles": False, "defaultUsers": True}}}})
    assert [u.origin for u in secrets.secret_users(cluster, make_cfg())] == ["system", "system"]


def test_prepared_database_secret_namespace():
    spec = {"preparedDatabases": {"foo": {"defaultUsers": True, "secretNamespace": "apps"}}}
    enabled = secrets.secret_users(make_cluster(**spec), make_cfg(enable_cross_namespace_secret=True))
    assert set(u.namespace for u in enabled if u.origin == "prepared_database") == {"apps"}
    warnings = []
    disabled = secrets.secret_users(make_cluster(**spec), make_cfg(), warnings)
    assert set(u.namespace for u in disabled if u.origin == "prepared_database") == {"default"}
    assert warnings


def test_prepared_role_beats_manifest_user_of_same_name():
    spec = {"preparedDatabases": {"foo": {"defaultUsers": True, "secretNamespace": "apps"}},
            "users": {"foo_owner_user": [], "foo_owner": []}}
    users = secrets.secret_users(make_cluster(**spec), make_cfg(enable_cross_namespace_secret=True))
    clash = [u for u in users if u.username == "foo_owner_user"]
    assert len(clash) == 1
    assert clash[0].origin == "prepared_database"
    assert clash[0].namespace == "apps"
    # foo_owner is a NOLOGIN prepared role: it wins over the LOGIN manifest user, so no secret
    assert not [u for u in users if u.username == "foo_owner"]


def test_stream_user_when_streams_present():
    cluster = make_cluster(streams=[{"applicationId": "app", "database": "foo", "tables": {"data.t": {"eventType": "e"}}}])
    users = secrets.secret_users(cluster, make_cfg())
    assert ("fes_user", "stream") in [(u.username, u.origin) for u in users]


def test_existing_secret_keeps_credentials():
    cluster = make_cluster(users={"app": []})
    first = by_name(secrets.build_secrets(cluster, make_cfg()))
    existing = {"app" + SUFFIX: first["app" + SUFFIX]}
    second = by_name(secrets.build_secrets(cluster, make_cfg(), existing=existing))
    assert second["app" + SUFFIX]["data"] == first["app" + SUFFIX]["data"]
    assert second["postgres" + SUFFIX]["data"] != first["postgres" + SUFFIX]["data"]


def test_existing_secret_precreated_password_and_rotated_username():
    observed = {
        "metadata": {"name": "app" + SUFFIX, "namespace": "default", "resourceVersion": "7"},
        "data": {"username": base64.b64encode(b"app240101").decode(), "password": base64.b64encode(b"chosen").decode(),
                 "nextRotation": base64.b64encode(b"2026-01-01T00:00:00Z").decode()},
    }
    cluster = make_cluster(users={"app": []})
    secret = by_name(secrets.build_secrets(cluster, make_cfg(), existing={"default/app" + SUFFIX: observed}))["app" + SUFFIX]
    assert decode(secret, "username") == "app240101"
    assert decode(secret, "password") == "chosen"
    assert decode(secret, "nextRotation") == "2026-01-01T00:00:00Z"
    assert "resourceVersion" not in secret["metadata"]


def test_existing_secret_in_other_namespace_is_not_used():
    observed = {"metadata": {"name": "app" + SUFFIX, "namespace": "elsewhere"},
                "data": {"username": base64.b64encode(b"app").decode(), "password": base64.b64encode(b"chosen").decode()}}
    cluster = make_cluster(users={"app": []})
    secret = by_name(secrets.build_secrets(cluster, make_cfg(), existing={"app" + SUFFIX: observed}))["app" + SUFFIX]
    assert decode(secret, "password") != "chosen"


def test_existing_secret_without_password_gets_a_new_one():
    observed = {"metadata": {"name": "app" + SUFFIX}, "data": {"username": "!!not base64!!"}}
    secret = by_name(secrets.build_secrets(make_cluster(users={"app": []}), make_cfg(),
                                           existing={"app" + SUFFIX: observed}))["app" + SUFFIX]
    assert decode(secret, "username") == "app"
    assert len(decode(secret, "password")) == 64


def test_read_credentials():
    assert secrets.read_credentials({"stringData": {"username": "u", "password": "p"}}) == ("u", "p")
    assert secrets.read_credentials({"data": {"username": base64.b64encode(b"u").decode()}}) == ("u", None)
    assert secrets.read_credentials(None) == (None, None)
