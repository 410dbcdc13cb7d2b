"""Log-in, log-in to the admin and password change.

Throttling is django-axes' (see ``crm_site.login_throttle``): these views only run each
attempt inside :func:`~crm_site.login_throttle.account_guard`, so parallel guesses for
one account are counted one after the other.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from .auth_middleware import api_only_message
from .login_throttle import account_guard
from .roles import is_api_only


class StaffAuthenticationForm(AuthenticationForm):
    """The web log-in: staff only; integrator accounts are told to use the API."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if is_api_only(user):
            raise ValidationError(api_only_message(), code="api_only")


class LoginView(auth_views.LoginView):
    form_class = StaffAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        with account_guard(request.POST.get("username", "")):
            return super().post(request, *args, **kwargs)


def admin_login(request, extra_context=None):
    """The admin's own log-in form, under the same per-account guard."""
    if request.method == "POST":
        with account_guard(request.POST.get("username", "")):
            return admin.site.login(request, extra_context)
    return admin.site.login(request, extra_context)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password.  This session stays logged in; every other session of the
    user ends (Django's session hash) and so does every API token of the user."""

    template_name = "registration/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request, _("Your password was changed. Your other sessions and your API tokens have ended.")
        )
        return response
