from django.core.management.base import BaseCommand, CommandError

from commitments import jobs


class Command(BaseCommand):
    help = (
        "Report the background jobs' queue: how many wait and run, and how long the oldest "
        "has waited. With --max-wait, fail (exit 1) when a job has waited longer: a "
        "health check for the workers."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-wait",
            type=int,
            help="Fail when the oldest queued job has waited more than this many seconds.",
        )

    def handle(self, *args, max_wait, **options):
        queue = jobs.queue_health()
        seen = queue["worker_seen"]
        self.stdout.write(
            f"queued {queue['queued']}, running {queue['running']}, "
            f"oldest queued {queue['oldest_wait']:.0f} s, "
            + ("no worker seen yet" if seen is None else f"a worker last seen {seen:.0f} s ago")
        )
        if max_wait is not None and queue["oldest_wait"] > max_wait:
            raise CommandError(
                f"The oldest queued job has waited {queue['oldest_wait']:.0f} s "
                f"(more than {max_wait} s): are the workers running?"
            )
