from .roles import roles_of


def roles(request):
    user = getattr(request, "user", None)
    ctx = {"roles": roles_of(user)}
    if user is not None and user.is_authenticated:
        ctx["unread_count"] = user.notifications.filter(read_at__isnull=True).count()
    return ctx
