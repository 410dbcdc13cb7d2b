"""The demo data gives the scan every reason and the care list every kind of item."""

from io import StringIO

from django.core.management import call_command

from care import demo
from care.models import CareTask, ChurnWarning, StaySurvey
from guests import demo as guests_demo
from guests.models import Guest, Stay


def test_demo_produces_every_reason_and_a_week_of_care(db):
    ctx = guests_demo.seed(guests=400, seed=7)
    demo.seed(ctx)
    counts = (Guest.objects.count(), Stay.objects.count(), StaySurvey.objects.count(), ChurnWarning.objects.count())
    demo.seed(ctx)  # idempotent: a rerun adds nothing
    assert counts == (
        Guest.objects.count(),
        Stay.objects.count(),
        StaySurvey.objects.count(),
        ChurnWarning.objects.count(),
    )
    assert ChurnWarning.objects.filter(outcome="lost").exclude(lost_reason="").count() == len(demo.LOST)

    call_command("run_segmentation", stdout=StringIO())
    out = StringIO()
    call_command("scan_churn", stdout=out)

    open_warnings = ChurnWarning.objects.filter(status="open")
    for reason in ("lapsed", "declining", "at_risk"):
        assert open_warnings.filter(reasons__has_key=reason).exists(), reason
    opted_out = Guest.objects.get(email=demo.EMAIL.format(key="lapsed-optout"))
    assert not ChurnWarning.objects.filter(guest=opted_out).exists()
    kinds = set(CareTask.objects.values_list("kind", flat=True))
    assert kinds == {"birthday", "anniversary", "post_stay", "win_back"}
    birthdays = CareTask.objects.filter(kind="birthday", guest__email__startswith="care.")
    assert birthdays.count() == 4
    assert birthdays.filter(guest__marketing_email_consent=False, guest__marketing_sms_consent=False).exists()
