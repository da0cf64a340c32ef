"""The fragment cache shared by every process and instance: Django's Redis backend, made
safe to share and never a reason for a page to fail.

Production names a Redis server in ``CACHE_URL`` (nadd/settings.py) and the ``fragments``
cache (commitments/fragments.py) becomes this backend; without it each process keeps its
own in memory. What it adds to ``django.core.cache.backends.redis.RedisCache``:

- **A namespace per database and per release.** Every key starts with the configured
  prefix, a digest of the database the process reads (host, port, name) and a digest of
  the code that draws fragments (the Python modules, templates and translation catalogues
  of this checkout). The data stamps already make a key name the data it was drawn from;
  the namespace adds the code it was drawn with (a deployment that changes a template
  starts a fresh namespace instead of serving the old drawing) and keeps two databases on
  one Redis server (staging and production, the benchmark's sizes) apart even where their
  stamps could agree (a database just emptied has none yet).
- **Redis down is a miss, not an error.** A command that fails (refused, timed out,
  Redis restarting) is logged once and answered from a small cache in this process's
  memory instead, as if no Redis were configured; Redis is asked again after
  ``RETRY_SECONDS``. Pages are drawn from the database as usual meanwhile, so the site
  keeps serving (slower while the local cache warms up), and nothing stale can come
  back: the keys still name the data stamps.
"""

import hashlib
import logging
import time
from functools import cache

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# How long a process draws on its local cache after Redis failed before asking it again.
RETRY_SECONDS = 5
# The files whose content shapes what a fragment holds (relative to BASE_DIR).
CODE_FOLDERS = ("commitments", "nadd", "templates")
CODE_SUFFIXES = {".py", ".html", ".txt", ".po"}
# The local cache's size while Redis is down: as the per-process cache of development.
FALLBACK_OPTIONS = {"MAX_ENTRIES": 3000}


@cache
def release():
    """A digest of the code that draws fragments, the same in every process of one release."""
    digest = hashlib.sha256()
    for folder in CODE_FOLDERS:
        for path in sorted((settings.BASE_DIR / folder).rglob("*")):
            if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def database_digest():
    """Which database this process reads, as a short digest (no host or name in the clear)."""
    found = connection.settings_dict
    named = f"{found.get('HOST')}:{found.get('PORT')}/{found.get('NAME')}"
    return hashlib.sha256(named.encode()).hexdigest()[:12]


class SharedFragmentCache(RedisCache):
    """``RedisCache`` under a per-database, per-release namespace, falling back to this
    process's memory while Redis cannot be reached (see the module's docstring)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self.key_prefix = ":".join([self.key_prefix or "nadd", database_digest(), release()])
        self._local = LocMemCache(
            f"{self.key_prefix}-fallback",
            {"TIMEOUT": self.default_timeout, "OPTIONS": FALLBACK_OPTIONS},
        )
        self._redis_down_until = 0.0

    def _shared(self, operation, fallback):
        """``operation()`` on Redis; ``fallback()`` on the local cache while it fails."""
        if time.monotonic() < self._redis_down_until:
            return fallback()
        try:
            return operation()
        except RedisError as error:
            logger.warning(
                "The shared fragment cache is unreachable (%s: %s); drawing on this "
                "process's memory for %d s.",
                type(error).__name__,
                error,
                RETRY_SECONDS,
            )
            self._redis_down_until = time.monotonic() + RETRY_SECONDS
            return fallback()

    def get(self, key, default=None, version=None):
        redis_get = super().get
        return self._shared(
            lambda: redis_get(key, default, version),
            lambda: self._local.get(key, default, version),
        )

    def get_many(self, keys, version=None):
        redis_get_many = super().get_many
        return self._shared(
            lambda: redis_get_many(keys, version),
            lambda: self._local.get_many(keys, version),
        )

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        redis_set = super().set
        self._shared(
            lambda: redis_set(key, value, timeout, version),
            lambda: self._local.set(key, value, timeout, version),
        )

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        redis_set_many = super().set_many
        return self._shared(
            lambda: redis_set_many(data, timeout, version),
            lambda: self._local.set_many(data, timeout, version),
        )

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        redis_add = super().add
        return self._shared(
            lambda: redis_add(key, value, timeout, version),
            lambda: self._local.add(key, value, timeout, version),
        )

    def delete(self, key, version=None):
        redis_delete = super().delete
        return self._shared(
            lambda: redis_delete(key, version), lambda: self._local.delete(key, version)
        )

    def clear(self):
        """Forget this namespace's fragments (never the rest of the Redis database: it
        may hold other releases', other databases' or other applications' keys)."""
        self._local.clear()
        pattern = self.make_key("*")

        def delete_namespace():
            client = self._cache.get_client(write=True)
            for batch in _batches(client.scan_iter(match=pattern, count=500), 500):
                client.delete(*batch)

        self._shared(delete_namespace, lambda: None)


def _batches(items, size):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
