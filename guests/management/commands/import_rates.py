from django.core.management.base import BaseCommand, CommandError

from crm_site.errors import DomainError
from guests import services
from guests.importers.common import open_stream
from guests.services import BatchError


class Command(BaseCommand):
    help = (
        "Import exchange rates from a CSV file with the header currency,valid_from,rate (units of chain "
        "currency per unit, from that date until the currency's next rate). All or nothing: a missing or "
        "malformed currency, a zero or negative rate, a bad date, the same currency and date twice, or a "
        "date that already holds another rate rejects the file, naming each row and column. Rates already "
        "stored as given are left alone, so a file can be run again. Stays keep the rate they were "
        "converted with."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the file to import (.csv or .csv.gz)")
        parser.add_argument("--dry-run", action="store_true", help="check the file, then write nothing")

    def handle(self, *args, file, dry_run, **options):
        try:
            with open_stream(file) as stream:
                report = services.exchange_rates_import(stream=stream, dry_run=dry_run)
        except BatchError as exc:
            for error in exc.errors:
                self.stderr.write(f"row {error.row}, column {error.field}: {error.message}")
            raise CommandError(f"{exc.message} ({len(exc.errors)} error(s))") from None
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        prefix = "Dry run, nothing written: would have added " if dry_run else "Added "
        self.stdout.write(
            self.style.SUCCESS(f"{prefix}{len(report.created)} rate(s); {len(report.unchanged)} already stored.")
        )
