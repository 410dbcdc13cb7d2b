"""Login page with throttling: repeated failures for one username or address lock the
form for a while instead of letting a script guess passwords."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.utils.translation import gettext as _

WINDOW_SECONDS = getattr(settings, "LOGIN_THROTTLE_WINDOW", 15 * 60)
MAX_FAILURES = getattr(settings, "LOGIN_THROTTLE_FAILURES", 5)


def _keys(request, username: str) -> list[str]:
    address = request.META.get("REMOTE_ADDR", "")
    return [f"login-fail:user:{username.lower()}", f"login-fail:addr:{address}"]


def login_blocked(request, username: str) -> bool:
    return any((cache.get(key) or 0) >= MAX_FAILURES for key in _keys(request, username))


def record_failure(request, username: str) -> None:
    for key in _keys(request, username):
        cache.add(key, 0, WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, WINDOW_SECONDS)


def clear_failures(request, username: str) -> None:
    cache.delete_many(_keys(request, username))


class ThrottledLoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        if login_blocked(request, username):
            # Never check the password while locked: show an empty form and the reason.
            form = self.get_form_class()(self.request)
            context = self.get_context_data(
                form=form, throttled=_("Too many failed log-in attempts. Wait 15 minutes and try again.")
            )
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        record_failure(self.request, self.request.POST.get("username", ""))
        return super().form_invalid(form)

    def form_valid(self, form):
        clear_failures(self.request, form.get_user().get_username())
        return super().form_valid(form)
