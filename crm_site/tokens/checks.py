"""Start-up checks of the credential settings: a bad value is refused, not discovered at
the first log-in."""

from django.conf import settings
from django.core import checks

_POSITIVE = {
    "LOGIN_FAILURE_LIMIT": "failed log-ins per account before it is locked",
    "LOGIN_LOCKOUT_MINUTES": "minutes an account stays locked",
    "API_TOKEN_TTL_HOURS": "hours an API token lives",
}


@checks.register(checks.Tags.security)
def check_credential_settings(app_configs=None, **kwargs):
    errors = []
    for name, meaning in _POSITIVE.items():
        if getattr(settings, name) < 1:
            errors.append(checks.Error(f"{name} must be at least 1 ({meaning}).", id="tokens.E001"))
    if not 0 <= settings.API_TOKEN_CACHE_SECONDS <= 60:
        errors.append(
            checks.Error("API_TOKEN_CACHE_SECONDS must be 0-60 (a revoked token must stop soon).", id="tokens.E004")
        )
    if not 0 <= settings.PERMISSION_CACHE_SECONDS <= 60:
        errors.append(
            checks.Error("PERMISSION_CACHE_SECONDS must be 0-60 (a role taken away must stop soon).", id="tokens.E005")
        )
    if settings.TRUSTED_PROXY_COUNT < 0:
        errors.append(checks.Error("TRUSTED_PROXY_COUNT must be 0 or more.", id="tokens.E002"))
    directives = settings.CONTENT_SECURITY_POLICY.get("DIRECTIVES", {})
    for directive, sources in directives.items():
        if isinstance(sources, list | tuple | set) and {"'unsafe-inline'", "'unsafe-eval'"} & set(sources):
            errors.append(
                checks.Error(f"CONTENT_SECURITY_POLICY {directive} must not allow inline code.", id="tokens.E003")
            )
    return errors
