"""send_reminders: officials whose country owes updates near a deadline, coordinators a digest
of the review queue; once a day, in the recipient's language, audited."""

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from commitments.models import AuditEntry, Objective, ReminderLog

pytestmark = pytest.mark.django_db

# 2024 Q1 ends on 31 March and is due on 15 April.
NEAR_Q1_DEADLINE = "2024-04-05"


@pytest.fixture
def emails(cast):
    for user in [cast.alice, cast.bob, cast.uma, cast.carol, cast.erin]:
        user.email = f"{user.username}@example.org"
        user.save()


def mail_to(username):
    return [m for m in mail.outbox if m.to == [f"{username}@example.org"]]


def test_officials_are_reminded_of_what_their_country_still_owes(
    cast, emails, make_update, objective
):
    make_update(author=cast.alice, state="submitted")  # Canada reported objective 1 for Q1
    make_update(author=cast.bob, state="draft")  # a draft does not count
    call_command("send_reminders", today=NEAR_Q1_DEADLINE)
    (alice_mail,) = mail_to("alice")
    assert alice_mail.subject == "NADD tracker: updates due for Canada"
    assert "2024 Q1 (due April 15, 2024):" in alice_mail.body
    assert f"  - 1. {objective.title}" not in alice_mail.body
    assert "  - 2. Prevention through mental health" in alice_mail.body
    assert "/countries/ca/" in alice_mail.body
    (bob_mail,) = mail_to("bob")
    assert f"  - 1. {objective.title}" in bob_mail.body
    assert not mail_to("erin")  # inactive accounts get nothing
    entry = AuditEntry.objects.get(action="reminder.update_due", target_id=str(cast.alice.pk))
    assert entry.changes["periods"] == ["2024 Q1"]
    assert "2024/1" not in entry.changes["objectives"] and "2024/2" in entry.changes["objectives"]


def test_a_country_that_reported_everything_gets_no_reminder(cast, emails, make_update):
    for objective in Objective.objects.filter(objective_set__year=2024):
        make_update(author=cast.uma, objective=objective)
    call_command("send_reminders", today=NEAR_Q1_DEADLINE)
    assert not mail_to("uma")


def test_coordinators_get_a_digest_of_the_review_queue(cast, emails, make_update):
    make_update(author=cast.alice, state="submitted")
    make_update(author=cast.bob, state="submitted")
    call_command("send_reminders", today="2024-03-01")  # no deadline near: only the digest
    assert [m.to for m in mail.outbox] == [["carol@example.org"]]
    assert mail.outbox[0].subject == "NADD tracker: 2 updates await review"
    assert "Canada: 1. Comprehensive overdose strategy, 2024 Q1" in mail.outbox[0].body
    assert "/review/" in mail.outbox[0].body


def test_running_twice_a_day_sends_nothing_twice(cast, emails, make_update):
    make_update(author=cast.alice, state="submitted")
    call_command("send_reminders", today=NEAR_Q1_DEADLINE)
    first = len(mail.outbox)
    assert first == 4  # three officials and one coordinator
    call_command("send_reminders", today=NEAR_Q1_DEADLINE)
    assert len(mail.outbox) == first
    assert ReminderLog.objects.count() == first
    assert AuditEntry.objects.filter(action__startswith="reminder.").count() == first
    call_command("send_reminders", today="2024-04-06")  # the next day, again
    assert len(mail.outbox) == 2 * first


def test_reminders_are_written_in_the_recipients_language(cast, emails):
    cast.bob.membership.language = "es"
    cast.bob.membership.save()
    call_command("send_reminders", today=NEAR_Q1_DEADLINE)
    (bob_mail,) = mail_to("bob")
    assert "15 de abril de 2024" in bob_mail.body


def test_a_failing_mail_server_leaves_no_log_so_the_next_run_retries(cast, emails, monkeypatch):
    from commitments import reminders

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr(reminders, "send_mail", broken)
    with pytest.raises(CommandError, match="3 reminder"):
        call_command("send_reminders", today=NEAR_Q1_DEADLINE)
    assert not ReminderLog.objects.exists()
    assert not AuditEntry.objects.exists()
    monkeypatch.undo()
    call_command("send_reminders", today=NEAR_Q1_DEADLINE)
    assert len(mail.outbox) == 3


@pytest.mark.parametrize("options", [{"today": "yesterday"}, {"days_before": -1}])
def test_bad_options_are_refused(options):
    with pytest.raises(CommandError):
        call_command("send_reminders", **options)


# 2024 Q1 was due on 15 April 2024; on 20 April it is overdue, and Q2 is not due yet.
AFTER_Q1_DEADLINE = "2024-04-20"


def test_officials_are_reminded_after_the_deadline_of_what_is_overdue(
    cast, emails, make_update, objective
):
    make_update(author=cast.alice, state="submitted")  # Canada reported objective 1 for Q1
    call_command("send_reminders", today=AFTER_Q1_DEADLINE, days_before=0)
    (alice_mail,) = mail_to("alice")
    assert alice_mail.subject == "NADD tracker: updates overdue for Canada"
    assert "2024 Q1 (was due April 15, 2024):" in alice_mail.body
    assert f"  - 1. {objective.title}" not in alice_mail.body
    assert "  - 2. Prevention through mental health" in alice_mail.body
    (bob_mail,) = mail_to("bob")
    assert f"  - 1. {objective.title}" in bob_mail.body
    log = ReminderLog.objects.get(recipient=cast.alice, kind="update_overdue")
    assert log.period.name == "2024 Q1"
    entry = AuditEntry.objects.get(action="reminder.update_overdue", target_id=str(cast.alice.pk))
    assert "2024/2" in entry.changes["objectives"]


def test_overdue_reminders_are_not_repeated_daily(cast, emails):
    call_command("send_reminders", today=AFTER_Q1_DEADLINE, days_before=0)
    assert len(mail_to("alice")) == 1
    for day in ("2024-04-20", "2024-04-21", "2024-04-26"):  # the same day, then within a week
        call_command("send_reminders", today=day, days_before=0)
    assert len(mail_to("alice")) == 1
    call_command("send_reminders", today="2024-04-27", days_before=0)  # a week later
    assert len(mail_to("alice")) == 2
    assert ReminderLog.objects.filter(recipient=cast.alice, kind="update_overdue").count() == 2


def test_an_overdue_and_a_due_reminder_go_out_the_same_day(cast, emails):
    # On 5 July 2024 Q1 is overdue and Q2 (due 15 July) is near.
    call_command("send_reminders", today="2024-07-05")
    subjects = sorted(m.subject for m in mail_to("alice"))
    assert subjects == [
        "NADD tracker: updates due for Canada",
        "NADD tracker: updates overdue for Canada",
    ]


def test_a_late_report_stops_the_overdue_reminder(cast, emails, make_update):
    for objective in Objective.objects.filter(objective_set__year=2024):
        make_update(author=cast.alice, objective=objective, state="submitted")
    call_command("send_reminders", today=AFTER_Q1_DEADLINE, days_before=0)
    assert mail_to("alice") == []
    assert len(mail_to("bob")) == 1


def test_a_partner_named_on_no_objective_is_never_reminded(cast, emails):
    from tests.conftest import make_user

    partner = make_user("pieter", "official", "BE", email="pieter@example.org")
    assert partner.membership.country.membership == "partner"
    call_command("send_reminders", today=AFTER_Q1_DEADLINE)
    call_command("send_reminders", today=NEAR_Q1_DEADLINE)
    assert mail_to("pieter") == []
