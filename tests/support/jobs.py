"""Background jobs in tests: their files in a temporary folder, and the worker run in the
test's own transaction (the queue's rows are there) until the queue is empty, with no
sleeping. Registered for every test by tests/conftest.py (``pytest_plugins``)."""

from urllib.parse import urlencode

import pytest
from django.urls import resolve, reverse
from django_tasks_db.management.commands import db_worker

from commitments.models import Job


@pytest.fixture(autouse=True)
def job_files(settings, tmp_path, monkeypatch):
    """Each test keeps its job files in its own temporary folder, and the worker it runs
    keeps the test's connection (recycling it would end the test's transaction)."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    settings.STORAGES = {
        **settings.STORAGES,
        "job_files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "job-files")},
        },
    }
    return tmp_path / "job-files"


def worker():
    return db_worker.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def run_jobs():
    """Run every queued job now, as a worker process would (its own loop)."""
    worker().run()


def ask_for_file(client, url, params=None, **extra):
    """Press the button that asks for a file: a POST, its filters in the address."""
    if params:
        url = f"{url}?{urlencode(params, doseq=True)}"
    return client.post(url, **extra)


def job_of(response):
    """The job a started export or PDF redirected to."""
    assert response.status_code == 302, response.status_code
    match = resolve(response["Location"])
    assert match.url_name == "job_detail", response["Location"]
    return Job.objects.get(pk=match.kwargs["pk"])


def fetch_file(client, url, params=None, **extra):
    """Start the job ``url`` starts, run the worker, and return the finished file's
    download response."""
    job = job_of(ask_for_file(client, url, params, **extra))
    run_jobs()
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.state
    response = client.get(reverse("job_download", args=[job.pk]))
    assert response.status_code == 200
    return response


def downloaded(client, url, data=None, **extra):
    """A file as its reader gets it: the link starts a job (or finds the file drawn
    already), the worker runs it, and the job's page offers the download (a response)."""
    response = ask_for_file(client, url, data, **extra)
    if response.status_code != 302:
        return response
    job = job_of(response)
    run_jobs()
    return client.get(reverse("job_download", args=[job.pk]), **extra)
