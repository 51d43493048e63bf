"""Each measure of the figures is declared once (``stats.measures.DECLARED``) and read three ways: one fact in Python
(``Fact.measures``: an action's refresh of the rollups), the facts' SQL aggregates (the rebuild's rollups, the office
cubes' among them) and the lists' conditions (``exports.MEASURE_Q``).
Until 2026-12-06 each was written out apart in each place; here the readings are held to each other, measure by
measure, on facts that make each condition true and false, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection

from minsheng.board.models import Message, MessageKind
from minsheng.stats import exports, facts, figures, measures
from minsheng.stats.models import HIST_DAYS, OFFICE_CUBES, Category, MessageFact, Rollup

from .conftest import make_user

FLAGS = ("evaluated", "satisfied", "reopened", "extended", "is_open")


def _grid():
    """Fact values covering every condition's edges: each category, replied or not, on time or not, each number
    of days to the first reply (every bucket of the histogram, the first days beyond it, none), and the flags all
    set, none set or one at a time, in turn — rows a refresh never writes (on time but not replied, days without a
    reply) included: the readings must agree on whatever a fact holds."""
    flag_sets = [dict.fromkeys(FLAGS, True), dict.fromkeys(FLAGS, False),
                 *({**dict.fromkeys(FLAGS, False), flag: True} for flag in FLAGS)]
    grid = itertools.product(Category.values, (True, False), (True, False), (None, *range(HIST_DAYS + 2)))
    for i, (category, replied, on_time, days) in enumerate(grid):
        yield {"category": category, "replied": replied, "on_time": on_time, "days": days,
               **flag_sets[i % len(flag_sets)]}


@pytest.fixture
def grid_facts(directory):
    author = make_user("13800000009", phone="13800000009")
    rows = list(_grid())
    messages = Message.objects.bulk_create(
        Message(public_id=f"M{i:05d}", title="t", body="b", kind=MessageKind.COMPLAIN, region=directory["lanzhou"],
                author=author) for i in range(len(rows)))
    MessageFact.objects.bulk_create(
        MessageFact(message=m, p1="62", p2="6201", day=dt.date(2026, 11, 2), kind=MessageKind.COMPLAIN, **row)
        for m, row in zip(messages, rows, strict=True))
    return list(MessageFact.objects.order_by("pk"))


def _sql_readings() -> dict[int, dict[str, int]]:
    """The declared measures' SQL aggregates of each fact alone (GROUP BY the message)."""
    aggregates, params = measures.aggregates_sql(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT message_id, {', '.join(aggregates)} FROM {MessageFact._meta.db_table} "
                       "GROUP BY message_id", params)
        return {row[0]: dict(zip(measures.NAMES, row[1:], strict=True)) for row in cursor.fetchall()}


def test_every_measure_reads_the_same_in_python_and_in_sql(grid_facts):
    sql = _sql_readings()
    counted = dict.fromkeys(measures.NAMES, 0)
    for row in grid_facts:
        python = facts.Fact.from_row(row).measures()
        got = sql[row.pk]
        for name in measures.NAMES:
            assert got[name] == python.get(name, 0), (name, facts.Fact.from_row(row))
            counted[name] += name in python
    # each measure's condition is true of some facts and false of others (none read the same by accident);
    # 全部 (submitted) has none: every message counts
    assert counted.pop("submitted") == len(grid_facts)
    assert {n: c for n, c in counted.items() if not 0 < c < len(grid_facts)} == {}


def test_the_edges_of_the_measures(grid_facts):
    """What the declaration says, read off the facts a user's figures come from."""
    def read(**fact):
        return facts.Fact(dims={}, day=None, **{"category": "received", **fact}).measures()

    assert read(replied=True, on_time=True, days=0) == {"submitted": 1, "received": 1, "replied": 1, "on_time": 1,
                                                         "days_sum": 0, "d0": 1}
    assert read(replied=True, days=HIST_DAYS - 1)[f"d{HIST_DAYS - 1}"] == 1
    beyond = read(replied=True, days=HIST_DAYS, is_open=True)
    assert beyond["days_over"] == 1 and beyond["days_sum"] == HIST_DAYS and beyond["open_cases"] == 1
    assert not any(name.startswith("d") and name[1:].isdigit() for name in beyond)
    # not received (撤回, 不予受理, 待审核, 并单): counted among those submitted and in its category, nothing else
    assert read(category="withdrawn", replied=True, on_time=True, days=2, satisfied=True) == {
        "submitted": 1, "withdrawn": 1}
    assert read(on_time=True) == {"submitted": 1, "received": 1}  # 按时 only of a reply


def _office_rollups_read_what_its_facts_sum(office, want):
    """Every office cube, by day and by month, sums to ``want`` for ``office``; none holds a message written to no
    office; and the office's figures (``figures._sums``, ``page``) read those rows by every grouping."""
    for cube in OFFICE_CUBES:
        for grain in ("d", "m"):
            assert figures._rollup_sums(figures.Q(cube=cube, grain=grain, addressee_key=office.pk)) == want, cube
    assert not Rollup.objects.filter(cube__in=list(OFFICE_CUBES), addressee_key=0).exists()
    scope = figures.make_scope(addressee=office)
    assert figures._sums(scope) == want
    assert figures._sums(scope, "kind") == [(MessageKind.COMPLAIN, want)]
    assert figures._sums(scope, "month") == [(dt.date(2026, 11, 1), want)]
    assert figures._sums(figures.make_scope(addressee=office, region="620100"), "p3") == [("", want)]
    assert figures._sums(figures.make_scope(addressee=office, date_from="2026-11-02", date_to="2026-11-02")) == want
    # the page's parts computed together (PostgreSQL: one query per cube) as one by one
    together = figures.page(scope, ["totals", "kind", "month"], now=dt.datetime(2026, 12, 6, tzinfo=dt.UTC))
    assert together["totals"] == figures.figures_from(want, {}, figures._over_values(scope.fact_q()))
    assert [row["received"] for row in together["kind"]] == [want["received"]]


def test_a_leaders_office_reads_from_its_rollups_what_its_facts_sum(grid_facts, directory):
    """The office cubes of the rollups (``OFFICE_CUBES``), written by the rebuild's SQL (either database) and by an
    action's refresh (``_diff``, ``_add_all``), against the office's facts read one by one (``Fact.measures``),
    over facts that make each condition true and false; half the facts are written to the office, the others to
    none (since 2026-12-06: an office's figures were summed from its facts, and its page cost what its facts did)."""
    mayor = directory["mayor"]
    written = [row.pk for row in grid_facts[::2]]
    Message.objects.filter(pk__in=written).update(addressee=mayor)
    MessageFact.objects.filter(pk__in=written).update(addressee_key=mayor.pk)  # as compute_facts writes it
    rows = list(MessageFact.objects.order_by("pk"))
    want = dict.fromkeys(figures.SUM_FIELDS, 0)
    for row in rows:
        if row.addressee_key:
            for name, value in facts.Fact.from_row(row).measures().items():
                want[name] += value
    assert 0 < want["received"] < sum(1 for row in rows if row.category == "received")

    Rollup.objects.all().delete()
    facts._aggregate_rollups()  # the rebuild
    _office_rollups_read_what_its_facts_sum(mayor, want)
    rebuilt = sorted(Rollup.objects.values_list(*facts.ROLLUP_KEY, *measures.NAMES))

    Rollup.objects.all().delete()
    steps: dict = {}
    for row in rows:  # an action's refresh of each message, from no fact to its fact
        facts._diff(None, facts.Fact.from_row(row), steps)
    facts._add_all(facts._diff(None, None, steps))
    _office_rollups_read_what_its_facts_sum(mayor, want)
    assert sorted(Rollup.objects.values_list(*facts.ROLLUP_KEY, *measures.NAMES)) == rebuilt


def test_the_rollups_rebuilt_in_sql_sum_what_the_facts_read_in_python(grid_facts):
    """``_aggregate_rollups`` (the rebuild's SQL, either database) against ``Fact.measures`` added up."""
    want = dict.fromkeys(figures.SUM_FIELDS, 0)
    for row in grid_facts:
        for name, value in facts.Fact.from_row(row).measures().items():
            want[name] += value
    Rollup.objects.all().delete()
    facts._aggregate_rollups()
    for grain in ("d", "m"):
        assert figures._rollup_sums(figures.Q(cube="r", grain=grain)) == want, grain


def test_every_rollup_column_is_a_declared_measure():
    """A measure added to the rollups without a declaration (or declared without its column) is refused."""
    key = {f.name for f in Rollup._meta.get_fields()} - {"id", "cube", "grain", "period", "month", *facts.ROLLUP_DIMENSIONS}
    assert key == set(measures.NAMES)
    assert figures.SUM_FIELDS == facts.ROLLUP_MEASURES == measures.NAMES


def test_the_lists_count_what_the_figures_count():
    """``/stats/list/?measure=`` keeps the facts the figure counts: the declared condition, not a copy of it."""
    for name, when in exports.MEASURE_Q.items():
        if name != "open":
            assert when == measures.MEASURE[name].when, name


def test_a_condition_without_a_python_reading_is_refused():
    with pytest.raises(ValueError, match="days__lt"):
        measures.Measure("quick", {"days__lt": 3}).holds(facts.Fact(dims={}, day=None, category="received"))


# 签收 (``stats.SignFor``): which messages' lead assignments count for 及时签收率, by the message's category
SIGNS_COUNTED = {Category.RECEIVED, Category.MERGED, Category.WITHDRAWN, Category.REJECTED}
STATUS_OF = {Category.PENDING: "submitted", Category.REJECTED: "rejected", Category.WITHDRAWN: "withdrawn",
             Category.MERGED: "merged", Category.RECEIVED: "accepted"}


def test_the_sign_fors_counted_are_those_the_declaration_names_and_the_list_shows(directory):
    """A message of each category whose unit let its 签收期限 pass unsigned and then gave it back (退单): the sign-for
    rows written by the one SQL statement (``facts.SIGNS_SQL``, an action's refresh and a rebuild on either
    database) are those of the categories the declaration names (``measures.SIGN_FOR_CATEGORIES``), and 签收超期 of the
    figures is the number of rows of its list. Until 2026-12-06 (later) a case withdrawn by its author after its
    unit let the deadline pass counted nowhere, and until 2026-12-06 (stats walk) one 不予受理 after its unit gave it
    back late did not either, though that unit's reply miss counted in 按时率."""
    from minsheng.board.models import Assignment

    author = make_user("13800000009", phone="13800000009")
    t0 = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    hour = dt.timedelta(hours=1)
    by_category = {}
    for i, category in enumerate(Category.values):
        m = Message.objects.create(public_id=f"S{i:05d}", title=f"签收{i}", body="b", kind=MessageKind.COMPLAIN,
                                   region=directory["lanzhou"], author=author, submitted_at=t0,
                                   status=STATUS_OF[category])
        Assignment.objects.create(message=m, unit=directory["housing"], role=Assignment.Role.LEAD,
                                  state=Assignment.State.RETURNED, assigned_at=t0 + hour,
                                  sign_due_at=t0 + 25 * hour, closed_at=t0 + 50 * hour)
        by_category[m.pk] = category
    facts.refresh_messages(by_category)
    from minsheng.stats.models import SignFor

    written = {by_category[pk] for pk in SignFor.objects.values_list("message_id", flat=True)}
    assert written == SIGNS_COUNTED
    assert written == set(measures.SIGN_FOR_CATEGORIES)
    scope = figures.make_scope(region=directory["lanzhou"].code)
    got = figures.compute(scope)
    assert figures.sign_late(got) == len(SIGNS_COUNTED) == exports.message_queryset(scope, "sign_late").count()
    facts.rebuild()
    assert figures.compute(scope)["sign_due"] == len(SIGNS_COUNTED)
