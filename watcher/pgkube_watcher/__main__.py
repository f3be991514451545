# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``python -m pgkube_watcher``: make the collection importable, then run the watcher."""

import sys

from pgkube_watcher.bootstrap import ensure_collection


def run():
    ensure_collection()
    from pgkube_watcher.main import main  # pylint: disable=import-outside-toplevel
    return main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(run())
