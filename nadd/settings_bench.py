"""Settings for ``make bench`` only: production-like, plus a query counter and two
trivial views that exist nowhere else (see nadd/urls_bench.py)."""

from nadd.settings import *  # noqa: F403
from nadd.settings import MIDDLEWARE

DEBUG = False
ROOT_URLCONF = "nadd.urls_bench"
# Outermost, so the session and user queries are counted too.
MIDDLEWARE = ["nadd.urls_bench.QueryCountMiddleware", *MIDDLEWARE]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"()": "commitments.request_id.OneLineFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
# The benchmark posts an update in every round (hundreds an hour from one account): it
# measures what a post costs, not the per-user throttle, so the limit declared on the view
# (@policy.rate_limit("update_create", ...)) is lifted here only.
RATE_LIMITS = {**RATE_LIMITS, "update_create": (1_000_000, 3600, "user")}  # noqa: F405
