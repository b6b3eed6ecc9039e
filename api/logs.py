"""Log lines: one JSON object per line (or plain text), each with the request id of the request it
belongs to, and no personal data — e-mail addresses and investors' private links are redacted.

`naering serve` calls `configure_logging(settings.log_format)`; tests build a handler with
`log_handler` and attach it where they listen."""

from __future__ import annotations

import logging
import re
import sys
from typing import IO, Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from api.request_id import request_id
from api.security import redact_private_links

# Generous on purpose: a false positive costs a redacted word, a miss leaks an address.
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
EMAIL_REDACTED = "[e-mail]"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(request_id)s %(message)s"
# uvicorn's own loggers go through the root handler (one format, one set of filters).
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def redact(text: str) -> str:
    """`text` without e-mail addresses and without the tokens of investors' private links."""
    return redact_private_links(_EMAIL.sub(EMAIL_REDACTED, text))


class RequestIdFilter(logging.Filter):
    """Put the current request's id on the record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True


class RedactPersonalData(logging.Filter):
    """Take e-mail addresses and private links out of the message, its arguments and the exception text.

    String arguments are redacted one by one, so formatters that read the arguments (uvicorn's access
    log) still get a tuple; any other argument could print an address (an exception, a row), so then
    the message is formatted here and redacted whole."""

    def filter(self, record: logging.LogRecord) -> bool:
        args: Any = record.args
        if isinstance(record.msg, str) and _plain(args):
            record.msg = redact(record.msg)
            if isinstance(args, tuple):
                record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
            elif isinstance(args, dict):
                record.args = {k: redact(v) if isinstance(v, str) else v for k, v in args.items()}
        else:
            record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            record.exc_info = None  # formatters would print the unredacted traceback again
        return True


def _plain(args: Any) -> bool:
    values = args.values() if isinstance(args, dict) else (args or ())
    return all(isinstance(v, str | int | float | bool) or v is None for v in values)


class JsonLogFormatter(JsonFormatter):
    """python-json-logger's formatter; the exception text comes from the (redacted) record."""

    def __init__(self) -> None:
        # "time": ISO 8601 in UTC, to the microsecond.
        # uvicorn's `color_message` is its message again with terminal colours: left out.
        super().__init__(
            JSON_FIELDS,
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
            reserved_attrs=[*RESERVED_ATTRS, "color_message"],
        )


def log_handler(log_format: str = "json", stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing `log_format` lines to `stream` (stderr), with the request id and redaction."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLogFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    for f in (RequestIdFilter(), RedactPersonalData()):
        handler.addFilter(f)
    return handler


def configure_logging(log_format: str = "json", level: int = logging.INFO) -> None:
    """Route the app's and uvicorn's loggers to one handler on the root logger."""
    root = logging.getLogger()
    root.handlers[:] = [log_handler(log_format)]
    root.setLevel(level)
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # /readyz reads the migration scripts once
