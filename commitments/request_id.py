"""The id of the request being served, for log records and the X-Request-ID header; and
the log format that keeps every record on one line."""

import contextvars
import logging
import re
import secrets

from commitments.validators import escape_controls

_current = contextvars.ContextVar("request_id", default="-")
# A proxy's id is kept only when it looks like one: no spaces, no CR/LF, bounded length.
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def new_request_id(incoming=None):
    """``incoming`` (a trusted proxy's X-Request-ID) when well formed, otherwise a fresh
    random one. Callers pass a client's header only when a trusted proxy sets it."""
    if incoming and _VALID.match(incoming):
        return incoming
    return secrets.token_hex(16)


def current():
    """The id of the request this thread is serving, or "-"."""
    return _current.get()


def set_current(value):
    return _current.set(value)


def reset(token):
    _current.reset(token)


class RequestIDLogFilter(logging.Filter):
    """Adds ``record.request_id`` so every log line names its request."""

    def filter(self, record):
        # django.request records carry the request itself; they may be written after the
        # middleware has returned.
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or _current.get()
        return True


class OneLineFormatter(logging.Formatter):
    """Every record on exactly one line, whoever logged it (our code, Django's request
    and security loggers, libraries): CR, LF and other control characters in the
    message, the exception or the stack are written as escapes (``\\r\\n``), so that
    no value from a request (a path, a username, a header) can start a forged line.
    A traceback reads as one line too, its line breaks shown as ``\\n``."""

    def format(self, record):
        return escape_controls(super().format(record))
