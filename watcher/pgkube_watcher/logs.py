# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Logging: plain text or one JSON object per line (``ENABLE_JSON_LOGGING``), never secrets.

Nothing the watcher logs carries secret values by construction (objects are never dumped whole); the
``RedactingFilter`` is a second line of defence that masks ``password=...``-like fragments and
base64 Secret ``data`` maps should one slip into a message.
"""

import json
import logging
import re
import sys
import time

from ansible_collections.pgkube.operator.plugins.module_utils.status import mask_secrets

# the values (key=value, "key": "value", URIs) are masked as in status and Events (status.mask_secrets),
# so the field paths of our own messages ("spec.tls.secretName: must not be empty") keep their words
_SECRET_DATA = re.compile(r"(?i)(\"data\"\s*:\s*\{)[^}]*(\})")
REDACTED = "<redacted>"


def redact_text(text):
    text = mask_secrets(text)
    return _SECRET_DATA.sub(lambda m: m.group(1) + REDACTED + m.group(2), text)


class RedactingFilter(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "msg", ...extra "cluster"/"worker"}``."""

    def format(self, record):
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + ".%03dZ" % record.msecs,
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for field in ("cluster", "worker", "engine"):
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["error"] = redact_text(self.formatException(record.exc_info))
        return json.dumps(entry, sort_keys=True)


class PlainFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record):
        text = super().format(record)
        cluster = getattr(record, "cluster", None)
        return text + (" cluster=%s" % cluster if cluster else "")


def setup_logging(json_logs=False, level="INFO", stream=None):
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if json_logs else PlainFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, str(level).upper(), logging.INFO))
    for noisy in ("urllib3", "kubernetes"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
