from django.core.management.base import BaseCommand, CommandError

from crm_site.errors import DomainError
from nightly import services
from nightly.models import NightlyRun


class Command(BaseCommand):
    help = (
        "Run the nightly pipeline now, synchronously, for an as-of date: requalify tiers, expire points, "
        "customer pyramid, churn scan, care list — each step after the previous one completed; a failed step "
        "skips the rest. Recorded in the run table; rerunning a date replaces that date's run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="as-of date YYYY-MM-DD (default: today; not in the future)")

    def handle(self, *args, as_of=None, **options):
        try:
            run = services.nightly_run_request(as_of=as_of, trigger=NightlyRun.Trigger.COMMAND)
            run = services.nightly_run_execute(run=run)
        except DomainError as exc:  # ConflictError (a run in progress) is one too
            prefix = f"{exc.field}: " if exc.field else ""
            raise CommandError(f"{prefix}{exc.message}") from None
        for step in run.steps.order_by("position"):
            line = f"  {step.position + 1}. {step.get_name_display()}: {step.get_status_display()}"
            if step.duration_ms is not None:
                line += f" in {step.duration_ms / 1000:.2f} s"
            if step.error:
                line += f" — {step.error}"
            self.stdout.write(line)
        summary = f"Nightly run {run.pk} as of {run.as_of:%Y-%m-%d}: {run.get_status_display()}"
        if run.status != NightlyRun.Status.COMPLETED:
            raise CommandError(f"{summary}. {run.error}")
        self.stdout.write(self.style.SUCCESS(summary))
