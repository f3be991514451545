# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Collected log lines: pure code appends, the launcher prints them (never a secret's value)."""

import sys


class Messages:
    def __init__(self):
        self.lines = []

    def add(self, level, text):
        self.lines.append((level, text))

    def info(self, text):
        self.add("INFO", text)

    def warning(self, text):
        self.add("WARNING", text)

    def error(self, text):
        self.add("ERROR", text)

    def texts(self, level=None):
        return [text for lvl, text in self.lines if level is None or lvl == level]

    def flush(self, stream=None):
        stream = stream or sys.stderr
        for level, text in self.lines:
            stream.write("pgkube-spilo %s: %s\n" % (level, text))
        stream.flush()
        self.lines = []
