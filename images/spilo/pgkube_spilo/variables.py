# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Environment variables of the Spilo contract that this image does not implement (yet).

Each one present in the environment is reported once, by name, with the reason; its value
is never printed (several of them are credentials).
"""

BACKUPS = "WAL archiving and base backups are not supported by this image yet"
CLONES = "clones are not supported by this image yet; the cluster bootstraps with initdb"
STANDBY = "standby clusters are not supported by this image yet; the cluster bootstraps as an independent primary"
LOG_SHIPPING = "log shipping is not supported by this image yet"
OTHER_DCS = "this image uses the Kubernetes DCS only"
PGBOUNCER = "there is no pgbouncer in this image"
NO_CRON = "this image runs no cron jobs"
CALLBACKS = "this image runs no Patroni callback scripts"
PG_MON = "pg_mon is not installed in this image"
PAM = "PAM (pam_oauth2) authentication is not supported by this image yet"
BOOTSTRAP_LABELS = "bootstrap labels need Patroni >= 4.1 and this image has Patroni 4.0"
BOOTSTRAP_USERS = "bootstrap.users was removed in Patroni 4 (no effect in Spilo either)"
SSL_RELOAD = "this image does not reload changed certificates"
PATRONI_ENV = "PATRONI_* variables do not reach Patroni (as in Spilo, whose Patroni runs with a scrubbed environment)"
NOT_APPLICABLE = "has no meaning for this image"

# (name or prefix ending in "_" or "*", reason); the first match wins.
RULES = (
    ("WAL_*", BACKUPS),
    ("WALE_*", BACKUPS),
    ("WALG_*", BACKUPS),
    ("USE_WALG*", BACKUPS),
    ("USE_WALE", BACKUPS),
    ("AWS_*", BACKUPS),
    ("BACKUP_*", BACKUPS),
    ("AZURE_*", BACKUPS),
    ("GOOGLE_APPLICATION_CREDENTIALS", BACKUPS),
    ("SWIFT_*", BACKUPS),
    ("ENABLE_WAL_PATH_COMPAT", BACKUPS),
    ("CLONE_*", CLONES),
    ("STANDBY_*", STANDBY),
    ("LOG_S3_*", LOG_SHIPPING),
    ("LOG_BUCKET_*", LOG_SHIPPING),
    ("LOG_SHIP_*", LOG_SHIPPING),
    ("LOG_GROUP_BY_DATE", LOG_SHIPPING),
    ("LOG_TMPDIR", LOG_SHIPPING),
    ("LOG_ENV_DIR", LOG_SHIPPING),
    ("ETCD_*", OTHER_DCS),
    ("ETCD3_*", OTHER_DCS),
    ("ZOOKEEPER_*", OTHER_DCS),
    ("EXHIBITOR_*", OTHER_DCS),
    ("CONSUL_*", OTHER_DCS),
    ("PGBOUNCER_*", PGBOUNCER),
    ("CRONTAB", NO_CRON),
    ("CALLBACK_SCRIPT", CALLBACKS),
    ("ENABLE_PG_MON", PG_MON),
    ("KUBERNETES_BOOTSTRAP_LABELS", BOOTSTRAP_LABELS),
    ("PGUSER_ADMIN", BOOTSTRAP_USERS),
    ("PGPASSWORD_ADMIN", BOOTSTRAP_USERS),
    ("USE_ADMIN", BOOTSTRAP_USERS),
    ("SSL_TEST_RELOAD", SSL_RELOAD),
    ("PATRONI_*", PATRONI_ENV),
    ("SPILO_PROVIDER", NOT_APPLICABLE),
    ("USE_OLD_LOCALES", NOT_APPLICABLE),
    ("DEMO", NOT_APPLICABLE),
    ("DEVELOP", NOT_APPLICABLE),
)

# Set by the operator on every pod, empty unless configured: only a non-empty value is reported.
IGNORED_WHEN_EMPTY = frozenset(["PAM_OAUTH2"])
RULES_WITH_VALUE = (("PAM_OAUTH2", PAM),)


def _matches(pattern, name):
    if pattern.endswith("*"):
        return name.startswith(pattern[:-1])
    return name == pattern


def reason_for(name):
    """Why ``name`` is ignored, or None when the image reads it (or it is not part of the contract)."""
    for pattern, reason in RULES:
        if _matches(pattern, name):
            return reason
    for pattern, reason in RULES_WITH_VALUE:
        if _matches(pattern, name):
            return reason
    return None


def unsupported(env):
    """``[(name, reason)]`` for every unsupported variable present in ``env``, sorted by name."""
    found = []
    for name in sorted(env):
        if name in IGNORED_WHEN_EMPTY and not env[name]:
            continue
        reason = reason_for(name)
        if reason:
            found.append((name, reason))
    return found


def report(env, messages):
    for name, reason in unsupported(env):
        messages.warning("ignoring %s: %s" % (name, reason))
