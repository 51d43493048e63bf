"""What a message contributes to the figures: each measure declared once, read three ways.

A measure is a condition on a message's fact (``MessageFact``: category, replied, on_time, days, …), written as
Django field lookups, and what it adds for a fact that meets it: 1, or the value of one of the fact's fields
(``days_sum``). From that one declaration come

* the Python reading of one fact (``contribution``: ``facts.Fact.measures``, what an action's refresh adds to the
  rollups, the office cubes' among them);
* the SQL aggregates over facts (``aggregates_sql``, compiled by Django for the database at hand: the rebuild's
  rollups, ``facts._aggregate_rollups``, the office cubes' among them; until 2026-12-06 also a leader's office's
  sums read from its facts at each request, ``figures._fact_sums_sets``);
* the ORM conditions of the lists behind the figures (``exports.MEASURE_Q``) and aggregates of the boards
  (``figures.addressees_figures``).

Until 2026-12-06 each measure was written out three times besides ``Fact.measures`` (``facts.MEASURE_SQL``,
``figures._FACT_SQL``, ``exports.MEASURE_Q``); tests/test_stats_measures.py holds the readings to each other.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import Aggregate, Count, Q, Sum
from django.db.models.expressions import Star
from django.db.models.sql import Query

from .models import HIST_DAYS, HIST_FIELDS, Category, MessageFact

# the lookups a condition may use, and what each means in Python; SQL's NULL compares as nothing does
_LOOKUPS = {
    "exact": lambda value, wanted: value == wanted,
    "gte": lambda value, wanted: value is not None and value >= wanted,
}


class _CountRows(Count):
    """``COUNT(*) FILTER (WHERE …)``: the facts meeting a condition, as the hand-written SQL counted them before
    (``Count`` refuses a filter on ``*`` for databases without FILTER; SQLite and PostgreSQL both have it)."""

    def __init__(self, filter):
        Aggregate.__init__(self, Star(), filter=filter)


@dataclass(frozen=True)
class Measure:
    name: str  # the Rollup column that sums it
    when: dict = field(default_factory=dict)  # field lookups on the fact, all of which must hold
    value: str | None = None  # the fact's field it adds up (None: it counts the facts)

    def q(self) -> Q:
        return Q(**self.when)

    def aggregate(self):
        """The ORM aggregate of the measure over a set of facts (0 over none)."""
        if self.value is not None:
            return Sum(self.value, filter=self.q() if self.when else None, default=0)
        return _CountRows(self.q()) if self.when else Count("*")

    def holds(self, fact) -> bool:
        """Whether ``fact`` (a ``MessageFact``, ``facts.Fact``, anything with the fields) meets the condition."""
        for lookup, wanted in self.when.items():
            name, _, kind = lookup.partition("__")
            if kind not in ("", *_LOOKUPS) or "__" in kind:
                raise ValueError(f"measure {self.name}: lookup {lookup} has no Python reading")
            if not _LOOKUPS[kind or "exact"](getattr(fact, name), wanted):
                return False
        return True

    def fields(self) -> set[str]:
        """The fact's fields the measure reads."""
        return {lookup.partition("__")[0] for lookup in self.when} | ({self.value} if self.value else set())


_RECEIVED = {"category": Category.RECEIVED.value}
_REPLIED = {**_RECEIVED, "replied": True}

# in the order of figures.SUM_FIELDS; the Rollup has a column of each name (tests/test_stats_measures.py)
DECLARED = [
    Measure("submitted"),
    *(Measure(c.value, {"category": c.value}) for c in (Category.PENDING, Category.REJECTED, Category.WITHDRAWN,
                                                        Category.MERGED, Category.RECEIVED)),
    Measure("replied", _REPLIED),
    Measure("on_time", {**_REPLIED, "on_time": True}),  # 按时答复: the first reply by the deadline in force
    Measure("days_sum", _REPLIED, value="days"),  # working days to the first reply, added up (平均答复用时)
    *(Measure(flag, {**_RECEIVED, flag: True}) for flag in ("evaluated", "satisfied", "reopened", "extended")),
    Measure("open_cases", {**_RECEIVED, "is_open": True}),
    # the histogram of working days to the first reply (the exact median): d0 … d30, and days_over beyond
    Measure("days_over", {**_REPLIED, "days__gte": HIST_DAYS}),
    *(Measure(name, {**_REPLIED, "days": i}) for i, name in enumerate(HIST_FIELDS)),
]
MEASURE = {m.name: m for m in DECLARED}

# 应签收, 及时签收 (及时签收率; ``stats.SignFor``, not a fact's measure): the lead assignments of the messages of these
# categories count, each for the unit it was sent to — received cases, merged ones (并单: the unit had the case in
# hand), since 2026-12-06 (later) withdrawn ones, and since 2026-12-06 (stats walk) those 不予受理 after a unit gave
# them back: a unit that let a case sit unsigned past its 签收期限 and gave it back is late whatever the citizen or the
# dispatcher did next, as a reply deadline it let pass is its miss in 按时率 whatever became of the case (before, a
# withdrawal or a 不予受理 wiped the late sign-for off every board and list). Every category a dispatched case can end
# in; a case waiting for review was never sent. ``facts.SIGNS_SQL`` writes the rows of these alone; the list of 签收超期
# shows a withdrawn or 不予受理 one without its title and text (``exports.HIDDEN_TITLES``).
SIGN_FOR_CATEGORIES = (Category.RECEIVED.value, Category.MERGED.value, Category.WITHDRAWN.value,
                       Category.REJECTED.value)
NAMES = [m.name for m in DECLARED]
# the fact's fields the measures read: a fact's contribution depends on these alone
FACT_FIELDS = tuple(dict.fromkeys(f for m in DECLARED for f in sorted(m.fields())))
_fact_values = operator.attrgetter(*FACT_FIELDS)


def contribution(fact) -> dict[str, int]:
    """What one fact adds to each measure it counts in (the others: nothing)."""
    return dict(_contribution(_fact_values(fact)))


@functools.lru_cache(maxsize=8192)
def _contribution(values: tuple) -> dict[str, int]:
    # facts differ in a few hundred ways at most (category, flags, days): each read once, then looked up — a
    # refresh or a leader's office's fold pays a dict copy a fact, not 46 conditions (0.3 µs then 100 µs)
    fact = SimpleNamespace(**dict(zip(FACT_FIELDS, values, strict=True)))
    # a field without a value adds nothing, as SQL's SUM skips a NULL (days of a reply is never one: facts.py)
    return {m.name: ((getattr(fact, m.value) or 0) if m.value else 1) for m in DECLARED if m.holds(fact)}


_compiled: dict[str, tuple[list[str], list]] = {}


def aggregates_sql(connection) -> tuple[list[str], list]:
    """Each declared measure (in ``NAMES`` order) as an SQL aggregate over rows of the facts' table (read
    unaliased: ``FROM stats_messagefact``), and the parameters they take, in order. Compiled once per kind of
    database: Django's ORM costs more than the query when built per request (``figures._rollup_sums``)."""
    if connection.vendor not in _compiled:
        query = Query(MessageFact)
        compiler = query.get_compiler(connection=connection)
        parts, params = [], []
        for m in DECLARED:
            sql, p = compiler.compile(m.aggregate().resolve_expression(query))
            parts.append(sql)
            params += p
        _compiled[connection.vendor] = (parts, params)
    return _compiled[connection.vendor]
