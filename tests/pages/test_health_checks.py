from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commitments.models import Job
from tests.support.jobs import ask_for_file, job_of, run_jobs

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_after_a_database_round_trip(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "jobs": {
            "queued": 0,
            "running": 0,
            "oldest_queued_seconds": 0,
            "worker_seen_seconds_ago": None,
            "stalled": False,
        },
    }
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_healthz_reports_the_job_queue_in_one_query_whatever_it_holds(
    login, cast, django_assert_num_queries
):
    carol = login(cast.carol)
    probe = Client()  # a load balancer: never signed in
    job_of(ask_for_file(carol, reverse("update_export_csv")))
    run_jobs()  # a worker took it
    waiting = job_of(ask_for_file(carol, reverse("update_export_xlsx")))
    Job.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - timezone.timedelta(minutes=4)
    )
    Job.objects.create(owner=cast.alice, kind=Job.Kind.EXPORT_CSV, language="en")
    Job.objects.create(owner=cast.bob, kind=Job.Kind.EXPORT_CSV, language="en", state="running")
    with django_assert_num_queries(1):
        jobs = probe.get("/healthz").json()["jobs"]
    assert (jobs["queued"], jobs["running"], jobs["stalled"]) == (2, 1, False)
    assert 235 <= jobs["oldest_queued_seconds"] <= 300
    assert 0 <= jobs["worker_seen_seconds_ago"] < 60
    # Counts and ages only: no job, owner, kind or file is named.
    text = probe.get("/healthz").text
    for secret in (str(waiting.pk), "carol", "alice", "csv", "xlsx", "export"):
        assert secret not in text


def test_healthz_says_the_workers_are_stalled_but_stays_ready(client, cast, settings):
    settings.JOBS_MAX_WAIT = 300
    Job.objects.create(
        owner=cast.alice,
        kind=Job.Kind.EXPORT_CSV,
        language="en",
        created_at=timezone.now() - timezone.timedelta(minutes=6),
    )
    response = client.get("/healthz")
    # The pages still answer: the load balancer keeps the instance; monitoring alerts.
    assert response.status_code == 200
    assert response.json()["jobs"]["stalled"] is True


def test_healthz_answers_503_when_the_database_is_unreachable(client):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "database unavailable"}
    assert "connection refused" not in response.text
