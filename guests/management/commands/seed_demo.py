import importlib

from django.core.management.base import BaseCommand, CommandError

from guests import demo
from guests.services import tables_analyze

# Apps whose ``<app>.demo.seed(ctx)`` adds their part, in dependency order.
DEMO_APPS = ["loyalty", "complaints", "analytics", "care", "accounts", "performance"]


class Command(BaseCommand):
    help = (
        "Create (or complete) a realistic demo chain: properties, staff of every role, guests with "
        "Chinese and Latin names, heavy-tailed stays, preferences, memberships, complaints. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--guests", type=int, default=2000, help="number of demo guests (default 2000)")
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")

    def handle(self, *args, guests, seed, **options):
        if guests < 10 or guests > 2_000_000:
            raise CommandError("--guests must be between 10 and 2,000,000")
        ctx = demo.seed(guests=guests, seed=seed)
        for app in DEMO_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed(ctx)
        # Statistics for the new rows, so the first nightly run is planned on them.
        tables_analyze()
        for line in ctx.log:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins (password: %s):" % demo.DEMO_PASSWORD))
        for username, role, *_rest in demo.STAFF:
            self.stdout.write(f"  {username:<15} {role}")
