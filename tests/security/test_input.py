"""Input and output: XSS corpus, CSRF, fuzzing every form, request limits and the update
rate limit."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from commitments import policy
from commitments.models import AuditEntry, ProgressUpdate
from commitments.views import updates
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "'><img src=x onerror=alert(1)>",
    "javascript:alert(document.cookie)",
    "</textarea><script>alert(2)</script>",
    "\u202egnp.exe\u202c <b>bold</b>",
    "{{ settings.SECRET_KEY }} {% debug %}",
    "'; DROP TABLE commitments_progressupdate; --",
    "1' OR '1'='1",
]

fuzz = hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def no_update_rate_limit(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "update_create": (10_000, 3600, "user")}


def counts():
    return ProgressUpdate.objects.count(), AuditEntry.objects.filter(
        action="update.created"
    ).count()


# --- output escaping ------------------------------------------------------------------


def pages_showing(update):
    return [
        update.get_absolute_url(),
        reverse("objective_detail", args=[update.objective_id]),
        reverse("update_list"),
        reverse("country_detail", args=["ca"]),
        reverse("dashboard"),
    ]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_script_and_sql_shaped_narratives_render_as_text(login, cast, objective, q1, payload):
    client = login(cast.alice)
    narrative = f"Before {payload} after"
    response = client.post(
        reverse("update_create", args=[objective.pk]),
        {"period": q1.pk, "status": "on_track", "narrative": narrative},
    )
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.narrative == narrative  # stored exactly, SQL-shaped text included
    for path in pages_showing(update):
        text = client.get(path).text
        assert payload not in text or escape(payload) == payload, path
        assert "<script>alert" not in text and "<svg onload" not in text, path
    assert escape(narrative) in client.get(update.get_absolute_url()).text
    admin = login(cast.dave)
    admin_page = admin.get(f"/admin/commitments/progressupdate/{update.pk}/change/").text
    assert "<script>alert" not in admin_page and "<svg onload" not in admin_page


@pytest.mark.parametrize("payload", PAYLOADS)
def test_filters_echo_input_as_text(login, cast, payload):
    client = login(cast.carol)
    response = client.get(reverse("update_list"), {"q": payload, "author": payload})
    assert response.status_code in {200, 400}
    assert "<script>alert" not in response.text and "<svg onload" not in response.text
    assert "onerror=alert(1)>" not in response.text


@fuzz
@given(
    before=st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=40),
    tag=st.from_regex(r"\Axss[a-z]{1,8}\Z"),
    attribute=st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=30),
)
def test_any_text_around_a_tag_is_escaped(cast, make_update, login, before, tag, attribute):
    narrative = f'{before}<{tag} x="{attribute}">'.strip() or "x"
    update = make_update(narrative=f"{narrative} end")
    text = login(cast.carol).get(update.get_absolute_url()).text
    assert f"<{tag}" not in text
    assert f"&lt;{tag}" in text


# FastSelect escapes every value and label it is given before joining them (its one
# mark_safe wraps only escaped pieces); test_fast_select_escapes_its_options proves it.
# The admin's fieldset is Django's own template with a name added: its |safe is Django's,
# on the help texts and descriptions the code writes (never user data), as in Django's.
SAFE_HTML_BUILDERS = {"commitments/widgets.py", "templates/admin/includes/fieldset.html"}


def test_no_template_or_code_marks_user_data_safe():
    pattern = re.compile(r"\|\s*safe\b|mark_safe|format_html|autoescape\s+off|SafeString")
    offenders = []
    for folder in ["templates", "commitments", "nadd"]:
        for path in (ROOT / folder).rglob("*"):
            if str(path.relative_to(ROOT)) in SAFE_HTML_BUILDERS:
                continue
            # Plain-text e-mail templates (.txt) turn autoescaping off on purpose: no HTML.
            if path.suffix in {".html", ".py"} and "migrations" not in path.parts:
                for number, line in enumerate(path.read_text().splitlines(), 1):
                    if pattern.search(line):
                        offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_fast_select_escapes_its_options():
    from commitments.widgets import DrawnOptions, FastSelect

    widget = FastSelect(choices=[('"><script>x</script>', "<img src=x onerror=alert(1)>")])
    html = widget.render('q"><b', '"><script>x</script>', attrs={"id": 'i"d'})
    assert "<script>" not in html and "<img" not in html and '"><b' not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert " selected>" in html
    # Options drawn ahead (the filters' lists), a group's label included.
    drawn = DrawnOptions([('"><optgroup>', [("<v>", "<img src=x>")])])
    html = FastSelect(drawn=lambda: drawn).render("q", "<v>")
    assert "<img" not in html and '"><optgroup>' not in html and "<v>" not in html
    assert '<option value="&lt;v&gt;" selected>&lt;img src=x&gt;</option>' in html


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "data:text/html,<script>1</script>", "vbscript:x", "//e.org"]
)
def test_evidence_links_are_http_or_https_only(login, cast, objective, q1, link):
    response = login(cast.alice).post(
        reverse("update_create", args=[objective.pk]),
        {"period": q1.pk, "status": "on_track", "narrative": "n", "evidence_links": link},
    )
    assert response.status_code == 200
    assert not ProgressUpdate.objects.exists()


def test_the_content_security_policy_forbids_inline_script(client, db):
    csp = client.get(reverse("login"))["Content-Security-Policy"]
    script = re.search(r"script-src ([^;]+)", csp).group(1)
    assert script.strip() == "'self'"


# --- CSRF -------------------------------------------------------------------------------


def csrf_client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get(reverse("password_change"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return client, token


def test_posts_without_a_valid_token_or_from_a_foreign_origin_are_refused(cast, objective, q1):
    client, token = csrf_client(cast.alice)
    _, other_token = csrf_client(cast.bob)
    url = reverse("update_create", args=[objective.pk])
    data = {"period": q1.pk, "status": "on_track", "narrative": "Forged by another site"}
    before = counts()
    assert client.post(url, data).status_code == 403
    other_cookie = Client(enforce_csrf_checks=True)
    other_cookie.force_login(cast.alice)
    assert other_cookie.post(url, {**data, "csrfmiddlewaretoken": other_token}).status_code == 403
    foreign = client.post(
        url, {**data, "csrfmiddlewaretoken": token}, HTTP_ORIGIN="https://evil.example.com"
    )
    assert foreign.status_code == 403
    assert "The form has expired" in foreign.text
    assert counts() == before
    ok = client.post(url, {**data, "csrfmiddlewaretoken": token}, HTTP_ORIGIN="http://testserver")
    assert ok.status_code == 302


def test_trusted_origins_must_be_exact():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYENV")}
    env["CSRF_TRUSTED_ORIGINS"] = "https://*.example.org"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "CSRF_TRUSTED_ORIGINS must list exact origins" in result.stderr


# --- fuzzing every form -------------------------------------------------------------------

UPDATE_FIELDS = ["period", "status", "narrative", "evidence_links", "version"]
values = st.one_of(
    st.text(max_size=60),
    st.sampled_from(PAYLOADS + ["", "0", "-1", "101", "on_track", "completed", "1e309"]),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
)
bodies = st.dictionaries(
    st.one_of(st.sampled_from(UPDATE_FIELDS + ["country", "author"]), st.text(max_size=10)),
    values,
    max_size=8,
)


@fuzz
@given(body=bodies)
@example(body={"period": "1", "status": "on_track", "narrative": "\x00"})
@example(body={"period": "99999999999999999999", "status": "on_track", "narrative": "x"})
def test_the_update_form_never_fails_and_saves_only_valid_input(login, cast, objective, q1, body):
    client = login(cast.alice)
    before = counts()
    response = client.post(reverse("update_create", args=[objective.pk]), body)
    assert response.status_code in {200, 302}
    if response.status_code == 200:
        assert counts() == before
    else:
        assert counts() == (before[0] + 1, before[1] + 1)
        saved = ProgressUpdate.objects.order_by("-pk").first()
        # Stored as typed, its line breaks made LF (a textarea sends CRLF).
        typed = body["narrative"].strip()
        assert saved.narrative == typed.replace("\r\n", "\n").replace("\r", "\n")
        assert saved.status == body["status"]
        assert saved.period_id == int(body["period"])
        assert saved.country.code == "CA"


@fuzz
@given(body=bodies)
def test_the_edit_form_never_fails_and_changes_nothing_on_rejection(login, cast, make_update, body):
    update = make_update(author=cast.alice)
    response = login(cast.alice).post(reverse("update_edit", args=[update.pk]), body)
    assert response.status_code in {200, 302, 409}
    if response.status_code != 302:
        fresh = ProgressUpdate.objects.get(pk=update.pk)
        assert (fresh.narrative, fresh.version) == (update.narrative, update.version)


@fuzz
@given(
    query=st.dictionaries(
        st.sampled_from(["q", "country", "objective", "status", "period", "author", "page"]),
        values,
        max_size=6,
    )
)
def test_the_filters_never_fail(login, cast, query):
    response = login(cast.carol).get(reverse("update_list"), query)
    assert response.status_code in {200, 400}


@fuzz
@given(username=values, password=values)
@example(username="alice\x00", password=PASSWORD)
@example(username="a" * 5000, password="b" * 5000)
def test_the_sign_in_form_never_fails(cast, username, password):
    response = Client().post(reverse("login"), {"username": username, "password": password})
    assert response.status_code in {200, 429}


@fuzz
@given(old=values, new1=values, new2=values)
def test_the_password_form_never_fails(login, cast, old, new1, new2):
    response = login(cast.alice).post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new1, "new_password2": new2},
    )
    assert response.status_code == 200  # a random old password is never right


@fuzz
@given(token=values)
def test_the_otp_forms_never_fail(login, cast, token, settings):
    settings.REQUIRE_MFA = True
    client = login(cast.bob)
    assert client.post(reverse("mfa_setup"), {"token": token}).status_code == 200
    assert client.post(reverse("reauth"), {"password": token}).status_code in {200, 429}


# --- resource limits ----------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused(login, cast, objective, q1, settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    response = login(cast.alice).post(
        reverse("update_create", args=[objective.pk]),
        {"period": q1.pk, "status": "on_track", "narrative": "x" * 2_700_000},
    )
    assert response.status_code == 400
    assert not ProgressUpdate.objects.exists()


def test_more_than_a_thousand_fields_are_refused(login, cast, objective, q1):
    data = {f"f{n}": "x" for n in range(1001)}
    data.update(period=q1.pk, status="on_track", narrative="n")
    response = login(cast.alice).post(reverse("update_create", args=[objective.pk]), data)
    assert response.status_code == 400
    assert not ProgressUpdate.objects.exists()


def test_text_fields_have_documented_caps(login, cast, objective, q1):
    client = login(cast.alice)
    url = reverse("update_create", args=[objective.pk])
    response = client.post(url, {"period": q1.pk, "status": "on_track", "narrative": "x" * 10_001})
    assert response.status_code == 200 and not ProgressUpdate.objects.exists()
    response = client.get(reverse("update_list"), {"q": "x" * 201})
    assert response.status_code == 400


def test_writing_updates_is_rate_limited_per_user_in_the_database(
    login, cast, objective, q1, settings
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "update_create": (3, 3600, "user")}
    client = login(cast.alice)
    url = reverse("update_create", args=[objective.pk])
    data = {"period": q1.pk, "status": "on_track", "narrative": "Another one"}
    for _ in range(3):
        assert client.post(url, data).status_code == 302
    refused = client.post(url, data)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert ProgressUpdate.objects.count() == 3
    # Another official is counted separately; the counter is a database row.
    assert login(cast.bob).post(url, data).status_code == 302
    with connection.cursor() as cursor:
        cursor.execute("SELECT bucket, hits FROM commitments_rate_counter ORDER BY hits")
        rows = cursor.fetchall()
    assert [hits for _, hits in rows] == [1, 4]
    assert rows[1][0].startswith(f"update_create:user:{cast.alice.pk}:")


def test_the_real_limit_is_sixty_an_hour():
    from nadd import settings  # the module: this file's fixture lifts the limit for fuzzing

    assert policy.declaration_of(updates.update_create).rate_limit == policy.RateLimit(
        "update_create", 60, 3600, per="user"
    )
    assert "update_create" not in settings.RATE_LIMITS


# --- Control characters: refused in every form, with a message --------------------------------

CONTROL_MESSAGE = "Remove the invisible control character U+0001 at position 9"


def test_a_narrative_with_a_control_character_is_refused_with_a_message(login, cast, objective, q1):
    response = login(cast.alice).post(
        reverse("update_create", args=[objective.pk]),
        {"period": q1.pk, "status": "on_track", "narrative": "Progress\x01 made"},
    )
    assert response.status_code == 200
    assert CONTROL_MESSAGE in response.text
    assert "Progress" in response.text  # what was typed is kept
    assert counts() == (0, 0)


@pytest.mark.parametrize(
    "link",
    ["https://e.org/\x00", "https://e.org/a\x01b", "https://e.org/\u202e"],
    ids=["nul", "control", "bidi"],
)
def test_an_evidence_link_with_an_invisible_character_is_a_form_error(
    login, cast, objective, q1, link
):
    response = login(cast.alice).post(
        reverse("update_create", args=[objective.pk]),
        {"period": q1.pk, "status": "on_track", "narrative": "n", "evidence_links": link},
    )
    assert response.status_code == 200
    assert "Remove the invisible" in response.text
    assert counts() == (0, 0)


def test_multi_line_text_keeps_tabs_and_line_breaks_and_bidi_marks(login, cast, objective, q1):
    narrative = "First line\r\n\tindented\rthird \u202ereversed\u202c line"
    response = login(cast.alice).post(
        reverse("update_create", args=[objective.pk]),
        {"period": q1.pk, "status": "on_track", "narrative": narrative},
    )
    assert response.status_code == 302
    saved = ProgressUpdate.objects.get().narrative
    assert saved == "First line\n\tindented\nthird \u202ereversed\u202c line"  # CRLF, CR: LF


def test_comments_and_return_reasons_refuse_control_characters(login, cast, make_update):
    draft = make_update(author=cast.alice, state="draft")
    client = login(cast.alice)
    response = client.post(reverse("update_comment", args=[draft.pk]), {"body": "A comment\x1b"})
    assert response.status_code == 400
    assert "Remove the invisible control character U+001B" in response.text
    submitted = make_update(author=cast.alice, state="submitted")
    response = login(cast.carol).post(
        reverse("update_return", args=[submitted.pk]),
        {"reason": "Add the figures\x07", "version": submitted.version},
    )
    assert response.status_code == 400
    assert "U+0007" in response.text
    submitted.refresh_from_db()
    assert submitted.state == "submitted"
    assert not submitted.comments.exists() and not draft.comments.exists()


@pytest.mark.parametrize(
    ("path", "field", "value", "message"),
    [
        ("/admin/commitments/country/{country}/change/", "name", "Cana\x01da", "U+0001"),
        ("/admin/commitments/meeting/{meeting}/change/", "summary", "Held\x00 online", "U+0000"),
        (
            "/admin/commitments/objective/{objective}/change/",
            "title",
            "\u202eOverdoses",
            "changes the direction the text is read in",
        ),
        ("/admin/commitments/objective/{objective}/change/", "title", "Two\nlines", "single line"),
        ("/admin/auth/user/{user}/change/", "first_name", "Bob\x7f", "U+007F"),
        ("/admin/commitments/reportingperiod/{period}/change/", "name", "2024 Q1\x9b", "U+009B"),
    ],
)
def test_the_admin_forms_refuse_control_characters_and_save_nothing(
    login, cast, objective, q1, path, field, value, message
):
    from commitments.models import Country, Meeting

    client = login(cast.dave)
    url = path.format(
        country=Country.objects.get(code="CA").pk,
        meeting=Meeting.objects.get(ordinal=7).pk,
        objective=objective.pk,
        user=cast.bob.pk,
        period=q1.pk,
    )
    data = {**form_fields(client.get(url).text), field: value}
    before = AuditEntry.objects.count()
    response = client.post(url, data)
    assert response.status_code == 200
    assert message in response.text
    assert AuditEntry.objects.count() == before  # nothing saved, nothing audited


def form_fields(html):
    from tests.support.forms import main_form_data as form_data

    return form_data(html)[0]


# --- Uploads: only declared views take files, and only up to their size ----------------------


@pytest.fixture
def spooled(monkeypatch):
    """Every file an upload handler started to keep, in memory or in a temporary file."""
    from django.core.files import uploadhandler

    started = []
    for handler in (
        uploadhandler.MemoryFileUploadHandler,
        uploadhandler.TemporaryFileUploadHandler,
    ):
        original = handler.new_file

        def new_file(self, *args, _original=original, **kwargs):
            started.append(type(self).__name__)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(handler, "new_file", new_file)
    return started


def multipart_with_a_file(size, fields=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {**(fields or {}), "file": SimpleUploadedFile("big.bin", b"x" * size)}


@pytest.mark.parametrize("name", ["login", "set_language"])
@pytest.mark.parametrize("size", [5 * 1024 * 1024, 10 * 1024], ids=["5MB", "10kB"])
def test_anonymous_files_sent_to_a_form_that_takes_none_are_refused_unwritten(
    cast, spooled, name, size
):
    data = multipart_with_a_file(size, {"username": "alice", "password": "x", "language": "fr"})
    response = Client().post(reverse(name), data)
    assert response.status_code == 400
    assert spooled == []


def test_a_body_declared_larger_than_the_limit_is_refused_before_it_is_read(cast):
    # The body is three bytes: reading more than that would fail the test client.
    response = Client().post(
        reverse("login"),
        data=b"a=b",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )
    assert response.status_code == 400
    assert "larger than" in response.text


def test_file_data_is_counted_as_it_arrives_and_stopped_at_the_limit(rf):
    """A body of unknown length (chunked) is not measured by its Content-Length: the first
    upload handler counts the bytes and stops at the declared size."""
    import io

    from django.core.files import uploadhandler
    from django.http.multipartparser import MultiPartParser
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    from commitments.uploads import DeclaredUploadHandler, UploadRefused

    body = encode_multipart(BOUNDARY, multipart_with_a_file(2 * 1024 * 1024))
    stream = io.BytesIO(body)
    request = rf.post("/")
    request.accepts_files = 1024 * 1024
    handlers = [
        DeclaredUploadHandler(request),
        uploadhandler.MemoryFileUploadHandler(request),
        uploadhandler.TemporaryFileUploadHandler(request),
    ]
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}
    with pytest.raises(UploadRefused, match="larger than"):
        MultiPartParser(meta, stream, handlers).parse()
    assert stream.tell() < len(body)  # the rest was never read
    request.accepts_files = 0
    with pytest.raises(UploadRefused, match="does not take files"):
        MultiPartParser(meta, io.BytesIO(body), [DeclaredUploadHandler(request)]).parse()
