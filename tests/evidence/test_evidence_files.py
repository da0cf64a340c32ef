"""Evidence files: what a file may be (read from its content), attaching and removing them
with the update form while it is a draft, who may download them, and how."""

import uuid
from urllib.parse import quote

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from commitments import evidence, services
from commitments.models import AuditEntry, EvidenceFile, ProgressUpdate
from tests.support.evidence import (
    docx_bytes,
    exe_bytes,
    odt_bytes,
    ole_bytes,
    pdf_bytes,
    plain_zip_bytes,
    png_bytes,
    upload,
)

pytestmark = pytest.mark.django_db
Kind = EvidenceFile.Kind


@pytest.fixture(autouse=True)
def no_update_rate_limit(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "update_create": (10_000, 3600, "user")}


# --- What a file is, from its content ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("report.pdf", pdf_bytes(), Kind.PDF),
        ("chart.png", png_bytes(), Kind.PNG),
        ("plan.docx", docx_bytes(), Kind.DOCX),
        ("minutes.odt", odt_bytes(), Kind.ODT),
        ("old.doc", ole_bytes("WordDocument"), Kind.DOC),
        ("sheet.xls", ole_bytes("Workbook"), Kind.XLS),
        # The name says nothing: the content does.
        ("scan.bin", pdf_bytes(), Kind.PDF),
    ],
)
def test_accepted_files_are_identified_by_their_content(name, content, kind):
    assert evidence.identify(upload(name, content)) == kind


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", exe_bytes(), "is a program"),
        ("setup.doc", ole_bytes("SummaryInformation"), "not one we accept"),
        ("plan.docx", docx_bytes(macros=True), "contains macros"),
        ("archive.docx", plain_zip_bytes(), "not an office document"),
        ("cut.pdf", pdf_bytes()[:200], "incomplete or damaged"),
        ("photo.png", png_bytes()[:30], "damaged"),
        ("page.pdf", b"<html><script>alert(1)</script></html>", "not one we accept"),
        ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "not one we accept"),
    ],
)
def test_other_content_is_refused_with_its_reason(name, content, message):
    with pytest.raises(evidence.Refused) as refused:
        evidence.check_upload(upload(name, content))
    assert message in refused.value.messages[0]
    assert name in refused.value.messages[0]


@pytest.mark.parametrize(
    ("given", "kind", "safe"),
    [
        ("report.pdf", Kind.PDF, "report.pdf"),
        ("../../etc/passwd.pdf", Kind.PDF, "passwd.pdf"),
        ("C:\\Users\\x\\Informe final.pdf", Kind.PDF, "Informe final.pdf"),
        ("report.exe", Kind.PDF, "report.pdf"),
        ("\u202egnp.exe", Kind.PNG, "gnp.png"),
        ("photo.JPG", Kind.JPEG, "photo.jpg"),
        ('a"; filename=evil.html', Kind.PDF, "a_ filename_evil.pdf"),
        ("...", Kind.DOCX, "evidence.docx"),
        ("x" * 300 + ".pdf", Kind.PDF, "x" * 116 + ".pdf"),
    ],
)
def test_names_are_made_safe_and_say_what_the_content_is(given, kind, safe):
    assert evidence.safe_name(given, kind) == safe


# --- Attaching with the update form ------------------------------------------------------------


def post_new(client, objective, q1, *files, **extra):
    data = {
        "period": q1.pk,
        "status": "on_track",
        "narrative": "Kits distributed.",
        "token": uuid.uuid4(),
        **extra,
    }
    if files:
        data["evidence-files"] = list(files)
    return client.post(reverse("update_create", args=[objective.pk]), data)


def nothing_saved(evidence_files):
    assert ProgressUpdate.objects.count() == 0
    assert EvidenceFile.objects.count() == 0
    assert not evidence_files.exists() or not any(evidence_files.rglob("*"))


def test_an_official_attaches_files_with_a_new_update(login, cast, objective, q1):
    alice = login(cast.alice)
    response = post_new(
        alice, objective, q1, upload("Informe.pdf", pdf_bytes()), upload("chart.png", png_bytes())
    )
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    files = list(evidence.current_files(update))
    assert [(f.name, f.kind, f.uploaded_by) for f in files] == [
        ("Informe.pdf", Kind.PDF, cast.alice),
        ("chart.png", Kind.PNG, cast.alice),
    ]
    assert evidence.storage().open(files[0].stored_as).read() == pdf_bytes()
    assert "Informe" not in files[0].stored_as  # stored under a random name
    entry = AuditEntry.objects.get(action="update.files_attached")
    assert entry.target_id == str(update.pk)
    assert entry.changes["evidence_files"][0] == []
    assert entry.changes["evidence_files"][1][0].startswith("Informe.pdf (PDF document")
    page = alice.get(update.get_absolute_url()).text
    assert files[0].get_absolute_url() in page and "chart.png" in page


def test_a_renamed_program_is_refused_and_nothing_is_saved(
    login, cast, objective, q1, evidence_files
):
    response = post_new(login(cast.alice), objective, q1, upload("report.pdf", exe_bytes()))
    assert response.status_code == 400
    assert "is a program" in response.text
    assert 'id="error-summary"' in response.text
    assert "Kits distributed." in response.text  # the typed text is kept
    nothing_saved(evidence_files)


def test_a_file_over_the_limit_is_refused_and_nothing_is_saved(
    login, cast, objective, q1, evidence_files, monkeypatch
):
    monkeypatch.setattr(evidence, "EVIDENCE_FILE_MAX_BYTES", 1000)
    response = post_new(
        login(cast.alice), objective, q1, upload("big.pdf", pdf_bytes() + b" " * 2000)
    )
    assert response.status_code == 400
    assert "a file may be at most 1000" in response.text
    nothing_saved(evidence_files)


def test_one_bad_file_among_good_ones_saves_nothing(login, cast, objective, q1, evidence_files):
    response = post_new(
        login(cast.alice),
        objective,
        q1,
        upload("good.pdf", pdf_bytes()),
        upload("bad.docx", docx_bytes(macros=True)),
    )
    assert response.status_code == 400
    nothing_saved(evidence_files)


def test_more_files_than_an_update_carries_are_refused(login, cast, objective, q1, evidence_files):
    files = [upload(f"r{n}.pdf", pdf_bytes()) for n in range(evidence.MAX_EVIDENCE_FILES + 1)]
    response = post_new(login(cast.alice), objective, q1, *files)
    assert response.status_code == 400
    assert "at most 5 files" in response.text
    nothing_saved(evidence_files)


def test_a_body_beyond_every_file_the_form_takes_is_refused_unread(login, cast, objective, q1):
    client = login(cast.alice)
    response = client.post(
        reverse("update_create", args=[objective.pk]),
        b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(evidence.UPLOAD_MAX_BYTES + 3_000_000),
    )
    assert response.status_code == 400
    assert ProgressUpdate.objects.count() == 0


def test_the_same_form_posted_twice_attaches_its_files_once(login, cast, objective, q1):
    alice = login(cast.alice)
    token = uuid.uuid4()
    for _ in range(2):
        post_new(alice, objective, q1, upload("r.pdf", pdf_bytes()), token=token)
    assert ProgressUpdate.objects.count() == 1
    assert EvidenceFile.objects.count() == 1


def edit(client, update, **data):
    values = {
        "period": update.period_id,
        "status": update.status,
        "narrative": update.narrative,
        "version": update.version,
        **data,
    }
    return client.post(reverse("update_edit", args=[update.pk]), values)


def test_files_are_removed_with_the_edit_form_and_their_bytes_go(
    login, cast, make_update, django_capture_on_commit_callbacks
):
    draft = make_update(state="draft")
    alice = login(cast.alice)
    assert (
        edit(alice, draft, **{"evidence-files": [upload("a.pdf", pdf_bytes())]}).status_code == 302
    )
    attached = EvidenceFile.objects.get()
    draft.refresh_from_db()
    form = alice.get(reverse("update_edit", args=[draft.pk])).text
    assert 'name="evidence-remove"' in form and 'enctype="multipart/form-data"' in form
    with django_capture_on_commit_callbacks(execute=True):
        assert edit(alice, draft, **{"evidence-remove": [attached.pk]}).status_code == 302
    attached.refresh_from_db()
    assert attached.removed_at is not None  # the row stays, for the record
    assert not evidence.storage().exists(attached.stored_as)
    removed = AuditEntry.objects.get(action="update.files_removed")
    assert removed.changes["evidence_files"][0][0].startswith("a.pdf")
    history = alice.get(reverse("update_history", args=[draft.pk])).text
    assert "Evidence files attached" in history and "Evidence files removed" in history
    assert alice.get(attached.get_absolute_url()).status_code == 404


def test_a_file_of_another_update_cannot_be_removed(login, cast, make_update):
    mine = make_update(state="draft")
    other = make_update(state="draft")
    alice = login(cast.alice)
    edit(alice, other, **{"evidence-files": [upload("a.pdf", pdf_bytes())]})
    foreign = EvidenceFile.objects.get()
    edit(alice, mine, **{"evidence-files": [upload("mine.pdf", pdf_bytes())]})
    mine.refresh_from_db()
    response = edit(alice, mine, **{"evidence-remove": [foreign.pk]})
    assert response.status_code == 400
    assert "Choose files attached to this update." in response.text
    foreign.refresh_from_db()
    assert foreign.removed_at is None


def test_files_change_only_while_a_draft_and_only_by_the_country(cast, make_update):
    submitted = make_update(state="submitted")
    item = (upload("a.pdf", pdf_bytes()), Kind.PDF, "a.pdf")
    with pytest.raises(services.StaleState):
        evidence.change_files(actor=cast.alice, update=submitted, attach=[item])
    draft = make_update(state="draft")
    for outsider in (cast.bob, cast.carol, cast.dave):
        with pytest.raises(PermissionDenied):
            evidence.change_files(actor=outsider, update=draft, attach=[item])
    assert EvidenceFile.objects.count() == 0


def test_a_submitted_update_offers_no_file_change(login, cast, make_update):
    submitted = make_update(state="submitted")
    response = edit(
        login(cast.alice), submitted, **{"evidence-files": [upload("a.pdf", pdf_bytes())]}
    )
    assert response.status_code == 409
    assert EvidenceFile.objects.count() == 0


# --- Who downloads, and how ----------------------------------------------------------------


@pytest.fixture
def draft_file(login, cast, make_update):
    draft = make_update(state="draft")
    edit(login(cast.alice), draft, **{"evidence-files": [upload("Informe é.pdf", pdf_bytes())]})
    return EvidenceFile.objects.get()


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_drafts_file_is_downloaded_only_by_its_country_and_the_secretariat(cast, draft_file):
    url = draft_file.get_absolute_url()
    for reader in (cast.alice, cast.carol, cast.dave):
        assert client_of(reader).get(url).status_code == 200, reader
    assert client_of(cast.bob).get(url).status_code == 404  # another country's draft
    assert client_of(cast.uma).get(url).status_code == 404
    assert client_of(cast.nora).get(url).status_code == 403  # no role
    assert Client().get(url).status_code == 302  # to sign in


def test_a_published_updates_file_is_downloaded_by_every_reader(cast, draft_file):
    ProgressUpdate.objects.filter(pk=draft_file.update_id).update(
        state="published", published_at="2024-05-01T00:00Z", submitted_at="2024-04-01T00:00Z"
    )
    assert client_of(cast.bob).get(draft_file.get_absolute_url()).status_code == 200


def test_guessed_addresses_find_nothing(cast, draft_file, make_update):
    published = make_update()
    bob = client_of(cast.bob)
    # The file's id under a published update bob may read: not that update's file.
    guessed = reverse("evidence_download", args=[published.pk, draft_file.pk])
    assert bob.get(guessed).status_code == 404
    assert client_of(cast.alice).get(guessed).status_code == 404
    assert (
        bob.get(reverse("evidence_download", args=[draft_file.update_id, 999999])).status_code
        == 404
    )


def test_a_download_is_an_attachment_never_shown_inline(cast, draft_file):
    response = client_of(cast.alice).get(draft_file.get_absolute_url())
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote('Informe é.pdf')}" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
