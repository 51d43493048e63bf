from decimal import Decimal, InvalidOperation

from django import template
from django.core.exceptions import SuspiciousOperation
from django.forms.utils import flatatt

from minsheng.board.forms import max_chars_attrs
from minsheng.board.position import PUBLIC_PLACES

register = template.Library()


@register.simple_tag
def max_chars(limit):
    """The limit of a text box or input written out in a template, as ``forms.CountedField`` gives a form's:
    ``{% max_chars 300 %}`` is ` data-max-chars="300" maxlength="600"` (``forms.max_chars_attrs``)."""
    return flatatt(max_chars_attrs(int(limit)))


@register.simple_tag
def position_words(latitude, longitude, exact=True):
    """A position read as a place, 「北纬 36.0611°, 东经 103.8343°」 (four decimals: about ten metres), or "" when
    either is missing or no coordinate: a message's 位置 to its author, the post form's 「已取得位置」 (its boxes'
    values, typed or sent back). The post form's script writes the same (board/post.html). A point rounded as
    the public reads it (not ``exact``: ``position.position_shown``) is written to the places it has, and
    said to be rounded, 「北纬 36.062°, 东经 103.834° (精确到约 100 米)」: 「36.0620°」 claimed ten metres of a
    point rounded to a hundred (2026-12-07)."""
    places = 4 if exact else PUBLIC_PLACES
    try:
        lat, lng = Decimal(str(latitude)), Decimal(str(longitude))
    except (InvalidOperation, TypeError, ValueError):
        return ""
    if not (lat.is_finite() and lng.is_finite() and abs(lat) <= 90 and abs(lng) <= 180):
        return ""
    rounded = "" if exact else " (精确到约 100 米)"
    return (f"{'北' if lat >= 0 else '南'}纬 {abs(lat):.{places}f}°, "
            f"{'东' if lng >= 0 else '西'}经 {abs(lng):.{places}f}°{rounded}")


@register.simple_tag(takes_context=True)
def safe_next(context):
    """The page's ?next= where the sign-in would follow it (``accounts.views.safe_next``), else "": the
    header's 登录/注册 on an account page keep it. Its own copy of the rule in base.html let 「/<tab>/evil.com」
    through, which a browser reads as another site (review, 2026-12-05)."""
    from minsheng.accounts.views import safe_next as checked

    request = context.get("request")
    try:
        return checked(request, "") if request is not None else ""
    except SuspiciousOperation:  # the page of a refused body (too big, too many fields): it reads again as refused
        return ""


@register.inclusion_tag("board/_calendar_warning.html", takes_context=True)
def calendar_warning(context, admin=False):
    """「2027 年的法定节假日尚未录入…」 where those who can have it entered look daily (the admin's index and
    节假日调整, the supervisors' 督办 and 驾驶舱): ``deadlines.unentered_years``, no query most of the time. The
    link to the admin for those allowed to enter them (only a staff account opens the admin, so no one
    else's permissions are read: two queries); ``admin``: in the admin's own warning style."""
    from minsheng.board import deadlines

    text = deadlines.unentered_warning(deadlines.unentered_years())
    user = context.get("user")
    can_enter = bool(text and user and user.is_staff and user.has_perm("board.add_calendarday"))
    return {"text": text, "can_enter": can_enter, "admin": admin}


@register.simple_tag
def page_numbers(pg):
    """The page numbers a staff list's pager offers for the page ``pg`` (board/staff/_pager.html): the first, the
    last and the two either side of it, ``paginator.ELLIPSIS`` where pages are skipped, one skipped page shown as
    its number. Before 2026-12-07 上一页 and 下一页 alone: an officer's 200 cases are ten pages, and the oldest,
    on the last, took nine clicks."""
    return list(pg.paginator.get_elided_page_range(pg.number, on_each_side=2, on_ends=1))
