"""Planning (pure): desired vs observed -> statements; masked text; no-op plans."""

from ansible_collections.pgkube.operator.plugins.module_utils.roles import scram
from ansible_collections.pgkube.operator.plugins.module_utils.roles.observe import Observed, ObservedRole, ObservedDatabase
from ansible_collections.pgkube.operator.plugins.module_utils.roles.plan import build_plan, parse_list_value, MARKER
from ansible_collections.pgkube.operator.plugins.module_utils.roles.spec import (
    DesiredState, RoleSpec, DatabaseSpec, ORIGIN_MANIFEST, ORIGIN_GROUP,
)


def desired_with(*roles, databases=()):
    desired = DesiredState()
    for role in roles:
        desired.add_role(role)
    for db in databases:
        desired.databases[db.name] = db
    return desired


def texts(plan):
    return [s.text for s in plan.statements]


def test_create_orders_groups_first_and_masks_password():
    desired = desired_with(RoleSpec("app", ORIGIN_MANIFEST, ["LOGIN"], member_of=["grp"], admin_role="admin", password="s3cret"),
                           RoleSpec("grp", ORIGIN_GROUP), RoleSpec("admin", ORIGIN_GROUP))
    plan = build_plan(desired, Observed())
    t = texts(plan)
    assert t.index('CREATE ROLE "grp" WITH NOLOGIN') < t.index('CREATE ROLE "app" WITH LOGIN IN ROLE "grp" ADMIN "admin" PASSWORD \'********\'')
    assert all("s3cret" not in x for x in t)
    assert sorted(plan.roles_created) == ["admin", "app", "grp"]
    assert f"COMMENT ON ROLE \"app\" IS '{MARKER}'" in t


def test_noop_when_everything_matches():
    verifier = scram.scram_verifier("pw")
    desired = desired_with(RoleSpec("app", ORIGIN_MANIFEST, ["CREATEDB", "LOGIN", "NOSUPERUSER"], member_of=["grp"], admin_role="grp",
                                    password="pw", parameters={"search_path": '"$user", data', "work_mem": "4MB"}),
                           RoleSpec("grp", ORIGIN_GROUP), databases=[DatabaseSpec("d", "app")])
    observed = Observed({
        "app": ObservedRole("app", ["LOGIN", "CREATEDB", "INHERIT"], ["grp", "extra"], ["grp"],
                            {"search_path": '"$user", data', "work_mem": "4MB"}, verifier),
        "grp": ObservedRole("grp", [], [], [], {}, None),
    }, {"d": ObservedDatabase("d", "app")})
    assert build_plan(desired, observed).statements == []


def test_additive_alter():
    desired = desired_with(RoleSpec("app", ORIGIN_MANIFEST, ["CREATEDB", "LOGIN", "NOREPLICATION"], member_of=["g1", "g2"],
                                    parameters={"search_path": "a, b"}),
                           RoleSpec("g1", ORIGIN_GROUP), RoleSpec("g2", ORIGIN_GROUP))
    observed = Observed({
        "app": ObservedRole("app", ["LOGIN", "REPLICATION", "SUPERUSER"], ["g1", "old"], [], {"search_path": "b, a", "stale": "x"}, None),
        "g1": ObservedRole("g1", [], [], [], {}, None), "g2": ObservedRole("g2", [], [], [], {}, None),
    })
    assert texts(build_plan(desired, observed)) == [
        'ALTER ROLE "app" WITH CREATEDB NOREPLICATION', 'GRANT "g2" TO "app"',
        'ALTER ROLE "app" SET "search_path" TO "a", "b"', 'ALTER ROLE "app" RESET "stale"']


def test_password_rewritten_only_when_it_differs():
    role = RoleSpec("app", ORIGIN_MANIFEST, ["LOGIN"], password="new")
    observed = Observed({"app": ObservedRole("app", ["LOGIN"], [], [], {}, scram.scram_verifier("old"))})
    plan = build_plan(desired_with(role), observed)
    assert texts(plan) == ["ALTER ROLE \"app\" PASSWORD '********'"]

    def literals(obj):
        if hasattr(obj, "seq"):
            return [x for part in obj.seq for x in literals(part)]
        return [obj.wrapped] if obj.__class__.__name__ == "Literal" else []
    literal = literals(plan.statements[0].sql)[0]
    assert scram.verify_scram(literal, "new")


def test_identifiers_and_literals_quoted():
    role = RoleSpec('we"ird', ORIGIN_MANIFEST, ["LOGIN"], parameters={"application_name": "it's \\ me"})
    t = texts(build_plan(desired_with(role), Observed()))
    assert 'CREATE ROLE "we""ird" WITH LOGIN' in t
    assert "ALTER ROLE \"we\"\"ird\" SET \"application_name\" TO E'it''s \\\\ me'" in t


def test_absent_policies():
    observed = Observed({"gone": ObservedRole("gone", ["LOGIN"], [], [], {}, None, comment=MARKER),
                         "foreign": ObservedRole("foreign", ["LOGIN"], [], [], {}, None)},
                        {"olddb": ObservedDatabase("olddb", "gone", comment=MARKER)})
    desired = desired_with()
    assert build_plan(desired, observed, absent="keep").statements == []
    assert texts(build_plan(desired, observed, absent="rename")) == [
        'ALTER ROLE "gone" WITH NOLOGIN', 'ALTER ROLE "gone" RENAME TO "gone_deleted"', 'ALTER DATABASE "olddb" RENAME TO "olddb_deleted"']
    plan = build_plan(desired, observed, absent="drop")
    assert texts(plan) == ['DROP ROLE "gone"', 'DROP DATABASE "olddb"']
    assert plan.statements[0].late and not plan.statements[1].transactional


def test_database_owner_change_and_create():
    desired = desired_with(RoleSpec("o", ORIGIN_MANIFEST, ["LOGIN"]), databases=[DatabaseSpec("a", "o"), DatabaseSpec("b", "o")])
    observed = Observed({"o": ObservedRole("o", ["LOGIN"], [], [], {}, None)}, {"a": ObservedDatabase("a", "postgres")})
    plan = build_plan(desired, observed)
    assert texts(plan) == ['ALTER DATABASE "a" OWNER TO "o"', 'CREATE DATABASE "b" OWNER "o"', "COMMENT ON DATABASE \"b\" IS '%s'" % MARKER]
    assert plan.databases_created == ["b"] and plan.databases_altered == ["a"]


def test_parse_list_value():
    assert parse_list_value('"$user", data') == ["$user", "data"]
    assert parse_list_value('"a""b", c') == ['a"b', "c"]
    assert parse_list_value("") == []


def test_a_regenerated_password_creates_a_role_but_never_replaces_its_password():
    """Issue 12, defect 6: the password of a Secret created anew is not pushed into an existing role."""
    kept = RoleSpec("app", ORIGIN_MANIFEST, ["LOGIN"], password="new-pw", keep_password=True, regenerated=True)
    same = RoleSpec("back", ORIGIN_MANIFEST, ["LOGIN"], password="old-pw", keep_password=True, regenerated=True)
    fresh = RoleSpec("fresh", ORIGIN_MANIFEST, ["LOGIN"], password="pw", keep_password=True, regenerated=True)
    observed = Observed({"app": ObservedRole("app", ["LOGIN", "INHERIT"], [], [], {}, scram.scram_verifier("old-pw")),
                         "back": ObservedRole("back", ["LOGIN", "INHERIT"], [], [], {}, scram.scram_verifier("old-pw"))})
    plan = build_plan(desired_with(kept, same, fresh), observed)
    assert [t for t in texts(plan) if "PASSWORD" in t] == ['CREATE ROLE "fresh" WITH LOGIN PASSWORD \'********\'']
    assert plan.passwords_held == ["app"]
    assert sorted(plan.passwords_in_effect) == ["back", "fresh"]
