from django.core.management.base import BaseCommand

from loyalty import services


class Command(BaseCommand):
    help = (
        "Re-post every member's stays in departure order, year boundary by year boundary, with today's tier rules, "
        "writing only the differences (compensating adjustments, superseded tier changes). Repairs ledgers posted "
        "before stays were kept in time order. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--member", action="append", type=int, dest="members", help="membership id (repeatable)")

    def handle(self, *args, members=None, **options):
        stats = services.memberships_replay(membership_ids=members)
        self.stdout.write(
            "loyalty replay: %(members)d members, %(changed)d changed, %(rows)d ledger rows written" % stats
        )
