# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options shared by the modules that talk to PostgreSQL (community.postgresql names)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  login_user:
    description:
      - The user to connect as (a superuser; the role sync creates and alters roles).
    type: str
    default: postgres
    aliases: [ login ]
  login_password:
    description:
      - The password of O(login_user).
      - With a cluster reference (O(name)) and no value here, the superuser password is read from the superuser's Secret.
    type: str
    default: ''
  login_host:
    description:
      - Host to connect to. Empty with O(login_unix_socket) set means the socket is used.
      - With a cluster reference (O(name)) and no value here, the master Service C(<cluster>.<namespace>.svc.<cluster_domain>) is used.
    type: str
    default: ''
  login_unix_socket:
    description:
      - Directory of the server's unix socket.
    type: str
    default: ''
  login_port:
    description:
      - Port to connect to.
    type: int
    default: 5432
  login_db:
    description:
      - Database to connect to for the role sync (roles are cluster-wide).
    type: str
    default: postgres
  ssl_mode:
    description:
      - libpq C(sslmode).
    type: str
    default: prefer
    choices: [ allow, disable, prefer, require, verify-ca, verify-full ]
  ca_cert:
    description:
      - File with the certificate authority certificates (libpq C(sslrootcert)).
    type: str
    aliases: [ ssl_rootcert ]
  connect_timeout:
    description:
      - Seconds to wait for a connection.
    type: int
    default: 15
  statement_timeout:
    description:
      - Seconds each SQL statement may run (PostgreSQL's C(statement_timeout) for the module's sessions);
        V(0) means no limit.
      - A statement that takes longer, for example one waiting for a lock, fails the task with a message naming the server.
      - TCP keepalives (10 s idle, 3 probes 5 s apart) end a session whose server stopped answering.
    type: int
    default: 60
notes:
  - The connection options have the names and meaning of the C(community.postgresql) collection.
requirements:
  - psycopg2
'''
