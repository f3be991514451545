# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Patroni configuration from the pod environment: pure functions, no I/O.

:func:`build_config` takes the environment (a dict) and :class:`Facts` about the container
and returns the configuration dict plus :class:`~pgkube_spilo.messages.Messages`. The steps
follow Spilo's order: generated configuration -> DCS section -> ``SPILO_CONFIGURATION``
merged over it (the user wins, lists are replaced) -> ``bin_dir`` -> legacy pg_hba check.
"""

import copy
import json
import shlex

import yaml

from pgkube_spilo.messages import Messages

PGHOME = "/home/postgres"
DEFAULT_PGROOT = PGHOME + "/pgdata/pgroot"
RUN_DIR = "/run/spilo"
CONFIG_PATH = RUN_DIR + "/postgres.yml"
PGPASS_PATH = RUN_DIR + "/pgpass"
CERT_DIR = "/run/certs"
SOCKET_DIR = "/var/run/postgresql"
POST_INIT = "/scripts/post_init.sh"
BIN_DIR_TEMPLATE = "/usr/lib/postgresql/%s/bin"
DEFAULT_LABELS = {"application": "spilo"}
MIB = 1024 * 1024


class ConfigError(ValueError):
    """The environment cannot give a usable configuration (e.g. SPILO_CONFIGURATION is not a mapping)."""


class Facts:
    """What the launcher found out about the container (see :mod:`pgkube_spilo.system`).

    ``installed``: ``{major: bin_dir}`` of the PostgreSQL versions in the image;
    ``data_version``: the data directory's ``PG_VERSION`` (None when there is none);
    ``memory_bytes``: min(cgroup memory limit, physical memory), None when unknown.
    """

    def __init__(self, hostname="localhost", pod_ip="127.0.0.1", installed=None, data_version=None, memory_bytes=None,
                 on_kubernetes=True):
        self.hostname = hostname
        self.pod_ip = pod_ip
        self.installed = dict(installed if installed is not None else {"17": BIN_DIR_TEMPLATE % "17"})
        self.data_version = data_version
        self.memory_bytes = memory_bytes
        self.on_kubernetes = on_kubernetes


def get(env, name, default=""):
    """``env[name]``, with an empty value counting as unset."""
    value = env.get(name)
    return value if value else default


def is_true(value):
    return (value or "").strip().lower() == "true"


def paths(env):
    pgroot = get(env, "PGROOT", DEFAULT_PGROOT).rstrip("/") or "/"
    return {
        "pgroot": pgroot,
        "pgdata": get(env, "PGDATA", pgroot + "/data"),
        "pglog": pgroot + "/pg_log",
    }


def port(env, name, default, messages):
    value = get(env, name, str(default))
    try:
        number = int(value)
        if 0 < number < 65536:
            return number
    except ValueError:
        pass
    messages.warning("%s is not a port number; using %d" % (name, default))
    return default


def address(host, port_number):
    """``host:port``, IPv6 addresses in brackets."""
    if ":" in host and not host.startswith("["):
        host = "[%s]" % host
    return "%s:%d" % (host, port_number)


def parse_labels(value, messages):
    """``KUBERNETES_LABELS``: a JSON object of label names to values; the default on anything else."""
    if not value:
        return dict(DEFAULT_LABELS)
    try:
        labels = json.loads(value)
    except ValueError:
        labels = None
    if not isinstance(labels, dict) or not all(isinstance(k, str) for k in labels):
        messages.warning("KUBERNETES_LABELS is not a JSON object of labels; using %s" % json.dumps(DEFAULT_LABELS))
        return dict(DEFAULT_LABELS)
    return {key: val if isinstance(val, str) else json.dumps(val) for key, val in labels.items()}


def memory_mb(facts):
    return facts.memory_bytes // MIB if facts.memory_bytes else None


def shared_buffers(facts):
    """A fifth of the memory on Kubernetes, a quarter elsewhere (Spilo), in MB."""
    mb = memory_mb(facts)
    if not mb:
        return "128MB"
    return "%dMB" % max(mb // (5 if facts.on_kubernetes else 4), 16)


def max_connections(facts):
    mb = memory_mb(facts) or 0
    return min(max(100, mb // 30), 1000)


def pg_hba(env, standby_user):
    """Spilo's default pg_hba: local trust, loopback md5, replication and remote access over SSL only."""
    allow_nossl = bool(env.get("ALLOW_NOSSL"))
    rules = [
        "local   all             all                         trust",
        "host    all             all          127.0.0.1/32   md5",
        "host    all             all          ::1/128        md5",
        "local   replication     %s                 trust" % standby_user,
        "hostssl replication     %s           all            md5" % standby_user,
    ]
    if allow_nossl:
        rules.append("host    all             all          all            md5")
    else:
        rules.append("hostnossl all           all          all            reject")
        rules.append("hostssl all             all          all            md5")
    return rules


def dcs_defaults(facts):
    """``bootstrap.dcs``: written to the DCS once, at cluster initialisation."""
    return {
        "ttl": 30,
        "loop_wait": 10,
        "retry_timeout": 10,
        "maximum_lag_on_failover": 33554432,
        "postgresql": {
            "use_pg_rewind": True,
            "use_slots": True,
            "parameters": {
                "archive_mode": "on",
                "archive_timeout": "1800s",
                "wal_level": "hot_standby",
                "wal_log_hints": "on",
                "wal_compression": "on",
                "max_wal_senders": 10,
                "max_replication_slots": 10,
                "hot_standby": "on",
                "max_connections": max_connections(facts),
                "tcp_keepalives_idle": 900,
                "tcp_keepalives_interval": 100,
                "log_line_prefix": "%t [%p]: [%l-1] %c %x %d %u %a %h ",
                "log_checkpoints": "on",
                "log_lock_waits": "on",
                "log_min_duration_statement": 500,
                "log_autovacuum_min_duration": 0,
                "log_connections": "on",
                "log_disconnections": "on",
                "log_statement": "ddl",
                "log_temp_files": 0,
                "track_functions": "all",
                "checkpoint_completion_target": 0.9,
                "autovacuum_max_workers": 5,
                "autovacuum_vacuum_scale_factor": 0.05,
                "autovacuum_analyze_scale_factor": 0.02,
            },
        },
    }


def tls_paths(env):
    """The certificate files PostgreSQL uses: ``SSL_*_FILE`` or the defaults under /run/certs."""
    files = {
        "cert": get(env, "SSL_CERTIFICATE_FILE", CERT_DIR + "/server.crt"),
        "key": get(env, "SSL_PRIVATE_KEY_FILE", CERT_DIR + "/server.key"),
        "ca": get(env, "SSL_CA_FILE", CERT_DIR + "/ca.crt" if env.get("SSL_CA") else ""),
        "crl": get(env, "SSL_CRL_FILE", CERT_DIR + "/server.crl" if env.get("SSL_CRL") else ""),
    }
    return files


def local_parameters(facts, tls):
    """``postgresql.parameters``: local to the pod, rewritten at every start."""
    parameters = {
        "archive_command": "/bin/true",
        "shared_buffers": shared_buffers(facts),
        "logging_collector": "on",
        "log_destination": "csvlog",
        "log_directory": "../pg_log",
        "log_filename": "postgresql-%u.log",
        "log_file_mode": "0644",
        "log_rotation_age": "1d",
        "log_truncate_on_rotation": "on",
        "ssl": "on",
        "ssl_cert_file": tls["cert"],
        "ssl_key_file": tls["key"],
        # Spilo preloads bg_mon, pgextwlist, pg_auth_mon, set_user, timescaledb, pg_cron and
        # pg_stat_kcache too; this image carries none of them.
        "shared_preload_libraries": "pg_stat_statements",
        "pg_stat_statements.track_utility": "off",
    }
    if tls.get("ca"):
        parameters["ssl_ca_file"] = tls["ca"]
    if tls.get("crl"):
        parameters["ssl_crl_file"] = tls["crl"]
    return parameters


def kubernetes_section(env, facts, pgport, messages):
    """The Kubernetes DCS: ConfigMaps when ``KUBERNETES_USE_CONFIGMAPS`` is non-empty, else Endpoints."""
    section = {
        "role_label": get(env, "KUBERNETES_ROLE_LABEL", "spilo-role"),
        "scope_label": get(env, "KUBERNETES_SCOPE_LABEL", "version"),
        "labels": parse_labels(env.get("KUBERNETES_LABELS"), messages),
        # Patroni 4 would write "primary"; the operator's Services and PDBs select spilo-role=master.
        "leader_label_value": get(env, "KUBERNETES_LEADER_LABEL_VALUE", "master"),
        "standby_leader_label_value": get(env, "KUBERNETES_STANDBY_LEADER_LABEL_VALUE", "master"),
    }
    for name, key in (("KUBERNETES_FOLLOWER_LABEL_VALUE", "follower_label_value"), ("KUBERNETES_TMP_ROLE_LABEL", "tmp_role_label")):
        if env.get(name):
            section[key] = env[name]
    if is_true(env.get("KUBERNETES_BYPASS_API_SERVICE", "true")):
        section["bypass_api_service"] = True
    if not env.get("KUBERNETES_USE_CONFIGMAPS"):
        section["use_endpoints"] = True
        section["pod_ip"] = get(env, "POD_IP", facts.pod_ip)
        section["ports"] = [{"name": "postgresql", "port": pgport}]
    if not env.get("DCS_ENABLE_KUBERNETES_API"):
        messages.warning("DCS_ENABLE_KUBERNETES_API is empty: this image has no other DCS, so it uses the Kubernetes API anyway")
    if not facts.on_kubernetes:
        messages.warning("KUBERNETES_SERVICE_HOST is not set: Patroni will not reach a Kubernetes API")
    return section


def deep_merge(base, override):
    """``override`` merged into a copy of ``base``: mappings recursively, lists and scalars replaced, null ignored."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        if value is None:
            continue
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def user_configuration(env):
    """``SPILO_CONFIGURATION`` (or ``PATRONI_CONFIGURATION``) parsed as YAML/JSON; ``{}`` when unset."""
    name = "SPILO_CONFIGURATION" if env.get("SPILO_CONFIGURATION") else "PATRONI_CONFIGURATION"
    text = env.get(name)
    if not text:
        return {}
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = " (line %d, column %d)" % (mark.line + 1, mark.column + 1) if mark else ""
        raise ConfigError("%s is not valid YAML or JSON%s" % (name, where))
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError("%s must be a mapping, not %s" % (name, type(document).__name__))
    return document


def _version_key(version):
    try:
        return (0, float(version))
    except ValueError:
        return (1, 0.0)


def newest(installed):
    return sorted(installed, key=_version_key)[-1]


def choose_bin_dir(data_version, user_bin_dir, pgversion, installed, messages):
    """``bin_dir``: the data directory's version > SPILO_CONFIGURATION's bin_dir > PGVERSION > the newest installed."""
    carried = ", ".join(sorted(installed, key=_version_key)) or "none"
    if data_version:
        if data_version in installed:
            chosen = installed[data_version]
            if user_bin_dir and user_bin_dir.rstrip("/") != chosen:
                messages.info("the data directory is PostgreSQL %s: using %s, not SPILO_CONFIGURATION's bin_dir %s"
                              % (data_version, chosen, user_bin_dir))
            if pgversion and pgversion != data_version:
                messages.warning("PGVERSION=%s but the data directory is PostgreSQL %s: this image does not upgrade in place; "
                                 "running %s" % (pgversion, data_version, data_version))
            return chosen
        messages.error("the data directory is PostgreSQL %s, which this image does not carry (it has: %s); "
                       "PostgreSQL will refuse to start" % (data_version, carried))
    if user_bin_dir:
        if user_bin_dir.rstrip("/") in installed.values():
            return user_bin_dir.rstrip("/")
        messages.error("SPILO_CONFIGURATION asks for bin_dir %s, which this image does not carry (it has PostgreSQL %s)"
                       % (user_bin_dir, carried))
    if pgversion:
        if pgversion in installed:
            return installed[pgversion]
        messages.error("PGVERSION=%s: PostgreSQL %s is not installed in this image (it has: %s); using %s"
                       % (pgversion, pgversion, carried, newest(installed)))
    return installed[newest(installed)]


def generated_config(env, facts, messages, tls=None):
    """Spilo's template, before SPILO_CONFIGURATION."""
    places = paths(env)
    pgport = port(env, "PGPORT", 5432, messages)
    apiport = port(env, "APIPORT", 8008, messages)
    pod_ip = get(env, "POD_IP", facts.pod_ip)
    standby_user = get(env, "PGUSER_STANDBY", "standby")
    human_role = get(env, "HUMAN_ROLE", "zalandos")
    tls = tls or tls_paths(env)
    config = {
        "scope": get(env, "SCOPE", "dummy"),
        "name": get(env, "HOSTNAME", facts.hostname),
        "restapi": {
            "listen": address("::" if ":" in pod_ip else "0.0.0.0", apiport),
            "connect_address": get(env, "RESTAPI_CONNECT_ADDRESS", address(pod_ip, apiport)),
        },
        "bootstrap": {
            "dcs": dcs_defaults(facts),
            "initdb": [{"encoding": "UTF8"}, {"locale": get(env, "INITDB_LOCALE", "en_US") + ".UTF-8"}, "data-checksums"],
            "post_init": "%s %s" % (POST_INIT, shlex.quote(human_role)),
        },
        "postgresql": {
            "listen": "*:%d" % pgport,
            "connect_address": get(env, "PG_CONNECT_ADDRESS", address(pod_ip, pgport)),
            "data_dir": places["pgdata"],
            "pgpass": PGPASS_PATH,
            "use_unix_socket": True,
            "use_unix_socket_repl": True,
            "authentication": {
                "superuser": {"username": get(env, "PGUSER_SUPERUSER", "postgres"),
                              "password": get(env, "PGPASSWORD_SUPERUSER", "zalando")},
                "replication": {"username": standby_user, "password": get(env, "PGPASSWORD_STANDBY", "standby")},
            },
            "basebackup": [{"checkpoint": "fast"}],
            "parameters": local_parameters(facts, tls),
            "pg_hba": pg_hba(env, standby_user),
        },
    }
    restapi_tls = (("SSL_RESTAPI_CERTIFICATE_FILE", "certfile"), ("SSL_RESTAPI_PRIVATE_KEY_FILE", "keyfile"),
                   ("SSL_RESTAPI_CA_FILE", "cafile"))
    for name, key in restapi_tls:
        if env.get(name):
            config["restapi"][key] = env[name]
    config["kubernetes"] = kubernetes_section(env, facts, pgport, messages)
    namespace = get(env, "NAMESPACE", get(env, "POD_NAMESPACE", "default"))
    if namespace != "default":
        config["namespace"] = namespace
    return config


def legacy_pg_hba_check(config, standby_user):
    """A ``bootstrap.pg_hba`` without a replication line gets one first (Spilo)."""
    rules = config.get("bootstrap", {}).get("pg_hba")
    if isinstance(rules, list) and not any("replication" in str(rule) for rule in rules):
        config["bootstrap"]["pg_hba"] = ["hostssl replication %s all md5" % standby_user] + rules


def build_config(env, facts, tls=None):
    """``(config, messages)``; raises :class:`ConfigError` when SPILO_CONFIGURATION is unusable."""
    messages = Messages()
    config = generated_config(env, facts, messages, tls)
    user = user_configuration(env)
    user_bin_dir = None
    if isinstance(user.get("postgresql"), dict) and user["postgresql"].get("bin_dir"):
        user_bin_dir = str(user["postgresql"]["bin_dir"])
    config = deep_merge(config, user)
    config["postgresql"]["bin_dir"] = choose_bin_dir(facts.data_version, user_bin_dir, get(env, "PGVERSION"), facts.installed,
                                                     messages)
    legacy_pg_hba_check(config, get(env, "PGUSER_STANDBY", "standby"))
    return config, messages


SECRET_KEYS = frozenset(["password"])


def redacted(config):
    """A copy of the configuration with every password replaced, for printing."""
    if isinstance(config, dict):
        return {key: ("<redacted>" if key in SECRET_KEYS and value is not None else redacted(value)) for key, value in config.items()}
    if isinstance(config, list):
        return [redacted(item) for item in config]
    return config


def dump(config):
    return yaml.safe_dump(config, default_flow_style=False, sort_keys=False)
