"""The account plan: expected-value drivers as data, importance and our score giving the
gap, discovery, competitors, documents (links)."""

import pytest

from accounts import services
from accounts.models import AccountDocument, AccountPlan, Competitor, DriverScore, ValueDriver
from crm_site.errors import DomainError, Forbidden

pytestmark = pytest.mark.django_db


def test_the_default_drivers_are_data_in_english_and_chinese():
    from django.utils import translation

    price = ValueDriver.objects.get(code="price")
    assert {"price", "location", "flexibility", "billing", "meeting-space"} <= set(
        ValueDriver.objects.values_list("code", flat=True)
    )
    with translation.override("zh-hans"):
        assert price.label == "价格"
    with translation.override("en"):
        assert price.label == "Price"


def test_scores_give_the_gap_between_what_matters_and_what_we_deliver(own_account, salesperson):
    services.driver_scores_set(
        account_id=own_account.pk,
        scores=[
            {"driver": "price", "importance": 5, "our_score": 2},
            {"driver": "location", "importance": "3", "our_score": "4"},
        ],
        by=salesperson,
    )
    gaps = {s.driver.code: s.gap for s in DriverScore.objects.select_related("driver")}
    assert gaps == {"price": 3, "location": -1}
    # Setting a driver again replaces its scores.
    services.driver_scores_set(
        account_id=own_account.pk, scores=[{"driver": "price", "importance": 4, "our_score": 4}], by=salesperson
    )
    assert DriverScore.objects.get(driver__code="price").gap == 0


def test_a_new_driver_added_by_a_director_is_scored_like_the_defaults(own_account, director):
    services.driver_save(data={"code": "wellness", "name": "Wellness", "name_zh": "康体"}, by=director)
    services.driver_scores_set(
        account_id=own_account.pk, scores=[{"driver": "wellness", "importance": 4, "our_score": 1}], by=director
    )
    assert DriverScore.objects.get().gap == 3


@pytest.mark.parametrize(
    ("scores", "field"),
    [
        ([{"driver": "price", "importance": 6, "our_score": 2}], "scores[0].importance"),
        ([{"driver": "price", "importance": 0, "our_score": 2}], "scores[0].importance"),
        ([{"driver": "price", "importance": 3}], "scores[0].our_score"),
        (
            [{"driver": "price", "importance": 3, "our_score": 2}, {"driver": "nope", "importance": 3, "our_score": 2}],
            "scores[1].driver",
        ),
        (["price"], "scores[0]"),
        ("price", "scores"),
    ],
)
def test_bad_scores_name_the_entry_and_write_nothing(own_account, salesperson, scores, field):
    with pytest.raises(DomainError) as caught:
        services.driver_scores_set(account_id=own_account.pk, scores=scores, by=salesperson)
    assert field in caught.value.fields
    assert not DriverScore.objects.exists()


def test_a_switched_off_driver_cannot_be_scored(own_account, director):
    ValueDriver.objects.filter(code="price").update(is_active=False)
    with pytest.raises(DomainError) as caught:
        services.driver_scores_set(
            account_id=own_account.pk, scores=[{"driver": "price", "importance": 3, "our_score": 3}], by=director
        )
    assert "scores[0].driver" in caught.value.fields


def test_discovery_share_of_wallet_and_unique_proposal(own_account, salesperson):
    services.plan_update(
        account_id=own_account.pk,
        data={
            "external_pressures": "Budget cuts",
            "business_goals": "Grow in Asia",
            "internal_challenges": "Six agencies",
            "share_of_wallet": "35.5",
            "unique_proposal": "One rate, monthly billing",
        },
        by=salesperson,
    )
    plan = AccountPlan.objects.get(account=own_account)
    assert (plan.share_of_wallet, plan.updated_by) == (pytest.approx(35.5), salesperson)
    services.plan_update(account_id=own_account.pk, data={"business_goals": "Grow in Europe"}, by=salesperson)
    plan.refresh_from_db()
    assert (plan.external_pressures, plan.business_goals) == ("Budget cuts", "Grow in Europe")


@pytest.mark.parametrize(
    ("value", "ok"), [("0", True), ("100", True), ("100.01", False), ("-1", False), ("lots", False), ("1.234", False)]
)
def test_share_of_wallet_is_a_percentage(own_account, salesperson, value, ok):
    if ok:
        services.plan_update(account_id=own_account.pk, data={"share_of_wallet": value}, by=salesperson)
        return
    with pytest.raises(DomainError) as caught:
        services.plan_update(account_id=own_account.pk, data={"share_of_wallet": value}, by=salesperson)
    assert "share_of_wallet" in caught.value.fields
    assert not AccountPlan.objects.exists()


def test_competitors_are_named_once_with_our_position(own_account, salesperson):
    services.competitor_save(
        account_id=own_account.pk, data={"name": "Grand Harbour", "position": "behind"}, by=salesperson
    )
    with pytest.raises(DomainError) as caught:
        services.competitor_save(account_id=own_account.pk, data={"name": "grand harbour"}, by=salesperson)
    assert "name" in caught.value.fields
    with pytest.raises(DomainError) as caught:
        services.competitor_save(
            account_id=own_account.pk, data={"name": "City Suites", "position": "winning"}, by=salesperson
        )
    assert "position" in caught.value.fields
    assert list(Competitor.objects.values_list("name", "position")) == [("Grand Harbour", "behind")]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://files.example/plan.pdf", "not a link", ""])
def test_documents_are_http_links_only(own_account, salesperson, url):
    with pytest.raises(DomainError) as caught:
        services.document_add(account_id=own_account.pk, data={"title": "Plan", "url": url}, by=salesperson)
    assert "url" in caught.value.fields
    assert not AccountDocument.objects.exists()


def test_a_document_may_belong_to_one_of_the_accounts_agreements(own_account, others_account, salesperson):
    from .factories import AgreementFactory

    mine, theirs = AgreementFactory(account=own_account), AgreementFactory(account=others_account)
    doc = services.document_add(
        account_id=own_account.pk,
        data={"title": "Contract 2026", "url": "https://docs.example/c.pdf", "kind": "contract", "agreement": mine.pk},
        by=salesperson,
    )
    assert doc.agreement == mine
    with pytest.raises(DomainError) as caught:
        services.document_add(
            account_id=own_account.pk,
            data={"title": "X", "url": "https://docs.example/x", "agreement": theirs.pk},
            by=salesperson,
        )
    assert "agreement" in caught.value.fields


def test_someone_elses_plan_is_read_only(others_account, salesperson):
    with pytest.raises(Forbidden) as caught:
        services.plan_update(account_id=others_account.pk, data={"business_goals": "Mine now"}, by=salesperson)
    assert "account" in caught.value.fields
    assert not AccountPlan.objects.exists()
