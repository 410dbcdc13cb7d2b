from django.core.management.base import BaseCommand, CommandError

from crm_site.errors import DomainError
from guests import importers

MAX_ERRORS_SHOWN = 200


class Command(BaseCommand):
    help = (
        "Import stays (and their guests) from a file, row by row: every row is checked with the stay "
        "upsert's rules and errors are reported per row and column; a rejected row changes nothing and the "
        "other rows are imported (the command then exits with an error status); re-running the same file "
        "changes nothing (stays are keyed by property + confirmation number). Formats: 'csv' (our PMS "
        "export; columns in guests/importers/__init__.py) and 'hotel-booking-demand' "
        "(../shared/data/hotel_bookings.csv.gz as published)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the file to import (.csv or .csv.gz)")
        parser.add_argument(
            "--format",
            choices=importers.FORMATS,
            default=importers.FORMAT_CSV,
            help="file format (default: csv)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count what would change, then write nothing"
        )

    def handle(self, *args, file, format, dry_run, **options):
        try:
            result = importers.import_stays(path=file, format=format, dry_run=dry_run)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        for error in result.errors[:MAX_ERRORS_SHOWN]:
            self.stderr.write(str(error))
        if len(result.errors) > MAX_ERRORS_SHOWN:
            self.stderr.write(f"... and {len(result.errors) - MAX_ERRORS_SHOWN} more")
        prefix = "Dry run, nothing written: would have " if dry_run else ""
        summary = (
            f"{prefix}{result.rows} row(s) in {result.seconds:.1f}s: {result.created} stay(s) created, "
            f"{result.updated} updated, {result.unchanged} unchanged, {result.rejected} rejected; "
            f"{result.guests_created} guest(s) created, {result.guests_matched} matched"
            + (f"; properties created: {', '.join(result.properties_created)}" if result.properties_created else "")
            + "."
        )
        if result.errors:
            self.stdout.write(summary)
            raise CommandError(
                f"{len(result.errors)} error(s) in {len(result.rejected_rows)} row(s); those rows were not imported."
            )
        self.stdout.write(self.style.SUCCESS(summary))
