"""Keep tokens in step with their user, whatever path saved the user.

The guarantee itself is in ``CrmTokenAuthentication`` (every request checks that the user
is active and the token was issued under the current password); this receiver deletes
the tokens that can no longer work, so they vanish from the lists at once.  It is a
signal because passwords and the active flag change in many places (the admin, Django's
password views, ``changepassword``, a script): a service would miss some of them.
"""

from __future__ import annotations

from . import services


def end_tokens_on_credential_change(sender, instance, created=False, update_fields=None, **kwargs):
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    services.tokens_end_stale(user=instance)


def forget_checked_token(sender, instance, **kwargs):
    """A deleted (revoked, expired, stale) token stops at once in this process; other
    processes drop it within ``API_TOKEN_CACHE_SECONDS``."""
    from .authentication import checked_tokens

    checked_tokens.forget(instance.digest)


def forget_checked_tokens(sender, **kwargs):
    """A user's roles changed: every process re-reads permissions within the TTL, this
    one at once."""
    from .authentication import checked_tokens

    checked_tokens.forget()
