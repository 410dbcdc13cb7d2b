from django.core.management.base import BaseCommand, CommandError

from crm_site.errors import DomainError
from loyalty import tasks


class Command(BaseCommand):
    help = "Expire the points of members without activity for the expiry period, synchronously. Idempotent per date."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="date to expire as of, YYYY-MM-DD (default: today)")

    def handle(self, *args, as_of=None, **options):
        try:
            tasks.run_date(as_of)
        except DomainError as error:
            raise CommandError(f"--as-of: {error.message}") from None
        stats = tasks.expire_points(as_of)
        self.stdout.write("loyalty expiry: %(expired_members)d balances, %(expired_points)d points expired" % stats)
