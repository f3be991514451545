# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``spilo``: PostgreSQL 17 + Patroni on Debian trixie, with our Spilo-compatible entrypoint.

The ``postgres`` user gets uid 101 / gid 103 (as in the Spilo image) before PostgreSQL is
installed, so the packages adopt it. No default cluster is created. The entrypoint package
``pgkube_spilo`` goes to the system Python's dist-packages, ``/launch.sh`` and
``/scripts/post_init.sh`` are the two paths Spilo users know.
"""

import os
import shutil

from pgkube_images import chroot, runc
from pgkube_images.proc import log

NAME = "spilo"
PG_MAJOR = "17"
REPOSITORY = "pgkube.local/spilo-" + PG_MAJOR
SUITE = "trixie"
HOST_TOOLS = ("debootstrap", "runc")
POSTGRES_UID = 101
POSTGRES_GID = 103
# patroni depends on one of several DCS client libraries; naming the small pysyncobj keeps
# apt from choosing python3-consul. The Kubernetes DCS needs none of them.
PACKAGES = (
    "locales",
    "postgresql-%s" % PG_MAJOR,
    "postgresql-%s-partman" % PG_MAJOR,
    "patroni",
    "python3-pysyncobj",
    "python3-yaml",
    "python3-psycopg2",
    "openssl",
    "procps",
    "util-linux",
)
VERSIONS_OF = ("postgresql-%s" % PG_MAJOR, "postgresql-%s-partman" % PG_MAJOR, "patroni", "python3")
LOCALES = ("en_US.UTF-8 UTF-8", "C.UTF-8 UTF-8")
PATH = "/usr/lib/postgresql/%s/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" % PG_MAJOR
CONFIG_PATH = "/run/spilo/postgres.yml"
# Directories the entrypoint writes, owned by postgres in the image so a non-root start works.
POSTGRES_DIRS = (
    ("home/postgres", 0o755),
    ("home/postgres/pgdata", 0o700),
    ("home/postgres/.config/patroni", 0o755),
    ("run/spilo", 0o700),
    ("run/certs", 0o700),
    ("run/postgresql", 0o2775),
)
NO_MAIN_CLUSTER = "# pgkube: Patroni creates the cluster, not the package\ncreate_main_cluster = false\n"


def spilo_dir(ctx):
    return os.path.join(ctx.images_dir, "spilo")


def add_inputs(ctx, key):
    key.add_tree(spilo_dir(ctx), "spilo")
    key.add_text("suite", SUITE)
    key.add_text("packages", "\n".join(PACKAGES))


def _write(rootfs, rel, text, mode=0o644):
    path = os.path.join(rootfs, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, mode)


def build(ctx, rootfs):
    chroot.shell(rootfs, "groupadd --system --gid %d postgres && useradd --system --uid %d --gid %d --home-dir /home/postgres "
                         "--no-create-home --shell /bin/bash --comment 'PostgreSQL administrator' postgres"
                 % (POSTGRES_GID, POSTGRES_UID, POSTGRES_GID))
    _write(rootfs, "etc/postgresql-common/createcluster.d/pgkube.conf", NO_MAIN_CLUSTER)
    chroot.apt_install(rootfs, PACKAGES)
    _write(rootfs, "etc/locale.gen", "".join(line + "\n" for line in LOCALES))
    chroot.chroot(rootfs, ["locale-gen"])

    source = spilo_dir(ctx)
    package = os.path.join(rootfs, "usr/lib/python3/dist-packages/pgkube_spilo")
    shutil.copytree(os.path.join(source, "pgkube_spilo"), package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(os.path.join(source, "launch.sh"), os.path.join(rootfs, "launch.sh"))
    os.makedirs(os.path.join(rootfs, "scripts"), exist_ok=True)
    shutil.copy2(os.path.join(source, "post_init.sh"), os.path.join(rootfs, "scripts/post_init.sh"))
    for rel in ("launch.sh", "scripts/post_init.sh"):
        os.chmod(os.path.join(rootfs, rel), 0o755)
    chroot.chroot(rootfs, ["python3", "-m", "compileall", "-q", "/usr/lib/python3/dist-packages/pgkube_spilo"])

    for rel, mode in POSTGRES_DIRS:
        path = os.path.join(rootfs, rel)
        os.makedirs(path, exist_ok=True)
        os.chown(path, POSTGRES_UID, POSTGRES_GID)
        os.chmod(path, mode)
    for link, owner in (("home/postgres/.config/patroni/patronictl.yaml", True), ("root/.config/patroni/patronictl.yaml", False),
                        ("home/postgres/postgres.yml", True)):
        path = os.path.join(rootfs, link)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.symlink(CONFIG_PATH, path)
        if owner:
            os.lchown(path, POSTGRES_UID, POSTGRES_GID)
    for parent in ("home/postgres/.config",):
        os.chown(os.path.join(rootfs, parent), POSTGRES_UID, POSTGRES_GID)

    ctx.versions = chroot.package_versions(rootfs, VERSIONS_OF)
    log("spilo packages: %s", ", ".join("%s %s" % item for item in sorted(ctx.versions.items())))
    return {
        "Env": ["PATH=" + PATH, "LC_ALL=en_US.UTF-8", "LANG=en_US.UTF-8", "PGHOME=/home/postgres",
                "PGROOT=/home/postgres/pgdata/pgroot"],
        "Cmd": ["/bin/sh", "/launch.sh", "init"],
        "WorkingDir": "/home/postgres",
        "ExposedPorts": {"5432/tcp": {}, "8008/tcp": {}},
        "Labels": {"io.pgkube.image": NAME, "io.pgkube.postgresql": ctx.versions.get("postgresql-%s" % PG_MAJOR, ""),
                   "io.pgkube.patroni": ctx.versions.get("patroni", "")},
    }


# A database round trip inside the image: the entrypoint's prepare step (directories, self-signed
# certificate, configuration), initdb, post_init twice (idempotent), the extensions of the complete
# example manifest, psql as root over the socket and a password login over TLS.
DB_CHECK = r"""
set -eu
export SCOPE=verify HOSTNAME=verify-0 POD_IP=10.1.2.3 PGPASSWORD_SUPERUSER=verify-password-1 PGPASSWORD_STANDBY=verify-password-2
export HUMAN_ROLE=zalandos KUBERNETES_USE_CONFIGMAPS=true DCS_ENABLE_KUBERNETES_API=true KUBERNETES_SERVICE_HOST=127.0.0.1
/bin/sh /launch.sh prepare
patroni --validate-config /run/spilo/postgres.yml
test "$(readlink /root/.config/patroni/patronictl.yaml)" = /run/spilo/postgres.yml
D=/home/postgres/pgdata/pgroot/data
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
as_pg initdb -D "$D" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >/dev/null
echo "hostssl all all 127.0.0.1/32 scram-sha-256" >> "$D/pg_hba.conf"
OPTS="-c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file=/run/certs/server.crt -c ssl_key_file=/run/certs/server.key"
as_pg pg_ctl -D "$D" -w -s -l /home/postgres/pgdata/pgroot/pg_log/verify.log -o "$OPTS -c shared_preload_libraries=pg_stat_statements" start
as_pg /scripts/post_init.sh zalandos "postgres://postgres@/postgres?host=/var/run/postgresql"
as_pg /scripts/post_init.sh zalandos "postgres://postgres@/postgres?host=/var/run/postgresql"
ROLES="'admin','cron_admin','zalandos','robot_zmon'"
echo "roles: $(psql -U postgres -Atc "select string_agg(rolname, ',' order by rolname) from pg_roles where rolname in ($ROLES)")"
echo "admin: $(psql -U postgres -Atc "select rolcreatedb::text || rolcanlogin::text from pg_roles where rolname = 'admin'")"
echo "cron_admin granted: $(psql -U postgres -Atc "select pg_has_role('admin', 'cron_admin', 'member')")"
psql -U postgres -q -c "create extension pg_partman schema public" -c "create schema data" -c "create extension pgcrypto schema data"
echo "extensions: $(psql -U postgres -Atc "select string_agg(extname, ',' order by extname) from pg_extension")"
echo "locale: $(psql -U postgres -Atc "select datcollate from pg_database where datname = 'postgres'")"
psql -U postgres -q -c "alter role postgres password 'verify-password-1'"
TCP="host=127.0.0.1 user=postgres dbname=postgres sslmode=require"
echo "tls: $(PGPASSWORD=verify-password-1 psql "$TCP" -Atc "select ssl from pg_stat_ssl where pid = pg_backend_pid()")"
as_pg pg_ctl -D "$D" -w -s stop
"""

NON_ROOT_CHECK = r"""
set -eu
export SCOPE=verify HOSTNAME=verify-0 POD_IP=10.1.2.3 PGPASSWORD_SUPERUSER=verify-password-1 KUBERNETES_SERVICE_HOST=127.0.0.1
/bin/sh /launch.sh prepare
ls -ln /run/certs/server.key | awk '{print "key owner: " $3 ":" $4}'
patroni --validate-config /run/spilo/postgres.yml
echo non-root-ok
"""


def check(ctx, bundle, state):
    env = runc.image_env(ctx.image_config)
    ctx.expect(runc.run(bundle, state, ["postgres", "--version"], env), "postgres --version", 0, "(PostgreSQL) %s." % PG_MAJOR)
    ctx.expect(runc.run(bundle, state, ["patroni", "--version"], env), "patroni --version", 0, "patroni 4.0")
    ctx.expect(runc.run(bundle, state, ["locale", "-a"], env), "locale -a", 0, "en_US.utf8")
    ctx.expect(runc.run(bundle, state, ["locale", "-a"], env), "locale -a", 0, "C.utf8")
    for tool in ("/bin/bash", "/usr/bin/id", "/bin/su", "/usr/bin/python3", "/usr/bin/tee", "/usr/bin/tail", "/usr/bin/setpriv",
                 "/usr/bin/openssl", "/usr/bin/ps"):
        ctx.expect(runc.run(bundle, state, ["test", "-x", tool], env), "test -x " + tool, 0)

    sample = dict(env, SCOPE="demo", HOSTNAME="demo-0", POD_IP="10.0.0.7", POD_NAMESPACE="apps", PGPASSWORD_SUPERUSER="secret-value-1",
                  PGPASSWORD_STANDBY="secret-value-2", KUBERNETES_LABELS='{"application":"spilo"}', KUBERNETES_SCOPE_LABEL="cluster-name",
                  KUBERNETES_ROLE_LABEL="spilo-role", DCS_ENABLE_KUBERNETES_API="true", CLONE_METHOD="CLONE_WITH_WALE",
                  AWS_SECRET_ACCESS_KEY="secret-value-3", KUBERNETES_SERVICE_HOST="10.0.0.1")
    result = runc.run(bundle, state, ["/bin/sh", "/launch.sh", "print-config"], sample)
    ctx.expect(result, "launch.sh print-config", 0, "ignoring CLONE_METHOD")
    ctx.expect(result, "launch.sh print-config", 0, "bin_dir: /usr/lib/postgresql/%s/bin" % PG_MAJOR)
    ctx.expect(result, "launch.sh print-config", 0, "leader_label_value: master")
    if "secret-value" in result.output:
        raise AssertionError("launch.sh print-config printed a secret:\n" + result.output)

    result = runc.run(bundle, state, ["/bin/sh", "-c", NON_ROOT_CHECK], env, uid=POSTGRES_UID, gid=POSTGRES_GID, read_only=False)
    ctx.expect(result, "prepare as uid 101", 0, "non-root-ok")
    ctx.expect(result, "prepare as uid 101", 0, "key owner: %d:%d" % (POSTGRES_UID, POSTGRES_GID))
    ctx.expect(result, "prepare as uid 101", 0, "generated a self-signed certificate")

    result = runc.run(bundle, state, ["/bin/sh", "-c", DB_CHECK], env, read_only=False, timeout=240)
    for expected in ("roles: admin,cron_admin,robot_zmon,zalandos", "admin: truefalse", "cron_admin granted: t",
                     "extensions: pg_partman,pgcrypto,plpgsql", "locale: en_US.UTF-8", "tls: t"):
        ctx.expect(result, "database round trip", 0, expected)
    if "verify-password" in result.output:
        raise AssertionError("the entrypoint printed a password:\n" + result.output)
