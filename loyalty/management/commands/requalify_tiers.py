from django.core.management.base import BaseCommand, CommandError

from crm_site.errors import DomainError
from loyalty import tasks


class Command(BaseCommand):
    help = (
        "Run the nightly tier requalification synchronously: post member stays a lost task missed, "
        "move members up (at once) or down (after their tier's validity ran out, one year boundary at a time). "
        "Idempotent per date."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="date to requalify as of, YYYY-MM-DD (default: today)")

    def handle(self, *args, as_of=None, **options):
        try:
            tasks.run_date(as_of)
        except DomainError as error:
            raise CommandError(f"--as-of: {error.message}") from None
        stats = tasks.requalify_tiers(as_of)
        self.stdout.write(
            "loyalty tiers: %(members)d members, %(upgrade)d up, %(renewal)d renewed, %(downgrade)d down, "
            "%(caught_up)d stays caught up" % stats
        )
