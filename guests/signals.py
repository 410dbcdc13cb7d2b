"""Events other apps listen to.  Sent after the transaction commits, never inside it."""

from django.dispatch import Signal

# stay_ids: list[int] of stays created or changed by an upsert or import.
stays_upserted = Signal()
# survivor_id, merged_id
guests_merged = Signal()
# guest_id: sent inside the erasing transaction; receivers scrub their personal free text.
guest_erased = Signal()
