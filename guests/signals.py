"""Events other apps listen to.  Sent after the transaction commits, never inside it."""

from django.dispatch import Signal

# stay_ids: list[int] of stays created or changed by an upsert or import.
stays_upserted = Signal()
# survivor_id, merged_id
guests_merged = Signal()
