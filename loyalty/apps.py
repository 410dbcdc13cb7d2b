import logging

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# Stays per post_stay_points task: an import of thousands of stays becomes many small,
# independently retried tasks.
STAY_TASK_CHUNK = 500
logger = logging.getLogger(__name__)


def _on_stays_upserted(sender, stay_ids=(), **kwargs):
    # guests sends this after its transaction committed, so the task sees the stays.
    from kombu.exceptions import OperationalError as BrokerUnavailable

    from .tasks import post_stay_points

    ids = list(stay_ids)
    for start in range(0, len(ids), STAY_TASK_CHUNK):
        try:
            post_stay_points.delay(ids[start : start + STAY_TASK_CHUNK])
        except BrokerUnavailable:
            # The stays are saved; the nightly requalify_tiers run posts what was missed.
            logger.exception(
                "loyalty: could not enqueue points for %d stays", len(ids[start : start + STAY_TASK_CHUNK])
            )


def _ensure_default_tiers(sender, **kwargs):
    # Also after a test-database flush, which empties what migration 0002 seeded.
    from .defaults import seed_default_tiers
    from .models import Tier

    seed_default_tiers(Tier)


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self):
        from crm_site.extensions import GuestSection, IdentifierLookup, MergeHandler, PersonalData, register
        from guests.signals import stays_upserted

        from . import selectors, services

        post_migrate.connect(_ensure_default_tiers, sender=self, dispatch_uid="loyalty.default_tiers")
        stays_upserted.connect(_on_stays_upserted, dispatch_uid="loyalty.post_stay_points")
        register(
            # Guest search by member number (M + 9 digits, see loyalty.numbers).
            IdentifierLookup(key="member-number", lookup=selectors.guest_ids_by_member_number),
            PersonalData(
                key="loyalty", order=20, erase=services.guest_loyalty_erase, activity=services.loyalty_activity
            ),
            GuestSection(
                key="loyalty",
                order=20,
                profile=selectors.membership_section,
                template="loyalty/_guest_section.html",
                badges=selectors.tier_badges,
                profile_badges=selectors.tier_badges_from_section,
                permission="loyalty.view_membership",
            ),
            MergeHandler(
                key="loyalty",
                order=20,
                move=services.membership_merge_move,
                restore=services.membership_merge_restore,
            ),
        )
