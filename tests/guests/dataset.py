"""Where the published hotel-booking-demand file is: ``../shared/data`` next to the
checkout (``CRM_SHARED_DIR`` names another folder); tests that read it skip, saying
why, when it is not there."""

import os
from pathlib import Path

import pytest
from django.conf import settings

SHARED = Path(os.environ.get("CRM_SHARED_DIR") or Path(settings.BASE_DIR).parent / "shared")
DATASET = SHARED / "data" / "hotel_bookings.csv.gz"
needs_dataset = pytest.mark.skipif(
    not DATASET.exists(),
    reason=f"the published dataset is not at {DATASET} (../shared/data/hotel_bookings.csv.gz, or set CRM_SHARED_DIR)",
)
