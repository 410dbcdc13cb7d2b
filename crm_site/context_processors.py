from .navigation import nav_for
from .roles import user_roles


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"nav_items": nav_for(user), "user_roles": user_roles(user)}
