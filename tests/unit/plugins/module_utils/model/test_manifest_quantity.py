# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes quantities: CRD patterns for manifest fields, parsing for comparisons."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from decimal import Decimal

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError
from ansible_collections.pgkube.operator.plugins.module_utils.model.quantity import (
    InvalidQuantity, check_cpu, check_memory, compare_quantities, parse_quantity)


@pytest.mark.parametrize("text, expected", [
    ("1", Decimal(1)),
    ("250m", Decimal("0.25")),
    ("0.5", Decimal("0.5")),
    ("1.5Gi", Decimal(1024 ** 3) * Decimal("1.5")),
    ("512Mi", Decimal(512 * 1024 ** 2)),
    ("1Ki", Decimal(1024)),
    ("2Ti", Decimal(2 * 1024 ** 4)),
    ("1Ei", Decimal(1024 ** 6)),
    ("1k", Decimal(1000)),
    ("1K", Decimal(1000)),
    ("10G", Decimal(10 ** 10)),
    ("1M", Decimal(10 ** 6)),
    ("3P", Decimal(3 * 10 ** 15)),
    ("1e3", Decimal(1000)),
    ("1.5e3", Decimal(1500)),
    ("1E6", Decimal(10 ** 6)),
    ("100n", Decimal("1E-7")),
    ("5u", Decimal("0.000005")),
    (".5", Decimal("0.5")),
    ("-1", Decimal(-1)),
    (3, Decimal(3)),
    (0.25, Decimal("0.25")),
])
def test_parse_quantity(text, expected):
    assert parse_quantity(text) == expected


@pytest.mark.parametrize("text", ["", "Gi", "1 Gi", "1GB", "1.2.3", "abc", "1Gib", None, True, [], "1iB"])
def test_parse_quantity_rejects(text):
    with pytest.raises(InvalidQuantity) as info:
        parse_quantity(text, path="spec.volume.size")
    assert isinstance(info.value, ValidationError) and isinstance(info.value, ValueError)
    assert str(info.value).startswith("spec.volume.size: ")


def test_compare_quantities_across_units():
    assert compare_quantities("1Gi", "1024Mi") == 0
    assert compare_quantities("1G", "1Gi") == -1
    assert compare_quantities("1500m", "1") == 1
    assert compare_quantities("0.25", "250m") == 0


@pytest.mark.parametrize("value", ["1", "100m", "0.5", "2.125", "12000m"])
def test_cpu_pattern_accepts(value):
    assert check_cpu(value) is None


@pytest.mark.parametrize("value", ["1.2345", "100M", "0.5m", "1Gi", "-1", "", " 1", 1, "1e3"])
def test_cpu_pattern_rejects(value):
    reason = check_cpu(value)
    assert reason and "millicores" in reason


@pytest.mark.parametrize("value", ["1Gi", "512Mi", "1.5Gi", "1000", "1e9", "1.5e3Mi", "10G", "2Ti", "1Ki", "3Ei"])
def test_memory_pattern_accepts(value):
    assert check_memory(value) is None


@pytest.mark.parametrize("value", ["1GB", "1gi", "1.5", "1 Gi", "Gi", "", "1k", "100m", 1024, "-1Gi"])
def test_memory_pattern_rejects(value):
    reason = check_memory(value)
    assert reason and "Gi" in reason


def test_memory_bare_upper_k_is_refused_with_advice():
    # the CRD pattern allows "K", Kubernetes does not: say what to write instead
    reason = check_memory("512K")
    assert reason and "Ki" in reason
