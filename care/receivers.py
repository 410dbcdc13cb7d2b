"""Reactions to other apps' events; each hands over to a service at once."""

from . import services


def close_returned_warnings(sender, stay_ids=(), **kwargs):
    """A stay was created or changed: a guest who stayed again is no longer churning."""
    if stay_ids:
        services.warnings_close_returned(stay_ids=stay_ids)
