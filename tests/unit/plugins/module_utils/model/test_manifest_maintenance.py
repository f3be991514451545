# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Maintenance windows: parsing rules (reference §2.2) and the in-window check."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.model.maintenance import (
    MaintenanceWindow, format_window, in_maintenance_window, parse_window)

UTC = datetime.timezone.utc
# 2026-03-02 is a Monday
MONDAY = datetime.date(2026, 3, 2)


def at(day_offset, hour, minute, tz=UTC):
    day = MONDAY + datetime.timedelta(days=day_offset)
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


@pytest.mark.parametrize("text, weekday, start, end", [
    ("01:00-06:00", None, (1, 0), (6, 0)),
    ("Sat:00:00-04:00", 5, (0, 0), (4, 0)),
    ("Mon:22:30-23:59", 0, (22, 30), (23, 59)),
    ("Sun:10:00-Sun:11:00", 6, (10, 0), (11, 0)),
    ("1:00-2:30", None, (1, 0), (2, 30)),
    (" 03:00-04:00 ", None, (3, 0), (4, 0)),
    ("05:00-05:00", None, (5, 0), (5, 0)),
])
def test_parse_window(text, weekday, start, end):
    window = parse_window(text)
    assert window.weekday == weekday
    assert window.everyday is (weekday is None)
    assert window.start == datetime.time(*start)
    assert window.end == datetime.time(*end)


@pytest.mark.parametrize("text, fragment", [
    ("06:00-01:00", "before the start"),
    ("Mon:06:00-01:00", "before the start"),
    ("01:00:00-02:00:00", "no seconds"),
    ("01:00-02:00:30", "not a time"),
    ("Foo:01:00-02:00", "not a weekday"),
    ("mon:01:00-02:00", "not a weekday"),
    ("Monday:01:00-02:00", "not a time"),
    ("Mon:01:00-Tue:02:00", "same day"),
    ("24:00-24:30", "valid time"),
    ("01:60-02:00", "valid time"),
    ("01:00", "HH:MM-HH:MM"),
    ("01:00-02:00-03:00", "HH:MM-HH:MM"),
    ("1-2", "not a time"),
    ("", "HH:MM-HH:MM"),
    (None, "string"),
    (100, "string"),
])
def test_parse_window_rejects(text, fragment):
    with pytest.raises(ValueError) as info:
        parse_window(text)
    assert fragment in str(info.value)


def test_format_window_round_trip():
    for text in ("01:00-06:00", "Sat:00:00-04:00"):
        assert format_window(parse_window(text)) == text


def test_no_windows_means_always_in_window():
    assert in_maintenance_window([], at(0, 12, 0)) is True
    assert in_maintenance_window(None, at(0, 12, 0)) is True
    assert in_maintenance_window([]) is True


def test_everyday_window_with_inclusive_ends():
    windows = [parse_window("01:00-06:00")]
    assert in_maintenance_window(windows, at(3, 1, 0))
    assert in_maintenance_window(windows, at(3, 6, 0))
    assert in_maintenance_window(windows, at(3, 6, 0).replace(second=59))
    assert not in_maintenance_window(windows, at(3, 6, 1))
    assert not in_maintenance_window(windows, at(3, 0, 59))


def test_weekday_window_only_on_that_day():
    windows = ["Sat:00:00-04:00"]
    assert in_maintenance_window(windows, at(5, 2, 0))
    assert not in_maintenance_window(windows, at(4, 2, 0))
    assert not in_maintenance_window(windows, at(6, 2, 0))


def test_any_of_several_windows():
    windows = [parse_window("Mon:01:00-02:00"), parse_window("Wed:01:00-02:00")]
    assert in_maintenance_window(windows, at(2, 1, 30))
    assert not in_maintenance_window(windows, at(1, 1, 30))


def test_times_are_utc():
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    windows = ["Mon:01:00-02:00"]
    # 03:30 at +02:00 on Monday is 01:30 UTC on Monday
    assert in_maintenance_window(windows, at(0, 3, 30, tz=plus_two))
    # 01:30 at +02:00 on Monday is 23:30 UTC on Sunday
    assert not in_maintenance_window(windows, at(0, 1, 30, tz=plus_two))
    # naive datetimes are taken as UTC
    assert in_maintenance_window(windows, datetime.datetime(2026, 3, 2, 1, 30))


def test_window_equality():
    assert parse_window("Sat:00:00-04:00") == MaintenanceWindow(5, datetime.time(0, 0), datetime.time(4, 0))
    assert parse_window("00:00-04:00") != parse_window("Sat:00:00-04:00")
