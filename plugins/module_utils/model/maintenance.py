# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Maintenance windows (``spec.maintenanceWindows``, cfg ``maintenance_windows``).

A window is ``"HH:MM-HH:MM"`` (every day) or ``"Ddd:HH:MM-HH:MM"`` (one weekday,
``Ddd`` in Mon..Sun); times are UTC, minutes only (no seconds), and the end must
not be before the start. ``"Ddd:HH:MM-Ddd:HH:MM"`` with the same day is accepted too
(the CRD pattern allows it). Both ends are inclusive at minute resolution, as upstream.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
EXPECTED_FORM = "expected \"HH:MM-HH:MM\" (every day) or \"Ddd:HH:MM-HH:MM\" with Ddd one of %s; times in UTC, no seconds" % ", ".join(WEEKDAYS)

_END = re.compile(r"^(?:(?P<day>[A-Za-z]{3}):)?(?P<hour>\d{1,2}):(?P<minute>\d{2})$")


class MaintenanceWindow:
    """One parsed window; ``weekday`` is None for every day, else 0 (Mon) .. 6 (Sun)."""

    __slots__ = ("weekday", "start", "end", "text")

    def __init__(self, weekday, start, end, text=None):
        self.weekday = weekday
        self.start = start
        self.end = end
        self.text = text

    @property
    def everyday(self):
        return self.weekday is None

    def contains(self, now):
        """True when the UTC datetime ``now`` lies in this window (ends inclusive)."""
        now = _as_utc(now)
        if self.weekday is not None and now.weekday() != self.weekday:
            return False
        minute = datetime.time(now.hour, now.minute)
        return self.start <= minute <= self.end

    def __eq__(self, other):
        return isinstance(other, MaintenanceWindow) and (self.weekday, self.start, self.end) == (other.weekday, other.start, other.end)

    def __hash__(self):
        return hash((self.weekday, self.start, self.end))

    def __repr__(self):
        return "MaintenanceWindow(%r)" % (self.text or format_window(self),)


def _parse_end(text):
    """(weekday or None, time) for one side of the window; raises ValueError."""
    match = _END.match(text)
    if not match:
        raise ValueError("%r is not a time; %s" % (text, EXPECTED_FORM))
    day = match.group("day")
    weekday = None
    if day is not None:
        if day not in WEEKDAYS:
            raise ValueError("%r is not a weekday (use one of %s)" % (day, ", ".join(WEEKDAYS)))
        weekday = WEEKDAYS.index(day)
    hour, minute = int(match.group("hour")), int(match.group("minute"))
    if hour > 23 or minute > 59:
        raise ValueError("%r is not a valid time of day (00:00 to 23:59)" % (text,))
    return weekday, datetime.time(hour, minute)


def parse_window(text):
    """Parse one window string; raises ``ValueError`` with a readable reason."""
    if not isinstance(text, str):
        raise ValueError("must be a string, %s" % EXPECTED_FORM)
    parts = text.strip().split("-")
    if len(parts) != 2:
        raise ValueError("%r is not a maintenance window; %s" % (text, EXPECTED_FORM))
    start_day, start = _parse_end(parts[0].strip())
    end_day, end = _parse_end(parts[1].strip())
    if end_day is not None and end_day != start_day:
        raise ValueError("%r: a window starts and ends on the same day; write \"Ddd:HH:MM-HH:MM\"" % (text,))
    if end < start:
        raise ValueError("%r: the end %s is before the start %s (a window cannot cross midnight; split it in two)"
                         % (text, end.strftime("%H:%M"), start.strftime("%H:%M")))
    return MaintenanceWindow(start_day, start, end, text)


def parse_windows(texts):
    return [parse_window(text) for text in texts or []]


def format_window(window):
    span = "%s-%s" % (window.start.strftime("%H:%M"), window.end.strftime("%H:%M"))
    return span if window.weekday is None else "%s:%s" % (WEEKDAYS[window.weekday], span)


def _as_utc(now):
    if now.tzinfo is None:
        return now
    return now.astimezone(datetime.timezone.utc)


def in_maintenance_window(windows, now=None):
    """True when ``now`` (default: current UTC time) is inside one of ``windows``.

    ``windows`` are ``MaintenanceWindow`` objects or window strings. No windows at all
    means "always in window" (upstream ``isInMaintenanceWindow``). A naive ``now`` is
    taken as UTC.
    """
    if not windows:
        return True
    if now is None:
        now = datetime.datetime.now(datetime.timezone.utc)
    for window in windows:
        if isinstance(window, str):
            window = parse_window(window)
        if window.contains(now):
            return True
    return False
