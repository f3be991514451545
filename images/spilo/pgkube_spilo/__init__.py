# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The entrypoint of pgkube's Spilo-compatible image: environment in, Patroni configuration out.

``config`` and ``variables`` are pure (environment and a few facts in, data and messages out);
``system`` probes the container, ``tls`` prepares certificates, ``launch`` prepares the
directories and execs Patroni, ``post_init`` creates the roles the operator expects.
See docs/spilo-image.md.
"""
