# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``python3 -m pgkube_spilo [init|prepare|print-config]`` (what /launch.sh runs)."""

import sys

from pgkube_spilo.launch import main

if __name__ == "__main__":
    sys.exit(main())
