"""API shapes of the key-account app.  Serializers render and document; services decide
(writes pass the request body to a service, which names every invalid field)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import (
    Account,
    AccountContact,
    AccountDocument,
    AccountEvent,
    AccountExternalId,
    AccountMerge,
    AccountTeamMember,
    Activity,
    Agreement,
    Competitor,
    DriverScore,
    Level,
    LevelChange,
    RoadmapMilestone,
    RoadmapStage,
    ValueDriver,
)
from ..selectors import contact_label

# An agreement's rate, discount and commission are negotiated terms, not revenue: they are
# declared OPERATIONAL_AMOUNTS in ``accounts/roles.py`` (the salespeople see them).


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class AccountSerializer(serializers.ModelSerializer):
    """A key account.  ``owner`` changes by handover, ``relationship_level`` through the
    level endpoint (with a reason); ``account_manager`` is the old companies' name for
    the owner (read-only)."""

    display_name = serializers.CharField(read_only=True)
    account_manager = serializers.IntegerField(source="owner_id", read_only=True, allow_null=True)
    owner = serializers.IntegerField(
        source="owner_id", required=False, allow_null=True, help_text=_("Creation only: a salesperson's user id.")
    )
    parent = serializers.IntegerField(source="parent_id", required=False, allow_null=True)
    level_reason = serializers.CharField(
        write_only=True, required=False, help_text=_("Creation only: why the account starts at this level.")
    )
    level_target = serializers.ChoiceField(choices=Level.choices, read_only=True, allow_blank=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "display_name",
            "name",
            "name_latin",
            "account_type",
            "account_class",
            "parent",
            "tax_title",
            "tax_number",
            "iata_code",
            "corporate_id",
            "owner",
            "account_manager",
            "relationship_level",
            "level_target",
            "level_review_on",
            "rate_code",
            "notes",
            "level_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["level_target", "level_review_on", "created_at", "updated_at"]


class ExternalIdSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccountExternalId
        fields = ["id", "system", "external_id", "created_at"]
        read_only_fields = ["created_at"]


class TeamMemberSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id")
    property = serializers.IntegerField(source="property_id", required=False, allow_null=True)

    class Meta:
        model = AccountTeamMember
        fields = ["id", "user", "role", "property", "added_at"]
        read_only_fields = ["added_at"]


class LevelChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.IntegerField(source="changed_by_id", read_only=True, allow_null=True)

    class Meta:
        model = LevelChange
        fields = [
            "id",
            "from_level",
            "to_level",
            "target_level",
            "review_on",
            "reason",
            "effective_on",
            "changed_by",
            "changed_at",
        ]


class LevelChangeRequestSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=LevelChange._meta.get_field("to_level").choices)
    reason = serializers.CharField()
    target_level = serializers.CharField(required=False, allow_blank=True)
    review_on = serializers.DateField(required=False, allow_null=True)
    effective_on = serializers.DateField(required=False, allow_null=True, help_text=_("Default: today."))


class HandoverRequestSerializer(serializers.Serializer):
    owner = serializers.IntegerField(help_text=_("The new owner: a salesperson's user id."))


class HandoverResultSerializer(serializers.Serializer):
    accounts = serializers.IntegerField()
    activities = serializers.IntegerField(help_text=_("Open activities moved to the new owner."))


class BulkHandoverRequestSerializer(HandoverRequestSerializer):
    accounts = serializers.ListField(child=serializers.IntegerField(), help_text=_("Account ids."))


class AccountMergeRequestSerializer(serializers.Serializer):
    merged = serializers.IntegerField(help_text=_("The duplicate account merged into this one."))
    note = serializers.CharField(required=False, allow_blank=True)


class AccountMergeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccountMerge
        fields = ["id", "survivor", "merged", "note", "moved", "merged_by", "merged_at", "undone_by", "undone_at"]


class ContactSerializer(serializers.ModelSerializer):
    """A contact: ``guest`` (a guest profile, whose name and consented channels are
    shown) or a contact-only person (``name``, ``email``, ``phone``)."""

    guest = serializers.IntegerField(source="guest_id", required=False, allow_null=True)
    display_name = serializers.SerializerMethodField()

    class Meta:
        model = AccountContact
        fields = [
            "id",
            "guest",
            "display_name",
            "name",
            "email",
            "phone",
            "job_title",
            "role",
            "level",
            "influence",
            "attitude",
            "last_touch_on",
            "notes",
            "is_erased",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_erased", "created_at", "updated_at"]

    def get_display_name(self, contact) -> str:
        return contact_label(contact)


class CoverageSerializer(serializers.Serializer):
    levels_covered = serializers.IntegerField()
    levels_total = serializers.IntegerField()
    roles_covered = serializers.IntegerField()
    roles_total = serializers.IntegerField()
    levels = serializers.ListField(child=serializers.CharField())
    roles = serializers.ListField(child=serializers.CharField())
    missing_levels = serializers.ListField(child=serializers.CharField())
    missing_roles = serializers.ListField(child=serializers.CharField())
    score = serializers.FloatField()


class DriverScoreSerializer(serializers.ModelSerializer):
    driver = serializers.SlugRelatedField(slug_field="code", read_only=True)
    label = serializers.CharField(source="driver.label", read_only=True)
    gap = serializers.IntegerField(read_only=True)

    class Meta:
        model = DriverScore
        fields = ["driver", "label", "importance", "our_score", "gap", "note"]


class CompetitorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Competitor
        fields = ["id", "name", "position", "strengths", "notes", "created_at"]
        read_only_fields = ["created_at"]


class DocumentSerializer(serializers.ModelSerializer):
    agreement = serializers.IntegerField(source="agreement_id", required=False, allow_null=True)

    class Meta:
        model = AccountDocument
        fields = ["id", "kind", "title", "url", "agreement", "added_at"]
        read_only_fields = ["added_at"]


class PlanSerializer(serializers.Serializer):
    external_pressures = serializers.CharField(allow_blank=True, required=False)
    business_goals = serializers.CharField(allow_blank=True, required=False)
    internal_challenges = serializers.CharField(allow_blank=True, required=False)
    share_of_wallet = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, required=False)
    unique_proposal = serializers.CharField(allow_blank=True, required=False)
    scores = DriverScoreSerializer(
        many=True, required=False, help_text=_("Write: [{driver, importance, our_score, note}].")
    )
    competitors = CompetitorSerializer(many=True, read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)


class ActivitySerializer(serializers.ModelSerializer):
    """An activity.  Creating one with an ``outcome`` records it as done (dated
    ``due_on``); ``next_step`` + ``next_due_on`` then plan the follow-up."""

    owner = serializers.IntegerField(source="owner_id", required=False)
    contact = serializers.IntegerField(source="contact_id", required=False, allow_null=True)
    property = serializers.IntegerField(source="property_id", required=False, allow_null=True)
    follow_up = serializers.IntegerField(source="follow_up_id", read_only=True, allow_null=True)
    account = serializers.IntegerField(source="account_id", read_only=True)
    next_due_on = serializers.DateField(write_only=True, required=False)
    next_kind = serializers.CharField(write_only=True, required=False)

    class Meta:
        model = Activity
        fields = [
            "id",
            "account",
            "kind",
            "subject",
            "owner",
            "due_on",
            "status",
            "done_on",
            "outcome",
            "next_step",
            "next_due_on",
            "next_kind",
            "follow_up",
            "contact",
            "property",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "done_on", "created_at", "updated_at"]


class ActivityCompleteSerializer(serializers.Serializer):
    outcome = serializers.CharField()
    done_on = serializers.DateField(required=False, help_text=_("Default: today."))
    next_step = serializers.CharField(required=False, allow_blank=True)
    next_due_on = serializers.DateField(required=False)
    next_kind = serializers.CharField(required=False)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True)


class AgreementSerializer(serializers.ModelSerializer):
    """A negotiated rate code of the account at a property.  ``rate_amount``,
    ``discount_percent``, ``commission_percent`` and ``room_nights_committed`` are
    negotiated terms (``accounts/roles.py``: operational amounts, not revenue)."""

    account = serializers.IntegerField(source="account_id", read_only=True)
    property = serializers.CharField(source="property.code", help_text=_("Property code (or id on input)."))

    class Meta:
        model = Agreement
        fields = [
            "id",
            "account",
            "property",
            "rate_code",
            "valid_from",
            "valid_to",
            "rate_amount",
            "discount_percent",
            "currency",
            "inclusions",
            "room_nights_committed",
            "commitment_period",
            "commission_percent",
            "status",
            "signed_on",
            "renewal_on",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["signed_on", "created_at", "updated_at"]


class MilestoneSerializer(serializers.ModelSerializer):
    stage = serializers.SlugRelatedField(slug_field="code", queryset=RoadmapStage.objects.all())
    label = serializers.CharField(read_only=True)

    class Meta:
        model = RoadmapMilestone
        fields = ["id", "code", "stage", "name", "name_zh", "label", "sort_order", "is_active"]


class StageSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = RoadmapStage
        fields = ["id", "code", "name", "name_zh", "label", "sort_order", "requires_order", "is_active", "milestones"]


class ValueDriverSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = ValueDriver
        fields = ["id", "code", "name", "name_zh", "label", "description", "sort_order", "is_active"]


class MilestoneStateSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    reached_on = serializers.DateField(allow_null=True)
    is_next = serializers.BooleanField()


class StageStateSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    requires_order = serializers.BooleanField()
    is_current = serializers.BooleanField()
    milestones = MilestoneStateSerializer(many=True)


class RoadmapStateSerializer(serializers.Serializer):
    current_stage = serializers.CharField(allow_null=True)
    next_milestone = serializers.CharField(allow_null=True)
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    stages = StageStateSerializer(many=True)


class MilestoneTickSerializer(serializers.Serializer):
    milestone = serializers.CharField(help_text=_("Milestone code (or id)."))
    done_on = serializers.DateField(required=False, help_text=_("Default: today."))
    note = serializers.CharField(required=False, allow_blank=True)


class TimelineEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="event.at")
    kind = serializers.CharField(source="event.kind")
    label = serializers.CharField(source="event.get_kind_display")
    text = serializers.CharField()
    actor = serializers.IntegerField(source="event.actor_id", allow_null=True)
    activity = serializers.IntegerField(source="event.activity_id", allow_null=True)
    agreement = serializers.IntegerField(source="event.agreement_id", allow_null=True)
    data = serializers.JSONField(source="event.data")


class AccountDetailSerializer(AccountSerializer):
    """An account with its group roll-up, ids, team, coverage and roadmap position."""

    children = serializers.SerializerMethodField()
    external_ids = ExternalIdSerializer(many=True, read_only=True)
    team = TeamMemberSerializer(many=True, read_only=True)
    rollup = serializers.SerializerMethodField()
    coverage = serializers.SerializerMethodField()
    roadmap = serializers.SerializerMethodField()

    class Meta(AccountSerializer.Meta):
        fields = [*AccountSerializer.Meta.fields, "children", "external_ids", "team", "rollup", "coverage", "roadmap"]

    def get_children(self, account) -> list[int]:
        return [c.pk for c in self.context["rollup"].children]

    def get_rollup(self, account) -> dict:
        rollup = self.context["rollup"]
        return {
            "accounts": rollup.accounts,
            "contacts": rollup.contacts,
            "open_activities": rollup.open_activities,
            "overdue_activities": rollup.overdue_activities,
            "signed_agreements": rollup.signed_agreements,
            "committed_room_nights_per_year": rollup.committed_room_nights_per_year,
        }

    def get_coverage(self, account) -> dict:
        return self.context["coverage"].as_dict()

    def get_roadmap(self, account) -> dict:
        progress = self.context["progress"]
        return {
            "current_stage": progress.stage.code if progress.stage else None,
            "next_milestone": progress.next_milestone.code if progress.next_milestone else None,
            "done": progress.done,
            "total": progress.total,
        }


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccountEvent
        fields = ["id", "kind", "at", "actor", "activity", "agreement", "data"]
