"""md5 and SCRAM-SHA-256 verifiers (pure)."""

import hashlib

from ansible_collections.pgkube.operator.plugins.module_utils.roles import scram


def test_md5_format():
    assert scram.md5_hash("secret", "alice") == "md5" + hashlib.md5(b"secretalice").hexdigest()
    assert scram.is_md5_hash(scram.md5_hash("x", "y"))


def test_scram_build_and_verify():
    verifier = scram.scram_verifier("pencil")
    assert verifier.startswith("SCRAM-SHA-256$4096:")
    assert scram.is_scram_verifier(verifier)
    assert scram.verify_scram(verifier, "pencil")
    assert not scram.verify_scram(verifier, "pencil ")
    assert scram.scram_verifier("pencil") != verifier  # random salt


def test_scram_fixed_salt_is_deterministic():
    salt = bytes(range(16))
    assert scram.scram_verifier("a", salt=salt) == scram.scram_verifier("a", salt=salt)


def test_verify_rejects_garbage():
    assert not scram.verify_scram("SCRAM-SHA-256$4096:!!!$a:b", "x")
    assert not scram.verify_scram("", "x")
    assert not scram.verify_scram(None, "x")


def test_password_matches_rules():
    verifier = scram.scram_verifier("pw")
    assert scram.password_matches(verifier, "pw", "u")
    assert not scram.password_matches(verifier, "other", "u")
    # md5 stored while SCRAM wanted: re-hash
    assert not scram.password_matches(scram.md5_hash("pw", "u"), "pw", "u")
    assert scram.password_matches(scram.md5_hash("pw", "u"), "pw", "u", encryption="md5")
    assert not scram.password_matches(verifier, "pw", "u", encryption="md5")
    # hashes pass through and compare as strings
    assert scram.password_matches(verifier, verifier, "u")
    assert scram.hash_password(verifier, "u") == verifier
    # no password wanted: whatever is stored is fine
    assert scram.password_matches(verifier, None, "u")


def test_saslprep_maps_nonascii_spaces():
    assert scram.saslprep("a\u00a0b") == "a b"
    assert scram.saslprep("I\u00adX") == "IX"
    assert scram.saslprep("plain") == "plain"


def test_many_passwords_are_checked_in_parallel_with_the_same_verdicts():
    checks = []
    for number in range(60):
        password = "secret-%d" % number
        stored = scram.scram_verifier(password, iterations=64)
        # every third check has the wrong password; some are md5, hashed or absent
        checks.append((stored, password if number % 3 else "wrong", "user%d" % number))
    checks += [(scram.md5_hash("pw", "u"), "pw", "u"), (None, "pw", "u"), ("SCRAM-SHA-256$bad", "pw", "u"), (None, None, "u")]
    assert scram.passwords_match(checks) == [scram.password_matches(*check) for check in checks]
    assert scram.passwords_match(checks).count(True) == 40 + 1
