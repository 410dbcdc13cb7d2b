"""Running the customer pyramid: validate, lock, read once, compute, write, flip.

``segmentation_run`` is the only writer of segmentation data.  The rules it enforces:

* bad input (an as-of date in the future or before any checked-out stay, invalid cut
  settings) is refused with a ``DomainError`` naming the field before anything is
  written — no run row is left behind;
* one run at a time (``analytics.locks``): a second one is refused with ``ConflictError``;
  a run left *running* by a killed process is marked failed by the next start
  (``segmentation_interrupted_fail``);
* the heavy lifting is ONE aggregate query per (guest, property), streamed out with
  ``COPY`` on PostgreSQL (:mod:`.aggregate`), then ranking and cuts in numpy
  (``analytics.segmentation``), then bulk writes (:mod:`.storage`);
* a run's rows, its figures, the removal of the run it replaces (same as-of date) and
  the switch of the *current* run happen in one transaction (:mod:`.runs`): a failed or
  interrupted run never replaces the last good one, and a date never has two completed
  runs;
* the current run is the completed run with the latest as-of date (re-running an older
  date refreshes that snapshot without taking over).
"""

from .runs import segmentation_interrupted_fail, segmentation_run

__all__ = ["segmentation_interrupted_fail", "segmentation_run"]
