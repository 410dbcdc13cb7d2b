"""API tokens (django-rest-knox's model, with an integer id and two columns of ours)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS

PREFIX_LENGTH = 8


class ApiToken(AbstractAuthToken):
    """One API token.  Only a SHA-512 digest of the secret is stored; the secret is shown
    once, when the token is issued.  A token always expires, and stops working when its
    user's password changes (``password_fingerprint``) or the user is deactivated."""

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(_("digest"), max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    expiry = models.DateTimeField(_("expires at"))
    password_fingerprint = models.CharField(
        _("password fingerprint"),
        max_length=64,
        help_text=_("Keyed hash of the password the user had when the token was issued."),
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["user", "expiry"], name="apitoken_user_expiry")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def prefix(self) -> str:
        """The first characters of the secret: enough to recognise a token, useless to use it."""
        return self.token_key[:PREFIX_LENGTH]
