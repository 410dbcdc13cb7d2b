"""API permissions: Django model permissions, with ``view`` required for reads."""

from rest_framework.permissions import BasePermission, DjangoModelPermissions


class CrmModelPermissions(DjangoModelPermissions):
    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }


def require_perms(*perms: str, write_perms: tuple[str, ...] = ()):
    """A permission class for views that are not a plain model viewset.

    ``perms`` are needed for every request; ``write_perms`` additionally for unsafe ones.
    """

    class _Required(BasePermission):
        message = "You do not have permission to perform this action."

        def has_permission(self, request, view):
            user = request.user
            if not (user and user.is_authenticated):
                return False
            if not user.has_perms(perms):
                return False
            if request.method not in ("GET", "HEAD", "OPTIONS") and write_perms:
                return user.has_perms(write_perms)
            return True

    _Required.__name__ = "Require_" + "_".join(p.replace(".", "_") for p in perms)
    return _Required
