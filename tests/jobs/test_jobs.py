"""Exports and briefs' PDFs as background jobs: their life (queued, running with progress,
done), the page and its status endpoint, who may read a job's file (the person who asked,
under the pages' rules), expiry, the limit of jobs at once, the e-mail for long exports,
the audit of downloads, and the worker and queue commands."""

import csv
import html
import io
import signal
import uuid
import zipfile

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commitments import audit, jobs, open_data
from commitments.models import AuditEntry, Job, Meeting, Membership
from tests.conftest import make_user
from tests.support.jobs import ask_for_file, fetch_file, job_of, run_jobs

pytestmark = pytest.mark.django_db


def read_csv(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def read_zip(response):
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def zip_table(archive, name):
    return list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))


def status(client, job):
    response = client.get(reverse("job_status", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


# --- Asking for a file ----------------------------------------------------------------------

FILE_URLS = ["update_export_csv", "update_export_xlsx", "update_export_zip", "meeting_brief_pdf"]


def file_url(name):
    if name == "meeting_brief_pdf":
        return reverse(name, args=[Meeting.objects.get(kind="plenary", ordinal=8).pk])
    return reverse(name)


@pytest.mark.parametrize("name", FILE_URLS)
def test_following_a_link_to_a_file_offers_it_and_starts_nothing(login, cast, name):
    """A prefetcher, a crawler or another site's image tag follows links: only the
    button's POST (with the form's token) prepares a file."""
    client = login(cast.carol)
    url = file_url(name) + ("?country=MX" if name.startswith("update_export_c") else "")
    offer = client.get(url)
    assert offer.status_code == 200 and not Job.objects.exists()
    assert f'<form method="post" action="{html.escape(url)}">' in offer.text
    assert "Prepare the file" in offer.text
    job = job_of(client.post(url))
    if "?" in url:
        assert job.query == "country=MX"  # the filters travel in the address


@pytest.mark.parametrize("name", FILE_URLS)
def test_a_post_from_another_site_without_the_forms_token_starts_nothing(cast, name):
    forger = Client(enforce_csrf_checks=True)
    forger.force_login(cast.carol)
    assert forger.post(file_url(name)).status_code == 403
    assert not Job.objects.exists()


def test_the_offer_is_in_the_readers_language(login, cast):
    client = login(cast.bob)
    for language, words in (("es", "Preparar el archivo"), ("fr", "Préparer le fichier")):
        page = client.get(reverse("update_export_csv"), headers={"accept-language": language})
        assert words in page.text, language


# --- The life of a job -------------------------------------------------------------------


def test_an_export_is_queued_then_runs_with_progress_then_is_ready(
    login, cast, make_update, monkeypatch
):
    for number in range(3):
        make_update(author=cast.uma, narrative=f"US line {number}")
    client = login(cast.carol)
    job = job_of(ask_for_file(client, reverse("update_export_csv"), {"country": "US"}))
    assert (job.owner, job.kind, job.query) == (cast.carol, Job.Kind.EXPORT_CSV, "country=US")

    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    assert "Waiting for a worker" in page.text
    # Without JavaScript the page reloads itself; with it, jobs.js moves the bar.
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page.text
    assert "/static/js/jobs.js" in page.text and "<script>" not in page.text
    assert status(client, job) == {
        "state": "queued",
        "active": True,
        "done": 0,
        "total": 0,
        "percent": 0,
        "label": "Waiting for a worker…",
        "download_url": None,
    }

    # What the page's script reads while the worker writes each row.
    seen = []
    monkeypatch.setattr("commitments.exports.CHUNK", 1)
    real = jobs.report_progress

    def watched(job, done):
        real(job, done)
        seen.append(status(client, job))

    monkeypatch.setattr(jobs, "report_progress", watched)
    run_jobs()
    assert [(s["state"], s["done"], s["total"], s["percent"]) for s in seen[:3]] == [
        ("running", 1, 3, 33),
        ("running", 2, 3, 66),
        ("running", 3, 3, 100),
    ]
    assert seen[0]["label"] == "Prepared 1 of 3 rows."

    finished = status(client, job)
    assert finished["state"] == "done" and finished["percent"] == 100
    assert finished["download_url"] == reverse("job_download", args=[job.pk])
    page = client.get(job.get_absolute_url())
    assert "refresh" not in page.text and "jobs.js" not in page.text
    assert finished["download_url"] in page.text
    assert "Only you can download this file" in page.text

    download = client.get(finished["download_url"])
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"].startswith('attachment; filename="nadd-updates-')
    rows = read_csv(download)
    assert sorted(row[9] for row in rows[1:]) == ["US line 0", "US line 1", "US line 2"]


def test_the_same_link_followed_twice_prepares_one_file(login, cast):
    client = login(cast.carol)
    first = job_of(ask_for_file(client, reverse("update_export_xlsx"), {"country": "MX"}))
    second = job_of(ask_for_file(client, reverse("update_export_xlsx"), {"country": "MX"}))
    assert first == second
    other = job_of(ask_for_file(client, reverse("update_export_xlsx"), {"country": "CA"}))
    assert other != first


def test_only_the_lists_filters_are_kept(login, cast):
    client = login(cast.carol)
    job = job_of(
        ask_for_file(client, reverse("update_export_csv"), {"country": "CA", "junk": "x" * 5000})
    )
    assert job.query == "country=CA"


def test_a_failing_job_says_so_and_frees_its_place(login, cast, monkeypatch):
    client = login(cast.carol)
    job = job_of(ask_for_file(client, reverse("update_export_csv")))

    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr("commitments.exports.write_csv", broken)
    run_jobs()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    page = client.get(job.get_absolute_url())
    assert "The file could not be prepared." in page.text
    assert "disk full" not in page.text
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 409


# --- Whose file it is ----------------------------------------------------------------------


def test_a_job_is_404_to_everyone_but_the_person_who_asked(client, cast, run_and_download):
    job, _ = run_and_download(cast.carol, reverse("update_export_csv"))
    second_coordinator = make_user("cora", Membership.Role.COORDINATOR)
    urls = [reverse(name, args=[job.pk]) for name in ("job_detail", "job_status", "job_download")]
    for intruder in (cast.bob, cast.dave, second_coordinator):
        client.force_login(intruder)
        for url in urls:
            assert client.get(url).status_code == 404, (intruder, url)
        assert str(job.pk) not in client.get(reverse("job_list")).text
    client.force_login(cast.nora)
    assert client.get(urls[2]).status_code == 403
    client.logout()
    assert client.get(urls[2]).status_code == 302
    # A forged id is no one's job.
    client.force_login(cast.carol)
    assert client.get(reverse("job_download", args=[uuid.uuid4()])).status_code == 404


def test_an_account_that_lost_its_role_no_longer_downloads_its_file(client, cast, run_and_download):
    job, _ = run_and_download(cast.alice, reverse("update_export_csv"))
    Membership.objects.filter(user=cast.alice).delete()
    client.force_login(cast.alice)
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 403
    cast.alice.is_active = False
    cast.alice.save()
    assert jobs.policy.own_jobs(cast.alice).count() == 0


def test_a_job_reads_with_its_owners_scope_when_it_runs(login, cast, make_update):
    make_update(author=cast.bob, narrative="Mexico published")
    client = login(cast.bob)
    job = job_of(ask_for_file(client, reverse("update_export_csv")))
    Membership.objects.filter(user=cast.bob).delete()
    run_jobs()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED  # no role any more: nothing is written for them
    assert job.file_name == ""


def test_an_officials_export_holds_only_what_they_may_read(login, cast, make_update):
    make_update(author=cast.alice, narrative="Canada's draft", state="draft")
    make_update(author=cast.alice, narrative="Canada published")
    make_update(author=cast.bob, narrative="Mexico's draft", state="draft")
    make_update(author=cast.bob, narrative="Mexico published")
    client = login(cast.bob)
    rows = read_csv(fetch_file(client, reverse("update_export_csv")))
    assert sorted(row[9] for row in rows[1:]) == [
        "Canada published",
        "Mexico published",
        "Mexico's draft",
    ]
    # The zip holds published data only, even the official's own drafts left out.
    archive = read_zip(fetch_file(client, reverse("update_export_zip")))
    narratives = [row[7] for row in zip_table(archive, "updates.csv")[1:]]
    assert sorted(narratives) == ["Canada published", "Mexico published"]


# --- The zip of published data -----------------------------------------------------------


def test_the_zip_describes_every_column_in_three_languages(login, cast, make_update):
    make_update(author=cast.alice, narrative="=SUM(A1) is text")
    response = fetch_file(login(cast.carol), reverse("update_export_zip"))
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="nadd-published-data-')
    archive = read_zip(response)
    assert sorted(archive.namelist()) == sorted(
        [open_data.DICTIONARY, *(table.file for table in open_data.TABLES)]
    )
    dictionary = zip_table(archive, open_data.DICTIONARY)
    assert dictionary[0] == [
        "file",
        "column",
        "type",
        *(f"description_{c}" for c in "en es fr".split()),
    ]
    described = {(row[0], row[1]): row[3:] for row in dictionary[1:]}
    for table in open_data.TABLES:
        header = zip_table(archive, table.file)[0]
        for column in header:
            english, spanish, french = described[(table.file, column)]
            assert english and spanish and french, (table.file, column)
            assert spanish != english and french != english, (table.file, column)
    updates = zip_table(archive, "updates.csv")
    assert updates[1][7] == "'=SUM(A1) is text"
    assert {"CA", "MX", "US"} <= {row[0] for row in zip_table(archive, "countries.csv")[1:]}


# --- Briefs' PDFs ---------------------------------------------------------------------------


def test_a_brief_is_drawn_once_for_everyone_who_asks(client, cast, monkeypatch):
    drawn = []
    monkeypatch.setattr(
        "commitments.briefs.render_pdf", lambda request, brief: drawn.append(1) or b"%PDF-1.7"
    )
    monkeypatch.setattr("commitments.briefs.cached_pdf", lambda key: None)  # no cache help
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    url = reverse("meeting_brief_pdf", args=[eighth.pk])
    client.force_login(cast.carol)
    first = job_of(ask_for_file(client, url))
    run_jobs()
    client.force_login(cast.bob)
    second = job_of(ask_for_file(client, url))
    first.refresh_from_db()
    assert second.state == Job.State.DONE and second.owner == cast.bob
    assert second.file_name == first.file_name and drawn == [1]
    download = client.get(reverse("job_download", args=[second.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.7"
    assert download["Content-Type"] == "application/pdf"
    # Carol's job stays hers.
    assert client.get(first.get_absolute_url()).status_code == 404


# --- Expiry ---------------------------------------------------------------------------------


def test_an_expired_file_is_deleted_and_the_page_says_so(
    client, cast, run_and_download, job_files, settings
):
    job, _ = run_and_download(cast.carol, reverse("update_export_csv"))
    stored = job_files / job.file_name
    assert stored.exists()
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timezone.timedelta(seconds=1))
    out = io.StringIO()
    call_command("expire_job_files", stdout=out)
    assert out.getvalue().strip() == "1 expired file(s) deleted."
    assert not stored.exists()
    job.refresh_from_db()
    assert job.state == Job.State.EXPIRED
    client.force_login(cast.carol)
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 410
    page = client.get(job.get_absolute_url())
    assert "This file has expired and was deleted." in page.text


def test_a_file_past_its_time_is_not_served_even_before_the_sweep(
    client, cast, run_and_download, job_files
):
    job, _ = run_and_download(cast.carol, reverse("update_export_csv"))
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timezone.timedelta(seconds=1))
    client.force_login(cast.carol)
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 410
    assert not (job_files / job.file_name).exists()


def test_a_shared_pdf_stays_until_its_last_job_expires(client, cast, monkeypatch, job_files):
    monkeypatch.setattr("commitments.briefs.render_pdf", lambda request, brief: b"%PDF-1.7")
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    client.force_login(cast.carol)
    first = job_of(ask_for_file(client, reverse("meeting_brief_pdf", args=[eighth.pk])))
    run_jobs()
    client.force_login(cast.bob)
    second = job_of(ask_for_file(client, reverse("meeting_brief_pdf", args=[eighth.pk])))
    first.refresh_from_db()
    jobs.expire(first)
    assert (job_files / second.file_name).exists()
    jobs.expire(second, now=second.expires_at)
    assert not (job_files / second.file_name).exists()


def test_the_job_files_are_kept_outside_the_static_files():
    # The settings as configured, not as the tests' temporary folder replaces them.
    from nadd import settings as real

    location = str(real.STORAGES["job_files"]["OPTIONS"]["location"])
    assert "static" not in location and location.endswith("private/jobs")
    assert real.STORAGES["job_files"]["OPTIONS"]["base_url"] is None
    assert real.STORAGES["job_files"]["OPTIONS"]["file_permissions_mode"] == 0o600


# --- The limit on jobs at once ---------------------------------------------------------------


def test_a_person_may_have_only_a_few_jobs_going_at_once(login, cast, settings):
    settings.JOBS_MAX_RUNNING = 2
    client = login(cast.carol)
    job_of(ask_for_file(client, reverse("update_export_csv")))
    job_of(ask_for_file(client, reverse("update_export_xlsx")))
    refused = ask_for_file(client, reverse("update_export_zip"))
    assert refused.status_code == 429
    assert "You already have 2 files being prepared." in refused.text
    assert Job.objects.filter(owner=cast.carol).count() == 2
    # Someone else is not held back by carol's jobs.
    other = Client()
    other.force_login(cast.bob)
    assert ask_for_file(other, reverse("update_export_zip")).status_code == 302
    # Once they are done, carol may ask again.
    run_jobs()
    assert ask_for_file(client, reverse("update_export_zip")).status_code == 302


def test_a_job_lost_by_a_killed_worker_stops_counting(login, cast, settings):
    settings.JOBS_MAX_RUNNING = 1
    client = login(cast.carol)
    job = job_of(ask_for_file(client, reverse("update_export_csv")))
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, created_at=timezone.now() - jobs.LOST_AFTER * 2
    )
    assert ask_for_file(client, reverse("update_export_xlsx")).status_code == 429
    jobs.delete_expired()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert ask_for_file(client, reverse("update_export_xlsx")).status_code == 302


# --- E-mail for long exports ----------------------------------------------------------------


def test_a_long_export_is_announced_by_email_in_the_language_it_was_asked_in(
    client, cast, make_update, settings
):
    settings.JOBS_EMAIL_ROWS = 1
    cast.carol.email = "carol@example.org"
    cast.carol.save()
    make_update(author=cast.alice)
    make_update(author=cast.bob)
    client.force_login(cast.carol)
    job = job_of(
        ask_for_file(client, reverse("update_export_csv"), headers={"accept-language": "es"})
    )
    run_jobs()
    [message] = mail.outbox
    assert message.to == ["carol@example.org"]
    assert "Su archivo está listo" in message.subject
    assert f"http://127.0.0.1:8000/files/{job.pk}/" in message.body
    assert "(Actualizaciones en CSV, 2 filas)" in message.body
    job.refresh_from_db()
    assert job.emailed_at is not None


def test_a_short_export_sends_no_email(client, cast, make_update, settings):
    settings.JOBS_EMAIL_ROWS = 5
    cast.carol.email = "carol@example.org"
    cast.carol.save()
    make_update(author=cast.alice)
    client.force_login(cast.carol)
    job_of(ask_for_file(client, reverse("update_export_csv")))
    run_jobs()
    assert mail.outbox == []


# --- Audit ------------------------------------------------------------------------------------


def test_downloading_an_export_is_audited_and_a_brief_is_not(
    client, cast, make_update, monkeypatch
):
    make_update(author=cast.alice)
    client.force_login(cast.carol)
    response = fetch_file(client, reverse("update_export_csv"), {"country": "CA"})
    assert response.status_code == 200
    [entry] = AuditEntry.objects.filter(action=audit.Action.EXPORT_DOWNLOADED)
    job = Job.objects.get(owner=cast.carol)
    assert entry.actor == cast.carol and entry.target_id == str(job.pk)
    assert entry.changes == {"kind": "export_csv", "filters": "country=CA", "rows": 1}
    assert audit.label(entry.action) == "Export downloaded"
    monkeypatch.setattr("commitments.briefs.render_pdf", lambda request, brief: b"%PDF-1.7")
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    fetch_file(client, reverse("meeting_brief_pdf", args=[eighth.pk]))
    assert AuditEntry.objects.filter(action=audit.Action.EXPORT_DOWNLOADED).count() == 1


# --- Languages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("es", ["Sus archivos", "Esperando a un proceso", "Progreso"]),
        ("fr", ["Vos fichiers", "En attente d'un processus", "Progression"]),
    ],
)
def test_the_job_pages_speak_spanish_and_french(login, cast, language, words):
    client = login(cast.carol)
    job = job_of(ask_for_file(client, reverse("update_export_csv")))
    headers = {"accept-language": language}
    page = html.unescape(client.get(job.get_absolute_url(), headers=headers).text)
    listing = html.unescape(client.get(reverse("job_list"), headers=headers).text)
    assert words[0] in page and words[0] in listing
    assert words[1] in page and words[2] in page
    assert (
        words[1]
        in client.get(reverse("job_status", args=[job.pk]), headers=headers).json()["label"]
    )


# --- The worker and the queue -----------------------------------------------------------------


def test_the_worker_command_runs_the_queued_jobs(login, cast, make_update):
    make_update(author=cast.alice)
    client = login(cast.carol)
    job = job_of(ask_for_file(client, reverse("update_export_csv")))
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.total == 1


def test_the_queue_command_reports_the_oldest_wait(login, cast):
    out = io.StringIO()
    call_command("job_queue", stdout=out)
    assert out.getvalue().strip() == "queued 0, running 0, oldest queued 0 s, no worker seen yet"
    client = login(cast.carol)
    job = job_of(ask_for_file(client, reverse("update_export_csv")))
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=10))
    out = io.StringIO()
    call_command("job_queue", stdout=out)
    assert out.getvalue().startswith("queued 1, running 0, oldest queued 60")
    with pytest.raises(CommandError, match="are the workers running"):
        call_command("job_queue", "--max-wait", "300", stdout=io.StringIO())
    call_command("job_queue", "--max-wait", "900", stdout=io.StringIO())


@pytest.fixture
def run_and_download(client):
    """``run_and_download(user, url)``: the user asks, the worker runs, the user downloads:
    (the job, the response)."""

    def run(user, url):
        asker = Client()
        asker.force_login(user)
        job = job_of(ask_for_file(asker, url))
        run_jobs()
        job.refresh_from_db()
        return job, asker.get(reverse("job_download", args=[job.pk]))

    return run
