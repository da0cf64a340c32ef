import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from commitments import reminders


class Command(BaseCommand):
    help = (
        "E-mail officials whose country still owes updates for a period whose deadline is near, "
        "and coordinators a digest of the review queue. Safe to run more than once a day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days-before",
            type=int,
            default=reminders.DEFAULT_DAYS_BEFORE,
            help="Remind about deadlines this many days ahead (default %(default)s).",
        )
        parser.add_argument("--today", help="Pretend today is this date (YYYY-MM-DD).")

    def handle(self, *args, days_before, today, **options):
        if days_before < 0:
            raise CommandError("--days-before cannot be negative.")
        try:
            day = datetime.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--today must be a date like 2024-04-01: {error}") from None
        outcomes = reminders.send_all(day, days_before)
        self.stdout.write(
            f"{day.isoformat()}: {outcomes['sent']} reminder e-mail(s) sent, "
            f"{outcomes['skipped']} already sent today."
        )
        if outcomes["failed"]:
            raise CommandError(
                f"{outcomes['failed']} reminder(s) could not be sent; the next run retries them."
            )
