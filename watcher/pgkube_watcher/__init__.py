# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pgkube watcher: the long-running process that keeps every ``postgresql`` cluster converged.

See docs/watcher.md. Entry point: ``python -m pgkube_watcher --watches watches.yaml``.
"""

__version__ = "0.1.0"
