# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes resource quantities: parse, validate, compare.

Two layers:

* ``CPU_PATTERN`` / ``MEMORY_PATTERN`` are the patterns the ``postgresql`` CRD puts
  on manifest fields (reference §2.2); ``check_cpu`` / ``check_memory`` apply them and
  return a reason string (``None`` when the value is fine).
* ``parse_quantity`` reads any Kubernetes quantity (``"250m"``, ``"1.5Gi"``, ``"1e3"``,
  ``"2"``) into a ``Decimal`` of base units (cores or bytes), for comparisons.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from decimal import Decimal, InvalidOperation

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError

CPU_PATTERN = re.compile(r"^(\d+m|\d+(\.\d{1,3})?)$")
MEMORY_PATTERN = re.compile(r"^(\d+(e\d+)?|\d+(\.\d+)?(e\d+)?[EPTGMK]i?)$")

CPU_FORM = "cores as an integer or with up to 3 decimals (\"2\", \"0.5\") or millicores (\"500m\")"
MEMORY_FORM = "bytes (\"1073741824\", \"1e9\") or a number with a suffix Ki, Mi, Gi, Ti, Pi, Ei, M, G, T, P, E (\"512Mi\", \"1.5Gi\", \"10G\")"

_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "K": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_QUANTITY = re.compile(r"^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkKMGTPE])?$")


class InvalidQuantity(ValidationError, ValueError):
    """A string that is not a Kubernetes quantity."""


def parse_quantity(value, path="quantity"):
    """Return the quantity ``value`` as a ``Decimal`` of base units (cores or bytes).

    Accepts strings in Kubernetes quantity syntax and plain numbers. Raises
    ``InvalidQuantity`` (a ``ValidationError`` and a ``ValueError``) naming ``path``.
    Lenient where Kubernetes is strict in one place: an upper-case ``K`` is read as
    kilo (1000), as the CRD pattern allows it.
    """
    if isinstance(value, bool) or value is None:
        raise InvalidQuantity(path, "%r is not a quantity" % (value,))
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if not isinstance(value, str):
        raise InvalidQuantity(path, "%r is not a quantity" % (value,))
    match = _QUANTITY.match(value.strip())
    if not match:
        raise InvalidQuantity(path, "%r is not a Kubernetes quantity" % (value,))
    sign, number, suffix = match.group(1), match.group(2), match.group(3) or ""
    try:
        amount = Decimal(number)
    except InvalidOperation:
        raise InvalidQuantity(path, "%r is not a Kubernetes quantity" % (value,))
    if suffix in _BINARY:
        amount = amount * (Decimal(1024) ** _BINARY[suffix])
    elif suffix[:1] in ("e", "E") and len(suffix) > 1:
        amount = amount.scaleb(int(suffix[1:]))
    else:
        amount = amount.scaleb(_DECIMAL[suffix])
    return -amount if sign == "-" else amount


def check_cpu(value):
    """Reason why ``value`` is not a manifest CPU quantity, or ``None``."""
    if not isinstance(value, str):
        return "must be a string with a CPU quantity: %s" % CPU_FORM
    if not CPU_PATTERN.match(value):
        return "%r is not a CPU quantity; expected %s" % (value, CPU_FORM)
    return None


def check_memory(value):
    """Reason why ``value`` is not a manifest memory / volume size quantity, or ``None``.

    Beyond the CRD pattern, a bare ``K`` suffix is refused: the CRD pattern lets it
    through but Kubernetes does not know it (kilo is ``k``, kibi is ``Ki``).
    """
    if not isinstance(value, str):
        return "must be a string with a quantity: %s" % MEMORY_FORM
    if not MEMORY_PATTERN.match(value):
        return "%r is not a memory quantity; expected %s" % (value, MEMORY_FORM)
    if value.endswith("K"):
        return "%r: the suffix K is not a Kubernetes quantity suffix, use Ki (1024 bytes)" % (value,)
    return None


def compare_quantities(left, right):
    """-1, 0 or 1 as ``left`` is smaller than, equal to or larger than ``right``."""
    a, b = parse_quantity(left), parse_quantity(right)
    return (a > b) - (a < b)
