"""The front desk's 360 page at work: stay history pages, and the questions asked before
clearing an alert or redeeming points (GET shows the question, nothing changes)."""

from tests.authz.policy import CHAIN, G, R, fresh

ROUTES = [
    R("guests:stays", G, "guest_read", CHAIN, kwargs={"pk": "guest"}),
    R("guests:note-deactivate", G, "guest_edit", CHAIN, kwargs={"pk": "guest", "note_id": "note"}),
    R("loyalty:redeem", G, "loyalty_redeem", CHAIN, kwargs={"pk": "membership"},
      data=lambda o: {"reward": o["reward"], "idempotency_key": fresh()}),
]  # fmt: skip
