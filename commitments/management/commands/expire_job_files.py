from django.core.management.base import BaseCommand

from commitments import jobs


class Command(BaseCommand):
    help = (
        "Delete the files of finished jobs whose time is up (JOBS_FILE_HOURS) and mark jobs "
        "a killed worker left unfinished as failed. The worker also does this after each "
        "job; run it from cron (hourly) so files go even when no one exports."
    )

    def handle(self, *args, **options):
        expired = jobs.delete_expired()
        self.stdout.write(f"{expired} expired file(s) deleted.")
