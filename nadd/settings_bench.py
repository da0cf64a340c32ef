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
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
