# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed field reading with collected errors, for the manifest model.

A ``Fields`` object walks a parsed YAML/JSON document. Each reader takes the parent
mapping, the key and the parent's path, returns the value (or the default) and records
a ``ValidationError`` with the full field path instead of raising, so that one pass
reports every problem. A ``null`` value counts as absent (the API server prunes nulls).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError, ValidationErrors

INT32_MAX = 2147483647
INT64_MAX = 9223372036854775807


def join(path, key):
    if isinstance(key, int):
        return "%s[%d]" % (path, key)
    return "%s.%s" % (path, key) if path else key


def describe(value):
    """Short description of a value's type for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean (%s)" % ("true" if value else "false")
    if isinstance(value, int):
        return "an integer (%d)" % value
    if isinstance(value, float):
        return "a number (%s)" % value
    if isinstance(value, str):
        return "a string (%r)" % (value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return "a %s" % type(value).__name__


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def scalar_text(value):
    """Strings stay; integers, numbers and booleans become strings; anything else: None."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return None


class Fields:
    """Collects errors and warnings while reading fields."""

    def __init__(self):
        self.errors = []
        self.warnings = []

    def error(self, path, reason):
        self.errors.append(ValidationError(path, reason))

    def warn(self, message):
        self.warnings.append(message)

    def raise_if_errors(self):
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise ValidationErrors(self.errors)

    def _get(self, obj, key, path, required):
        value = obj.get(key) if isinstance(obj, dict) else None
        if value is None and required:
            self.error(join(path, key), "is required")
        return value

    def string(self, obj, key, path, required=False, default=None, choices=None, non_empty=False):
        value = self._get(obj, key, path, required)
        if value is None:
            return default
        where = join(path, key)
        if not isinstance(value, str):
            self.error(where, "must be a string, got %s" % describe(value))
            return default
        if non_empty and not value.strip():
            self.error(where, "must not be empty")
            return default
        if choices is not None and value not in choices:
            self.error(where, "%r is not allowed; expected one of: %s" % (value, ", ".join(choices)))
            return default
        return value

    def _typed(self, obj, key, path, accepts, expected, default, required=False):
        """The value when ``accepts(value)``; else an error "must be <expected>, got ..." and ``default``."""
        value = self._get(obj, key, path, required)
        if value is None:
            return default
        if not accepts(value):
            self.error(join(path, key), "must be %s, got %s" % (expected, describe(value)))
            return default
        return value

    def boolean(self, obj, key, path, default=None):
        return self._typed(obj, key, path, lambda v: isinstance(v, bool), "a boolean (true or false)", default)

    def integer(self, obj, key, path, required=False, default=None, minimum=None, maximum=None):
        value = self._get(obj, key, path, required)
        if value is None:
            return default
        where = join(path, key)
        if not is_int(value):
            self.error(where, "must be an integer, got %s" % describe(value))
            return default
        if minimum is not None and value < minimum:
            self.error(where, "must be at least %d, got %d" % (minimum, value))
            return default
        if maximum is not None and value > maximum:
            self.error(where, "must be at most %d, got %d" % (maximum, value))
            return default
        return value

    def mapping(self, obj, key, path, default=None, required=False):
        return self._typed(obj, key, path, lambda v: isinstance(v, dict), "a mapping", default, required)

    def sequence(self, obj, key, path, default=None):
        return self._typed(obj, key, path, lambda v: isinstance(v, list), "a list", default)

    def string_list(self, obj, key, path, default=None):
        items = self.sequence(obj, key, path)
        if items is None:
            return default
        where = join(path, key)
        result = []
        for index, item in enumerate(items):
            if isinstance(item, str):
                result.append(item)
            else:
                self.error(join(where, index), "must be a string, got %s" % describe(item))
        return result

    def mapping_list(self, obj, key, path, default=None):
        """A list of mappings; returns (index, item) pairs of the good items."""
        items = self.sequence(obj, key, path)
        if items is None:
            return default
        where = join(path, key)
        result = []
        for index, item in enumerate(items):
            if isinstance(item, dict):
                result.append((index, item))
            else:
                self.error(join(where, index), "must be a mapping, got %s" % describe(item))
        return result

    def string_map(self, obj, key, path, default=None, coerce=False):
        """A map of strings to strings; ``coerce`` turns numbers and booleans into strings."""
        value = self.mapping(obj, key, path)
        if value is None:
            return default
        where = join(path, key)
        result = {}
        for name, item in value.items():
            text = scalar_text(item) if coerce else (item if isinstance(item, str) else None)
            if not isinstance(name, str):
                self.error(where, "keys must be strings, got %s" % describe(name))
            elif text is None:
                self.error(join(where, name), "must be a string, got %s" % describe(item))
            else:
                result[name] = text
        return result
