from django.core.management.base import BaseCommand, CommandError

from crm_site.errors import DomainError

from ... import services
from ...models import RANKED_SEGMENTS, Segment, SegmentationRun


class Command(BaseCommand):
    help = (
        "Compute the customer pyramid (VIP / Major / Ordinary / Small, Inactive, Prospect), RFM scores "
        "and Pareto figures for an as-of date, synchronously, and make it current. Re-running a date "
        "replaces that date's run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="as-of date YYYY-MM-DD (default: today)")

    def handle(self, *args, as_of=None, **options):
        try:
            run = services.segmentation_run(as_of=as_of, trigger=SegmentationRun.Trigger.COMMAND)
        except DomainError as exc:  # ConflictError (another run in progress) is one too
            prefix = f"{exc.field}: " if exc.field else ""
            raise CommandError(f"{prefix}{exc.message}") from None
        counts = run.segment_counts
        order = [str(s) for s in RANKED_SEGMENTS] + [str(Segment.INACTIVE), str(Segment.PROSPECT), str(Segment.BOOKED)]
        self.stdout.write(
            f"Segmentation run {run.pk} as of {run.as_of:%Y-%m-%d}: {run.guest_count} guests, "
            f"{run.active_count} active, net revenue {run.total_revenue}; "
            f"{run.opted_out_count} left out (opted out of profiling)"
        )
        self.stdout.write("  " + "  ".join(f"{code}={counts.get(code, 0)}" for code in order))
        self.stdout.write(self.style.SUCCESS(f"Done in {run.duration_ms / 1000:.2f} s."))
