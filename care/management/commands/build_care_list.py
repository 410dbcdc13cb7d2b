from django.core.management.base import BaseCommand, CommandError

from care import services
from crm_site.errors import DomainError


class Command(BaseCommand):
    help = (
        "Build the daily care list (birthdays, anniversaries, post-stay follow-ups, win-backs) for a day. "
        "Idempotent: a rerun adds only what is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", dest="day", help="day YYYY-MM-DD (default: today; not in the future)")
        parser.add_argument(
            "--send-emails",
            action="store_true",
            help="queue e-mails for new birthday/anniversary items (sent by the outbox)",
        )

    def handle(self, *args, day=None, send_emails=False, **options):
        try:
            result = services.care_list_build(day=day, send_emails=send_emails or None)
        except DomainError as error:
            raise CommandError(f"--date: {error.message}") from None
        kinds = ", ".join(f"{kind} {n}" for kind, n in result["kinds"].items())
        self.stdout.write(
            f"care list {result['day']}: {result['created']} new items ({kinds}); {result['emailed']} e-mails queued"
        )
