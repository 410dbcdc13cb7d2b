from crm_site.roles import (
    CHAIN_ADMIN,
    FRONT_DESK,
    GUEST_RELATIONS,
    INTEGRATOR,
    INTEGRATOR_READONLY,
    SALES_MANAGER,
)

_VIEW = ["complaints.view_complaint"]
# Log a complaint and link it to the guest or stay once known.
_LOG = ["complaints.add_complaint", "complaints.change_complaint"]
# Work the queue: every move of the workflow.
_WORK = [
    "complaints.assign_complaint",
    "complaints.handle_complaint",
    "complaints.close_complaint",
    "complaints.reopen_complaint",
]
_ANALYSIS = ["complaints.view_complaint_analysis"]

ROLE_PERMISSIONS = {
    FRONT_DESK: _VIEW + _LOG,
    GUEST_RELATIONS: _VIEW + _LOG + _WORK,
    SALES_MANAGER: _VIEW + _ANALYSIS,
    CHAIN_ADMIN: _VIEW + _LOG + _WORK + _ANALYSIS,
    # Booking engines and review platforms push complaints (e.g. online reviews).
    INTEGRATOR: _VIEW + _LOG,
    INTEGRATOR_READONLY: list(_VIEW),
}

# Objects that belong to a hotel, with the lookup to it (crm_site.scope): a complaint,
# its timeline, its escalations and the notifications they sent.
PROPERTY_SCOPE = {
    "complaints.Complaint": "property",
    "complaints.ComplaintEvent": "complaint__property",
    "complaints.ComplaintEscalation": "complaint__property",
    "complaints.ComplaintNotification": "escalation__complaint__property",
}
# Amounts that are not revenue (crm_site.revenue): guest relations decide them.
OPERATIONAL_AMOUNTS = {
    "complaints.Complaint.compensation_money": "money given back to a guest, decided by guest relations",
}
