"""Password rotation decisions and dates (pure)."""

from datetime import datetime, timezone

from ansible_collections.pgkube.operator.plugins.module_utils.roles import rotation
from ansible_collections.pgkube.operator.plugins.module_utils.roles.secrets_data import Credential, normalize_credentials
from ansible_collections.pgkube.operator.plugins.module_utils.roles.settings import RoleSettings
from ansible_collections.pgkube.operator.plugins.module_utils.roles.spec import RoleSpec, ORIGIN_MANIFEST, ORIGIN_BOOTSTRAP, ORIGIN_INFRASTRUCTURE

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=timezone.utc)
CFG = RoleSettings.from_config({"password_rotation_interval": 10, "password_rotation_user_retention": 15})


def fixed():
    return "NEWPASSWORD"


def test_first_check_sets_next_rotation():
    result = rotation.plan_rotation({"u": "rotation"}, {"u": Credential("u", "p")}, CFG, NOW, password_factory=fixed)
    assert result.credentials["u"].next_rotation == "2026-05-30T12:00:00Z"
    assert result.credentials["u"].password == "p"


def test_shorter_interval_pulls_date_forward():
    result = rotation.plan_rotation({"u": "rotation"}, {"u": Credential("u", "p", "2026-12-01T00:00:00Z")}, CFG, NOW)
    assert result.credentials["u"].next_rotation == "2026-05-30T12:00:00Z"


def test_not_due():
    result = rotation.plan_rotation({"u": "rotation"}, {"u": Credential("u", "p", "2026-05-25T00:00:00Z")}, CFG, NOW)
    assert result.credentials == {}


def test_due_new_user_and_retention():
    existing = ["u", "u260101", "u260510", "u260520", "user2", "u12345x"]
    result = rotation.plan_rotation({"u": "rotation"}, {"u": Credential("u", "p", "2026-05-19T00:00:00Z")}, CFG, NOW,
                                    existing_roles=existing, password_factory=fixed)
    cred = result.credentials["u"]
    assert (cred.username, cred.password, cred.next_rotation) == ("u260520", "NEWPASSWORD", "2026-05-30T12:00:00Z")
    # retention max(15, 2*10) = 20 days: cutoff 2026-04-30
    assert result.drop_roles == ["u260101"]
    assert "NEWPASSWORD" not in " ".join(result.events) and "NEWPASSWORD" not in repr(cred)


def test_due_in_place():
    result = rotation.plan_rotation({"u": "inplace"}, {"u": Credential("u", "p", "2026-05-01T00:00:00Z")}, CFG, NOW, password_factory=fixed)
    assert result.credentials["u"].username == "u" and result.credentials["u"].password == "NEWPASSWORD"


def test_disabled_resets():
    result = rotation.plan_rotation({}, {"u": Credential("u260101", "p", "2026-05-01T00:00:00Z")}, CFG, NOW, password_factory=fixed)
    assert result.credentials["u"].username == "u" and result.credentials["u"].next_rotation is None


def test_eligibility():
    roles = {"m": RoleSpec("m", ORIGIN_MANIFEST, ["LOGIN"]), "owner": RoleSpec("owner", ORIGIN_MANIFEST, ["LOGIN"], is_db_owner=True),
             "b": RoleSpec("b", ORIGIN_BOOTSTRAP, ["LOGIN"]), "i": RoleSpec("i", ORIGIN_INFRASTRUCTURE, ["LOGIN"]),
             "nl": RoleSpec("nl", ORIGIN_MANIFEST, []), "postgres": RoleSpec("postgres", 4, ["LOGIN"])}
    cfg = RoleSettings.from_config({"enable_password_rotation": True})
    warnings = []
    spec = {"usersWithInPlaceSecretRotation": ["i"], "usersIgnoringSecretRotation": ["b"], "usersWithSecretRotation": ["postgres", "ghost"]}
    assert rotation.eligible_users(spec, cfg, roles, warnings) == {"m": "rotation", "i": "inplace"}
    assert len(warnings) == 2


def test_apply_rotation_roles_and_credentials():
    from ansible_collections.pgkube.operator.plugins.module_utils.roles.spec import DesiredState
    desired = DesiredState()
    desired.add_role(RoleSpec("u", ORIGIN_MANIFEST, ["LOGIN", "CREATEDB"], parameters={"a": "b"}, password="old"))
    creds = normalize_credentials({"u": {"username": "u260520", "password": "np"}})
    rotation.apply_rotation_roles(desired, creds)
    new = desired.roles["u260520"]
    assert new.member_of == ["u"] and new.flags == ["CREATEDB", "LOGIN"] and new.password == "np" and new.parameters == {"a": "b"}
    assert desired.roles["u"].password is None


def test_generated_password():
    value = rotation.generate_password()
    assert len(value) == 64 and value.isalnum()
