# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unsupported Spilo variables are reported once, by name, never with their value."""

from pgkube_spilo import variables
from pgkube_spilo.messages import Messages

SECRET = "do-not-print-this-value"


def report(env):
    messages = Messages()
    variables.report(env, messages)
    return messages.texts()


def test_clone_message():
    texts = report({"CLONE_METHOD": "CLONE_WITH_WALE", "CLONE_SCOPE": "source"})
    assert "ignoring CLONE_METHOD: clones are not supported by this image yet; the cluster bootstraps with initdb" in texts
    assert any(text.startswith("ignoring CLONE_SCOPE:") for text in texts)


def test_each_family_is_reported():
    env = {name: SECRET for name in ("WAL_S3_BUCKET", "WALE_S3_PREFIX", "WALG_GS_PREFIX", "USE_WALG_BACKUP", "AWS_SECRET_ACCESS_KEY",
                                     "BACKUP_SCHEDULE", "STANDBY_HOST", "LOG_S3_BUCKET", "LOG_BUCKET_SCOPE_SUFFIX", "AZURE_STORAGE_ACCOUNT",
                                     "GOOGLE_APPLICATION_CREDENTIALS", "ETCD_HOST", "KUBERNETES_BOOTSTRAP_LABELS", "PGPASSWORD_ADMIN",
                                     "PGBOUNCER_CONFIGURATION", "CRONTAB", "ENABLE_WAL_PATH_COMPAT", "PATRONI_LOG_LEVEL", "PAM_OAUTH2")}
    texts = report(env)
    assert len(texts) == len(env)
    for name in env:
        assert sum(1 for text in texts if text.startswith("ignoring %s:" % name)) == 1
    assert not any(SECRET in text for text in texts)
    assert any("Patroni >= 4.1" in text for text in texts if "KUBERNETES_BOOTSTRAP_LABELS" in text)
    assert any("independent primary" in text for text in texts if "STANDBY_HOST" in text)


def test_supported_and_kubelet_variables_are_not_reported():
    env = {"SCOPE": "c", "PGROOT": "/x", "POD_IP": "1.2.3.4", "KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443",
           "KUBERNETES_PORT_443_TCP": "tcp://10.0.0.1:443", "KUBERNETES_LABELS": "{}", "KUBERNETES_USE_CONFIGMAPS": "true",
           "SPILO_CONFIGURATION": "{}", "PGPASSWORD_SUPERUSER": SECRET, "SSL_CERTIFICATE_FILE": "/tls/tls.crt", "ALLOW_NOSSL": "",
           "HUMAN_ROLE": "zalandos", "PGVERSION": "17", "DCS_ENABLE_KUBERNETES_API": "true", "HOSTNAME": "c-0"}
    assert report(env) == []


def test_empty_pam_oauth2_is_not_reported():
    assert report({"PAM_OAUTH2": ""}) == []
    assert report({"PAM_OAUTH2": "https://auth.example/tokeninfo?access_token= uid realm=/employees"}) == [
        "ignoring PAM_OAUTH2: " + variables.PAM]
