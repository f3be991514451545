# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificates: given contents are written, a missing key gets a self-signed pair, file checks follow PostgreSQL's rules."""

import os
import shutil

import pytest

from pgkube_spilo import tls
from pgkube_spilo.messages import Messages


def test_contents_are_written_and_existing_key_is_kept(tmp_path):
    env = {"SSL_CERTIFICATE_FILE": str(tmp_path / "c.crt"), "SSL_PRIVATE_KEY_FILE": str(tmp_path / "c.key"),
           "SSL_CERTIFICATE": "CERT", "SSL_PRIVATE_KEY": "KEY", "SSL_CA_FILE": str(tmp_path / "ca.crt"), "SSL_CA": "CA"}
    messages = Messages()
    files = tls.prepare(env, messages)
    assert files["cert"] == str(tmp_path / "c.crt")
    assert (tmp_path / "c.key").read_text() == "KEY\n"
    assert (tmp_path / "c.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "ca.crt").read_text() == "CA\n"
    assert not messages.lines


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs openssl")
def test_missing_key_gets_a_self_signed_certificate(tmp_path):
    env = {"SSL_CERTIFICATE_FILE": str(tmp_path / "s.crt"), "SSL_PRIVATE_KEY_FILE": str(tmp_path / "s.key")}
    messages = Messages()
    tls.prepare(env, messages)
    assert (tmp_path / "s.crt").read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert (tmp_path / "s.key").stat().st_mode & 0o777 == 0o600
    assert any("self-signed" in text for text in messages.texts("INFO"))
    assert "BEGIN" not in " ".join(messages.texts())


def test_postgres_key_rules(tmp_path):
    key = tmp_path / "k"
    key.write_text("k")
    uid = os.getuid()
    key.chmod(0o600)
    assert tls.key_acceptable(str(key), uid)
    key.chmod(0o640)
    assert not tls.key_acceptable(str(key), uid)
    if uid == 0:
        # a root-owned key may be group-readable when the server runs as another user
        assert tls.key_acceptable(str(key), 101)
        key.chmod(0o644)
        assert not tls.key_acceptable(str(key), 101)


def test_readable_by(tmp_path):
    path = tmp_path / "f"
    path.write_text("x")
    path.chmod(0o640)
    st = path.stat()
    assert tls.readable_by(str(path), st.st_uid + 1 or 1, {st.st_gid})
    assert not tls.readable_by(str(path), st.st_uid + 1 or 1, set())
    assert not tls.readable_by(str(tmp_path / "missing"), 5, set())
