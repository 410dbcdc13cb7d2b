from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TokensConfig(AppConfig):
    name = "crm_site.tokens"
    label = "tokens"
    verbose_name = _("API tokens")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from . import checks, receivers, schema  # noqa: F401  (system checks, OpenAPI auth schemes)

        post_save.connect(
            receivers.end_tokens_on_credential_change,
            sender=get_user_model(),
            dispatch_uid="tokens.end_tokens_on_credential_change",
        )
        post_delete.connect(
            receivers.forget_checked_token, sender="tokens.ApiToken", dispatch_uid="tokens.forget_checked_token"
        )
        m2m_changed.connect(
            receivers.forget_checked_tokens,
            sender=get_user_model().groups.through,
            dispatch_uid="tokens.forget_checked_tokens",
        )
