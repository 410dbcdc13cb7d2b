"""Rebuild the hotel performance facts from the stays (idempotent; the reports keep the
old facts until the new ones are complete)."""

from django.core.management.base import BaseCommand, CommandError

from crm_site import parsing
from crm_site.errors import DomainError
from guests.models import Property
from performance.services import facts_rebuild


class Command(BaseCommand):
    help = "Rebuild the hotel performance facts (every property, or --property; every date, or --start/--end)."

    def add_arguments(self, parser):
        parser.add_argument("--property", action="append", default=[], help="A property code (repeatable).")
        parser.add_argument("--start", help="First date to rebuild (YYYY-MM-DD).")
        parser.add_argument("--end", help="Last date to rebuild (YYYY-MM-DD).")

    def handle(self, *args, **options):
        try:
            start = end = None
            if options["start"] or options["end"]:
                start, end = parsing.date_range(options["start"], options["end"])
        except DomainError as error:
            raise CommandError(f"{error.field}: {error.message}") from None
        property_ids = None
        if options["property"]:
            codes = [c.upper() for c in options["property"]]
            found = dict(Property.objects.filter(code__in=codes).values_list("code", "pk"))
            unknown = sorted(set(codes) - set(found))
            if unknown:
                raise CommandError(f"property: unknown code(s) {', '.join(unknown)}")
            property_ids = list(found.values())
        result = facts_rebuild(property_ids=property_ids, start=start, end=end)
        self.stdout.write(
            f"{result['ranges']} properties, {result['stays']} stays, {result['night_rows']} night rows, "
            f"{result['booking_rows']} booking rows"
            + (f", {result['journey_stays']} guest journey stays" if "journey_stays" in result else "")
            + f" in {result['seconds']} s"
        )
