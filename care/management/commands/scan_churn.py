import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from care import services
from crm_site.errors import DomainError


class Command(BaseCommand):
    help = (
        "Run the churn early-warning scan now (what the nightly task does): flag lapsed, declining and "
        "at-risk guests, refresh open warnings, close those whose guest returned. Idempotent per date. "
        "When scanning today, today's care list is refreshed too (its win-back items follow the scan)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="scan date YYYY-MM-DD (default: today; not in the future)")
        parser.add_argument(
            "--skip-care-list", action="store_true", help="do not refresh today's care list after the scan"
        )

    def handle(self, *args, as_of=None, skip_care_list=False, **options):
        try:
            counts = services.churn_scan(as_of=as_of)
        except DomainError as error:
            raise CommandError(f"--as-of: {error.message}") from None
        reasons = counts["reasons"]
        self.stdout.write(
            f"churn scan {counts['as_of']}: {counts['stays_read']} stays, {counts['guests_with_stays']} guests; "
            f"flagged {counts['flagged']} (lapsed {reasons['lapsed']}, declining {reasons['declining']}, "
            f"at risk {reasons['at_risk']}); opened {counts['opened']}, updated {counts['updated']}, "
            f"closed {counts['closed_returned']} returned / {counts['closed_rebooked']} rebooked / "
            f"{counts['closed_cleared']} cleared, "
            f"suppressed {counts['suppressed']}; {counts['open_total']} open; {counts['duration_ms']} ms"
        )
        if options.get("verbosity", 1) > 1:
            self.stdout.write(json.dumps(counts, indent=2))
        if not skip_care_list and counts["as_of"] == timezone.localdate().isoformat():
            result = services.care_list_build()
            kinds = ", ".join(f"{kind} {n}" for kind, n in result["kinds"].items())
            self.stdout.write(f"care list {result['day']}: {result['created']} new items ({kinds})")
