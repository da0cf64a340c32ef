"""The fragment cache shared through Redis (commitments/cache.py): two processes share
warm fragments, a change made through one shows at once through the other, and Redis
going away costs speed, never an error or a stale page."""

import json
import os
import re
import subprocess
import sys
import uuid

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import cache as shared_cache
from commitments import fragments
from commitments.models import ProgressUpdate
from tests.conftest import PASSWORD

pytest_plugins = ["tests.support.redis_server"]
pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")
UPDATES = reverse("update_list")


def shared_settings(url, prefix):
    return {
        "BACKEND": "commitments.cache.SharedFragmentCache",
        "LOCATION": url,
        "KEY_PREFIX": prefix,
        "TIMEOUT": 60,
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }


@pytest.fixture
def instances(settings, redis_url, monkeypatch):
    """``instances(n)``: n fragment caches on one Redis, as n processes would each hold
    one, in a namespace of the test's own; ``use(cache)`` makes requests draw on it."""
    prefix = f"nadd-test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {**settings.CACHES, "fragments": shared_settings(redis_url, prefix)}
    made = []

    def make(count):
        made.extend(caches.create_connection("fragments") for _ in range(count))
        return made[-count:]

    yield make
    for cache in made[:1]:
        cache.clear()


def use(monkeypatch, cache):
    monkeypatch.setattr(fragments, "cache", lambda: cache)


def page(client, url):
    """The page's text without its per-response tokens, and how many queries it cost."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return re.sub(r'(value|nonce)="[^"]+"', "", response.text), len(queries)


def test_settings_share_the_fragments_only_when_a_cache_url_is_given(tmp_path):
    def configured(**env):
        code = (
            "import django, json; django.setup(); from django.conf import settings; "
            "print(json.dumps([settings.CACHES['fragments']['BACKEND'], "
            "settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE]))"
        )
        environ = {key: value for key, value in os.environ.items() if "CACHE" not in key}
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=django_settings.BASE_DIR,
            env={**environ, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        return result

    default = json.loads(configured().stdout)
    assert default[0] == "django.core.cache.backends.locmem.LocMemCache"
    url_file = tmp_path / "cache_url"
    url_file.write_text("redis://cache.internal:6379/2\n")
    for env in ({"CACHE_URL": "redis://cache.internal:6379/2"}, {"CACHE_URL_FILE": str(url_file)}):
        shared = json.loads(configured(**env).stdout)
        # Only the fragments move: rate-limit counters, sessions and the PDF cache stay in
        # PostgreSQL, whatever happens to Redis.
        assert shared == ["commitments.cache.SharedFragmentCache", *default[1:]]
    refused = configured(CACHE_URL="memcached://cache.internal")
    assert refused.returncode != 0 and "CACHE_URL must name a Redis server" in refused.stderr


def test_a_second_instance_finds_the_first_ones_fragments_warm(
    login, cast, make_update, instances, monkeypatch
):
    first, second = instances(2)
    make_update(author=cast.alice, narrative="Kits in every pharmacy.")
    carol = login(cast.carol)
    use(monkeypatch, first)
    cold_text, cold = page(carol, DASHBOARD)
    _, warm = page(carol, DASHBOARD)
    assert warm < cold
    use(monkeypatch, second)
    text, second_first = page(carol, DASHBOARD)
    assert second_first == warm
    assert text == cold_text


def test_separate_process_caches_would_each_start_cold(login, cast, make_update):
    # The control: without Redis, a second process (its own memory) draws everything again.
    make_update(author=cast.alice)
    carol = login(cast.carol)
    first, second = (LocMemCache(f"process-{uuid.uuid4()}", {}) for _ in range(2))
    with pytest.MonkeyPatch.context() as patch:
        use(patch, first)
        _, cold = page(carol, DASHBOARD)
        _, warm = page(carol, DASHBOARD)
        use(patch, second)
        assert page(carol, DASHBOARD)[1] == cold > warm


def test_a_change_through_one_instance_shows_at_once_through_the_other(
    login, cast, make_update, instances, monkeypatch
):
    first, second = instances(2)
    update = make_update(author=cast.alice, status="on_track")
    carol = login(cast.carol)
    for cache in (first, second):  # both warm
        use(monkeypatch, cache)
        page(carol, DASHBOARD)
        page(carol, UPDATES)
    completed = page(carol, DASHBOARD)[0].count("status-completed")

    use(monkeypatch, first)
    make_update(author=cast.bob, status="completed")
    ProgressUpdate.objects.filter(pk=update.pk).update(status="at_risk")  # its row's version
    page(carol, DASHBOARD)
    page(carol, UPDATES)

    use(monkeypatch, second)
    assert page(carol, DASHBOARD)[0].count("status-completed") > completed
    rows = page(carol, UPDATES)[0]
    assert "status-at_risk" in rows and "status-on_track" not in rows


def test_the_namespace_follows_the_database_and_the_release(instances, monkeypatch):
    (cache,) = instances(1)
    key = cache.make_key("fragment:x")
    assert shared_cache.database_digest() in key and shared_cache.release() in key
    cache.set("fragment:x", "drawn by this release")
    monkeypatch.setattr(shared_cache, "release", lambda: "next-release")
    (after_deploy,) = instances(1)
    assert after_deploy.get("fragment:x") is None
    assert cache.get("fragment:x") == "drawn by this release"


def test_clearing_forgets_only_its_own_namespace(instances, redis_url):
    (cache,) = instances(1)
    other = redis.Redis.from_url(redis_url)
    foreign = f"another-application:{uuid.uuid4().hex}"
    other.set(foreign, "kept", ex=60)
    cache.set("fragment:x", "drawn")
    cache.clear()
    assert cache.get("fragment:x") is None
    assert other.get(foreign) == b"kept"


def test_redis_going_away_costs_speed_never_an_error_or_a_stale_page(
    login, cast, make_update, settings, private_redis, monkeypatch, caplog
):
    settings.CACHES = {
        **settings.CACHES,
        "fragments": shared_settings(private_redis.url, "nadd-test-outage"),
    }
    monkeypatch.setattr(shared_cache, "RETRY_SECONDS", 0)
    make_update(author=cast.alice, status="on_track")
    carol = login(cast.carol)
    use(monkeypatch, caches.create_connection("fragments"))
    before, _ = page(carol, DASHBOARD)

    private_redis.stop()
    assert page(carol, DASHBOARD)[0] == before
    assert "shared fragment cache is unreachable" in caplog.text
    make_update(author=cast.bob, status="completed")
    during, _ = page(carol, DASHBOARD)
    assert during.count("status-completed") > before.count("status-completed")
    # Sessions and rate-limit counters never lived in Redis: signing in still works.
    visitor = Client()
    signed_in = visitor.post(reverse("login"), {"username": "uma", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert visitor.get(DASHBOARD).status_code == 200

    private_redis.start()  # the same port, empty
    assert page(carol, DASHBOARD)[0] == during
    assert private_redis.process is not None
    assert redis.Redis.from_url(private_redis.url).dbsize() > 0  # filled again
