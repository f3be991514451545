# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Password verifiers as PostgreSQL stores them: md5 and SCRAM-SHA-256 (RFC 5802/7677).

``verify_password`` answers "does the stored verifier accept this password?" so that a sync
does not rewrite a SCRAM verifier whose only difference is its random salt (reference §10 row 17).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import concurrent.futures
import hashlib
import hmac
import os
import re
import secrets
import stringprep
import unicodedata

SCRAM_ITERATIONS = 4096
PARALLEL_FROM = 16  # password checks per thread below which threads are not worth starting
SCRAM_SALT_BYTES = 16
_SCRAM_RE = re.compile(r"^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$")
_MD5_RE = re.compile(r"^md5[0-9a-f]{32}$")


def is_md5_hash(value):
    return isinstance(value, str) and bool(_MD5_RE.match(value))


def is_scram_verifier(value):
    return isinstance(value, str) and bool(_SCRAM_RE.match(value))


def is_hashed(value):
    """True when ``value`` is already an md5 hash or a SCRAM verifier (passed through as is)."""
    return is_md5_hash(value) or is_scram_verifier(value)


def md5_hash(password, username):
    digest = hashlib.md5((password + username).encode("utf-8")).hexdigest()  # noqa: S324 - PostgreSQL's md5 format
    return "md5" + digest


def saslprep(password):
    """SASLprep (RFC 4013) as PostgreSQL applies it; on a prohibited input the raw password is used."""
    if all(ord(c) < 128 for c in password):
        return password
    mapped = "".join(" " if stringprep.in_table_c12(c) else c for c in password if not stringprep.in_table_b1(c))
    normal = unicodedata.normalize("NFKC", mapped)
    if not normal:
        return password
    prohibited = (stringprep.in_table_c12, stringprep.in_table_c21_c22, stringprep.in_table_c3, stringprep.in_table_c4,
                  stringprep.in_table_c5, stringprep.in_table_c6, stringprep.in_table_c7, stringprep.in_table_c8,
                  stringprep.in_table_c9, stringprep.in_table_a1)
    for c in normal:
        if any(check(c) for check in prohibited):
            return password
    has_ral = any(stringprep.in_table_d1(c) for c in normal)
    if has_ral:
        if any(stringprep.in_table_d2(c) for c in normal):
            return password
        if not (stringprep.in_table_d1(normal[0]) and stringprep.in_table_d1(normal[-1])):
            return password
    return normal


def _keys(password, salt, iterations):
    salted = hashlib.pbkdf2_hmac("sha256", saslprep(password).encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    return stored_key, server_key


def scram_verifier(password, salt=None, iterations=SCRAM_ITERATIONS):
    """Build ``SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>`` with a random salt."""
    if salt is None:
        salt = secrets.token_bytes(SCRAM_SALT_BYTES)
    stored_key, server_key = _keys(password, salt, iterations)
    b64 = base64.b64encode
    return "SCRAM-SHA-256$%d:%s$%s:%s" % (iterations, b64(salt).decode("ascii"), b64(stored_key).decode("ascii"),
                                          b64(server_key).decode("ascii"))


def verify_scram(verifier, password):
    match = _SCRAM_RE.match(verifier or "")
    if not match:
        return False
    try:
        iterations = int(match.group(1))
        salt = base64.b64decode(match.group(2), validate=True)
        stored_key = base64.b64decode(match.group(3), validate=True)
        server_key = base64.b64decode(match.group(4), validate=True)
    except (ValueError, TypeError):
        return False
    if iterations < 1 or iterations > 10000000:
        return False
    new_stored, new_server = _keys(password, salt, iterations)
    return hmac.compare_digest(new_stored, stored_key) and hmac.compare_digest(new_server, server_key)


def hash_password(password, username, encryption="scram-sha-256"):
    """Return what to send in ``PASSWORD``: hashes pass through, else md5 or a new SCRAM verifier."""
    if is_hashed(password):
        return password
    if encryption == "md5":
        return md5_hash(password, username)
    return scram_verifier(password)


def password_matches(stored, password, username, encryption="scram-sha-256"):
    """True when the stored verifier needs no change for ``password`` under ``encryption``.

    A stored md5 hash does not match when SCRAM is wanted (it is upgraded) and vice versa.
    """
    if stored is None:
        return password is None
    if password is None:
        return True
    if is_hashed(password):
        return hmac.compare_digest(stored.encode("utf-8"), password.encode("utf-8"))
    if encryption == "md5":
        return is_md5_hash(stored) and hmac.compare_digest(stored, md5_hash(password, username))
    return is_scram_verifier(stored) and verify_scram(stored, password)


def passwords_match(checks, encryption="scram-sha-256"):
    """``password_matches`` for many ``(stored, password, username)`` at once, in order.

    Checking a password against a SCRAM verifier costs a PBKDF2 of 4,096 rounds (about 1 ms here);
    hashlib runs it without the interpreter lock, so a thousand roles are checked on every core at
    once instead of one after the other."""
    checks = list(checks)

    def matches(check):
        return password_matches(check[0], check[1], check[2], encryption)
    threads = min(len(checks) // PARALLEL_FROM, os.cpu_count() or 1, 8)
    if threads <= 1:
        return [matches(check) for check in checks]
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(matches, checks))
