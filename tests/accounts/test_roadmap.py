"""The sales roadmap: stages and milestones as data, ticking in order where the stage
requires it, each account's stage and next milestone, the board."""

import pytest
from django.utils import translation

from accounts import selectors, services
from accounts.models import AccountMilestone, RoadmapMilestone, RoadmapStage
from crm_site.errors import DomainError

from .factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_the_default_roadmap_is_the_hotel_sales_cycle_with_26_key_nodes_in_both_languages():
    stages = selectors.roadmap()
    assert [v.stage.code for v in stages] == [
        "prospect",
        "site-visit",
        "proposal",
        "follow-up",
        "contract",
        "fulfilment",
        "regular-visits",
    ]
    assert sum(len(v.milestones) for v in stages) == 26
    with translation.override("zh-hans"):
        assert stages[1].stage.label == "实地考察"
        assert all(m.label != m.name for v in stages for m in v.milestones)


def test_ticking_out_of_order_names_the_milestone_to_tick_first(own_account, salesperson):
    with pytest.raises(DomainError) as caught:
        services.milestone_tick(account_id=own_account.pk, milestone="inspection-done", by=salesperson)
    assert list(caught.value.fields) == ["milestone"]
    assert "Site inspection invited" in caught.value.fields["milestone"][0]
    assert not AccountMilestone.objects.exists()
    services.milestone_tick(account_id=own_account.pk, milestone="invite-inspection", by=salesperson)
    services.milestone_tick(account_id=own_account.pk, milestone="inspection-done", by=salesperson)
    assert AccountMilestone.objects.count() == 2


def test_a_stage_without_order_takes_its_milestones_in_any_order(own_account, salesperson):
    services.milestone_tick(account_id=own_account.pk, milestone="terms-negotiated", by=salesperson)
    services.milestone_tick(account_id=own_account.pk, milestone="objections", by=salesperson)
    assert AccountMilestone.objects.count() == 2


def test_a_director_can_switch_order_on_and_the_rule_follows(own_account, director, salesperson):
    stage = RoadmapStage.objects.get(code="follow-up")
    services.stage_save(stage_id=stage.pk, data={"requires_order": True}, by=director)
    with pytest.raises(DomainError):
        services.milestone_tick(account_id=own_account.pk, milestone="terms-negotiated", by=salesperson)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"milestone": "no-such"}, "milestone"),
        ({"milestone": ""}, "milestone"),
        ({"milestone": "identify-account", "done_on": "2999-01-01"}, "done_on"),
        ({"milestone": "identify-account", "note": "x" * 301}, "note"),
    ],
)
def test_bad_ticks_name_the_field(own_account, salesperson, kwargs, field):
    with pytest.raises(DomainError) as caught:
        services.milestone_tick(account_id=own_account.pk, by=salesperson, **kwargs)
    assert field in caught.value.fields


def test_a_switched_off_milestone_is_skipped_by_the_order_and_cannot_be_ticked(own_account, director, salesperson):
    RoadmapMilestone.objects.filter(code="invite-inspection").update(is_active=False)
    with pytest.raises(DomainError):
        services.milestone_tick(account_id=own_account.pk, milestone="invite-inspection", by=salesperson)
    services.milestone_tick(account_id=own_account.pk, milestone="inspection-done", by=salesperson)


def test_untick_only_the_last_one_of_an_ordered_stage(own_account, salesperson):
    for code in ("identify-account", "map-decision-unit"):
        services.milestone_tick(account_id=own_account.pk, milestone=code, by=salesperson)
    with pytest.raises(DomainError) as caught:
        services.milestone_untick(account_id=own_account.pk, milestone="identify-account", by=salesperson)
    assert "milestone" in caught.value.fields
    services.milestone_untick(account_id=own_account.pk, milestone="map-decision-unit", by=salesperson)
    with pytest.raises(DomainError):
        services.milestone_tick(account_id=own_account.pk, milestone="identify-account", by=salesperson)  # already


def test_progress_is_the_first_stage_with_an_open_milestone(own_account, salesperson):
    codes = [m.code for v in selectors.roadmap() for m in v.milestones]
    for code in codes[:5]:  # the prospect stage (4) and the first site-visit milestone
        services.milestone_tick(account_id=own_account.pk, milestone=code, by=salesperson)
    services.milestone_tick(account_id=own_account.pk, milestone="objections", by=salesperson)  # a later stage
    progress = selectors.progress_for_accounts([own_account.pk])[own_account.pk]
    assert (progress.stage.code, progress.next_milestone.code, progress.done, progress.total) == (
        "site-visit",
        "inspection-done",
        6,
        26,
    )


def test_the_board_shows_accounts_by_stage_with_a_fixed_number_of_queries(salesperson, django_assert_num_queries):
    fresh = AccountFactory(name="Fresh")
    advanced = AccountFactory(name="Advanced")
    for m in [m for v in selectors.roadmap() for m in v.milestones][:8]:
        services.milestone_tick(account_id=advanced.pk, milestone=m.code)
    accounts = list(selectors.visible_accounts().order_by("name"))
    with django_assert_num_queries(3):
        board = selectors.roadmap_board(accounts)
    by_stage = {
        (c["stage"].code if c["stage"] else None): [card["account"].name for card in c["cards"]]
        for c in board["columns"]
    }
    assert by_stage["prospect"] == ["Fresh"]
    assert by_stage["proposal"] == ["Advanced"]
    for _i in range(5):
        AccountFactory()
    more = list(selectors.visible_accounts())
    with django_assert_num_queries(3):
        selectors.roadmap_board(more)
    assert fresh.pk


def test_vocabulary_edits_refuse_bad_input_naming_the_field(director):
    for data, field in [
        ({"name": "No code"}, "code"),
        ({"code": "Bad Code", "name": "x"}, "code"),
        ({"code": "prospect", "name": "Duplicate"}, "code"),
        ({"code": "new-stage", "name": ""}, "name"),
        ({"code": "new-stage", "name": "x", "sort_order": "first"}, "sort_order"),
    ]:
        with pytest.raises(DomainError) as caught:
            services.stage_save(data=data, by=director)
        assert field in caught.value.fields, data
    with pytest.raises(DomainError) as caught:
        services.milestone_save(data={"code": "x", "name": "X"}, by=director)
    assert "stage" in caught.value.fields
    milestone = services.milestone_save(
        data={"stage": "contract", "code": "legal-review", "name": "Legal review", "sort_order": 15}, by=director
    )
    assert milestone.stage.code == "contract"
    assert [m.code for m in RoadmapStage.objects.get(code="contract").milestones.order_by("sort_order")][:2] == [
        "agreement-sent",
        "legal-review",
    ]
