from rest_framework.routers import DefaultRouter


class CrmRouter(DefaultRouter):
    """The project's router: object ids in URLs are digits unless a viewset says otherwise,
    so ``/guests/abc/`` is a 404 before any view code runs (never a ``ValueError``)."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        lookup_value = getattr(viewset, "lookup_value_regex", None) or r"[0-9]+"
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{lookup_value})"
