# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Put images/ (the build machinery) and images/spilo/ (the entrypoint package) on sys.path."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
for path in (os.path.join(ROOT, "images"), os.path.join(ROOT, "images", "spilo")):
    if path not in sys.path:
        sys.path.insert(0, path)
