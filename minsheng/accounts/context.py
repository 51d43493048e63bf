from .roles import roles_of


def roles(request):
    user = getattr(request, "user", None)
    ctx = {"roles": roles_of(user)}
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True)
        if ctx["roles"].is_officer:  # an officer's or head's unread say which: 与我有关, and 本单位新件 apart
            from django.db.models import Count

            from minsheng.board.notify import note_list

            counts = unread.aggregate(all=Count("pk"), unit_new=Count("pk", filter=note_list("unit_new")))
            ctx["unread_count"], ctx["unread_unit_new"] = counts["all"], counts["unit_new"]
        else:
            ctx["unread_count"], ctx["unread_unit_new"] = unread.count(), 0
        ctx["unread_mine"] = ctx["unread_count"] - ctx["unread_unit_new"]
    return ctx
