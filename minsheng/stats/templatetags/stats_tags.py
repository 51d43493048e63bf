from urllib.parse import urlencode

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html

from minsheng.insight.classify import confidence_text
from minsheng.stats.figures import days_text, on_time_base, sign_late
from minsheng.stats.figures import percent as _percent

register = template.Library()


@register.filter
def percent(rate):
    return _percent(rate)


@register.filter(name="sign_late")
def sign_late_filter(figures):
    """签收超期 of a figures row: 应签收 − 及时签收 (``figures.sign_late``), what its list holds."""
    return sign_late(figures)


@register.filter
def hidden_title(status):
    """The title a listed case the public may not read shows for its own (withdrawn, 不予受理: ``exports.HIDDEN_TITLES``),
    "" for a published one."""
    from minsheng.stats.exports import HIDDEN_TITLES

    return HIDDEN_TITLES.get(status, "")


@register.filter
def confidence(value):
    """A model's confidence floored to two decimals (``classify.confidence_text``): 0.9996 is 0.99."""
    return confidence_text(value)


@register.filter
def points(change):
    """The difference of two rates as shown, in percentage points (个百分点), signed: ``change`` is
    already in points (``dashboard._change``)."""
    if change is None:
        return "—"
    return f"{change:+.1f} 个百分点"


@register.filter
def days(value):
    """Working days as every page shows them (``figures.days_text``: one decimal, half up)."""
    return days_text(value)


@register.simple_tag
def list_url(filters, measure="received", row_filters=None):
    """The list of messages behind a number (filters of the page plus the row's)."""
    params = {k: v for k, v in {**(filters or {}), **(row_filters or {})}.items() if v not in (None, "")}
    params["measure"] = measure
    return _list_path() + "?" + urlencode(params)


@register.simple_tag
def units_url(filters, sort: str) -> str:
    """/stats/units/ of the page's filters, sorted by ``sort``, lowest first: the units behind a rate that no
    list of messages holds (及时签收率 counts assignments, not messages)."""
    params = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    return reverse("stats:units") + "?" + urlencode({**params, "sort": sort, "dir": "asc"})


@register.simple_tag
def count_link(value, filters, measure="received", row_filters=None):
    """A number linked to the list of exactly its messages. A row that no filter can
    single out ("未分类", "尚未派单") shows the bare number, not a link to a longer list; so does a page
    with no list behind its figures (``filters`` None, or not given: a board's ``list_filters``)."""
    if _bare(filters, row_filters):
        return value
    return format_html('<a href="{}">{}</a>', list_url(filters, measure, row_filters), value)


def _bare(filters, row_filters) -> bool:
    """No list behind a number: the page has none (``filters`` None, or "": not given) or no filter singles out
    its row (``row_filters`` empty)."""
    return filters is None or filters == "" or (row_filters is not None and not row_filters)


@register.simple_tag
def missed_count(figures, filters, row_filters=None):
    """「, 误期 N 件」 after 按时率's counts: its misses (误期未答复), N linked to their list (``count_link``), as many
    rows as N; "" where there is none (no link to an empty list). The boards' and /stats/'s tiles, every table's
    row (``on_time_counts``), since 2026-12-06 / 2026-12-07."""
    missed = figures.get("missed") or 0
    if not missed:
        return ""
    return format_html(", 误期 {} 件", count_link(missed, filters, "missed", row_filters))


@register.simple_tag
def on_time_counts(figures, filters, row_filters=None, misses=True):
    """What a row's 按时率 is made of, after the rate: 「(按时/(已答复 + 误期未答复) 件, 误期 N 件)」 (``missed_count``;
    ``misses`` False where a column of the table beside it links them already: /stats/units/), "" where nothing
    counts yet."""
    base = on_time_base(figures)
    if not base:
        return ""
    return format_html(' <span class="muted">({}/{} 件{})</span>', figures.get("on_time") or 0, base,
                       missed_count(figures, filters, row_filters) if misses else "")


@register.simple_tag
def sign_counts(figures, filters, row_filters=None):
    """What a row's 及时签收率 is made of, after the rate: 「(及时签收/应签收 件, 超期 N 件)」, N (签收超期) linked to
    its list (``count_link``); "" where nothing was due for signing. The dashboard's 谁在拖延; a tile's name:
    ``rate_note``."""
    if not figures.get("sign_due"):
        return ""
    return format_html(' <span class="muted">{}</span>', rate_note(figures, "sign", filters, row_filters, late=True))


# a tile's rate over nothing (its denominator 0): why, in its name
NOTHING_TO_COUNT = {"on_time": "暂无答复", "sign": "暂无应签收", "satisfaction": "暂无评价", "reopened": "暂无答复"}


@register.simple_tag
def rate_note(figures, rate, filters=None, row_filters=None, late=False):
    """What a tile's rate (``rate``: on_time, sign, satisfaction, reopened) is made of, in its name: 「(3 件按时,
    误期 1 件)」 (``missed_count``), 「(4/5 件)」 (``late``: 「, 超期 N 件」 linked, ``count_link``), 「(2/3 参评)」,
    「(1 件)」 — or why there is no rate where nothing counts: 「(暂无答复)」, 「(暂无应签收)」, 「(暂无评价)」, not
    「(0/0 参评)」. One tag for /stats/'s tiles and the boards' (home, region pages, a leader's office), since
    2026-12-07: before, the boards still said 「— 按时率 (0 件按时)」."""
    get = figures.get
    if rate == "on_time" and on_time_base(figures):
        return format_html("({} 件按时{})", get("on_time") or 0, missed_count(figures, filters, row_filters))
    if rate == "sign" and get("sign_due"):
        more = format_html(", 超期 {} 件", count_link(sign_late(figures), filters, "sign_late", row_filters))
        return format_html("({}/{} 件{})", get("signed_on_time") or 0, get("sign_due"), more if late else "")
    if rate == "satisfaction" and get("evaluated"):
        return format_html("({}/{} 参评)", get("satisfied") or 0, get("evaluated"))
    if rate == "reopened" and get("replied"):
        return format_html("({} 件)", get("reopened") or 0)
    return format_html("({})", NOTHING_TO_COUNT[rate])


def _list_path() -> str:
    """reverse("stats:list"), once per URLconf and script prefix (a table renders it
    hundreds of times)."""
    key = (get_urlconf(), get_script_prefix())
    path = _LIST_PATHS.get(key)
    if path is None:
        path = _LIST_PATHS[key] = reverse("stats:list")
    return path


_LIST_PATHS: dict = {}


def _query(filters, **extra) -> str:
    """``filters`` (a page's) and ``extra`` as a query string, the empty values left out."""
    params = {k: v for k, v in {**(filters or {}), **extra}.items() if v not in (None, "")}
    return urlencode(params)


@register.simple_tag
def export_url(filters, by, fmt="xlsx", sort=""):
    """The table export (CSV or XLSX) of a page's figures grouped ``by`` (region, topic...), with the
    page's filters: the workbook holds the numbers the page shows; ``sort="overdue"``: most 超期未答复 first,
    as the dashboard's 哪里在拖延 and 谁在拖延 list them."""
    return reverse("stats:export_table", args=[fmt]) + "?" + _query(filters, by=by, sort=sort)


@register.simple_tag
def late_export_url(filters, fmt="xlsx"):
    """The export (XLSX or CSV) of the overdue list of ``filters`` (/stats/overdue/'s, without contact details)."""
    return reverse("stats:export_messages", args=[fmt]) + "?" + _query(filters, measure="overdue")


@register.simple_tag
def overdue_url(filters, measure="overdue", row_filters=None):
    """The staff list of the overdue cases behind a number (the dashboard's)."""
    params = {k: v for k, v in {**(filters or {}), **(row_filters or {})}.items() if v not in (None, "")}
    if measure != "overdue":
        params["measure"] = measure
    return reverse("stats:overdue") + ("?" + urlencode(params) if params else "")


@register.simple_tag
def overdue_link(value, filters, measure="overdue", row_filters=None):
    """A number linked to the staff list of exactly its overdue cases (``overdue_url``), bare as ``count_link``
    leaves one: a row no filter singles out (「其他」 outside every province linked the whole country's list until
    2026-12-07; 尚未派单), or a page whose viewer has no overdue list (``filters`` None: the views' ``overdue_filters``,
    ``stats.views._overdue_filters``; the templates call the tag whoever reads them). As for ``count_link``,
    ``row_filters`` None means none given (the page's whole list), {} a row no filter singles out."""
    if _bare(filters, row_filters):
        return value
    return format_html('<a href="{}">{}</a>', overdue_url(filters, measure, row_filters), value)


@register.simple_tag
def period_url(filters, keep_params, period):
    """This page for ``period`` (stats.views._periods): its dates in place of the page's, every other filter
    and the kept parameters (an overdue list's measure and order) kept; the page starts again at 1."""
    params = {k: v for k, v in (filters or {}).items() if k not in ("date_from", "date_to") and v not in (None, "")}
    params.update({k: period[k] for k in ("date_from", "date_to") if period[k]})
    params.update(dict(keep_params or ()))
    return "?" + urlencode(params) if params else "?"


@register.simple_tag
def browse_url(filters, row_filters=None):
    params = {k: v for k, v in {**(filters or {}), **(row_filters or {})}.items()
              if v not in (None, "") and k in {"region", "topic", "kind", "status", "date_from", "date_to", "q"}}
    try:
        base = reverse("board:browse")
    except Exception:
        base = "/browse/"
    return base + ("?" + urlencode(params) if params else "")


@register.simple_tag
def drill_url(filters, region_code):
    """This page for a sub-region, other filters kept."""
    params = {k: v for k, v in (filters or {}).items() if v not in (None, "") and k != "region"}
    params["region"] = region_code
    return "?" + urlencode(params)


@register.simple_tag(takes_context=True)
def with_params(context, **changes):
    """The current query string with some parameters changed (None removes one)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    return "?" + params.urlencode()
