"""Events other apps listen to.  Sent after the transaction commits, never inside it."""

from django.dispatch import Signal

# stay_ids: list[int] of stays created or changed by an upsert or import.
stays_upserted = Signal()
# survivor_id, merged_id
guests_merged = Signal()
# stay_ids: list[int] — the stays of the guests a merge (or its undo) joined or split,
# after the move: their guest or their guest's history changed, nothing else.
stays_moved = Signal()
