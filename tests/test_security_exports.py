"""Exports (QUALITY S28): formula-shaped text stays text in every cell, downloads are
attachments behind the access rules. There are no uploads, so the upload half of S28
does not apply."""

import csv
import io

from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from commitments.exports import FORMULA_TRIGGERS
from commitments.models import ProgressUpdate

text = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\0"))


@hypothesis_settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(trigger=st.sampled_from([t for t in FORMULA_TRIGGERS if t != "\0"]), rest=text)
def test_s28_no_exported_cell_starts_a_formula(login, cast, make_update, trigger, rest):
    ProgressUpdate.objects.all().delete()
    narrative = trigger + rest.replace("\0", "")
    make_update(author=cast.alice, narrative=narrative)
    response = login(cast.carol).get(reverse("update_export_csv"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(FORMULA_TRIGGERS), cell
    assert rows[1][9] == "'" + narrative


def test_s28_downloads_are_attachments_and_refused_to_outsiders(client, cast):
    for name in ["update_export_csv", "update_export_xlsx"]:
        assert client.get(reverse(name)).status_code == 302
    client.force_login(cast.alice)
    response = client.get(reverse("update_export_xlsx"))
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
