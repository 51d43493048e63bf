"""Chinese full-text search behind one module, with the same results on SQLite and
PostgreSQL.

Indexing: ``Message.search_text`` holds the jieba search-engine segmentation of title
and body (personal data masked, as on the public page) plus every single Han character,
space-separated (``terms_for``). SQLite indexes it with an FTS5 external-content table
kept current by triggers; PostgreSQL with a stored generated column ``search_vector``
(``to_tsvector('simple', search_text)``) and a GIN index on it. Both are created (if
missing) after every migrate, so a table rebuild by a later migration cannot lose them.

Querying: each query word must match, either as a whole jieba word or, because jieba
may segment the same characters differently in another context, as the phrase of its
adjacent characters: ``电梯 → ("电梯" OR "电 梯")``. One-character queries therefore
work, and both engines evaluate the same boolean query.
"""

from __future__ import annotations

import functools
import json
import operator
import re
import unicodedata

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Lookup, Q, Value, When
from django.db.models.expressions import RawSQL

from minsheng.board.moderation import mask, real_name
from minsheng.insight.text import _is_han, search_terms, simplified, tokenize

MAX_QUERY_WORDS = 8
_PUBLIC_ID = re.compile(r"^[0-9]{14}$")  # ASCII: \d takes ２ too, and no number is written so


def terms_for(title: str, body: str, names: tuple[str, ...] = ()) -> str:
    # indexed as the public reads it: a phone or ID number, a name the citizen introduced or
    # their own (``names``, moderation.real_name) must not find their message
    return " " + " ".join(search_terms(mask(f"{title} {body}", names=names))) + " "


REINDEX_BATCH = 500


def reindex(messages) -> None:
    """Write ``search_text`` anew for each message of the queryset ``messages`` (the
    re-index migrations pass the historical model's) whose stored text today's indexer
    changes. A closed account's name stays out (``hidden_name``, where the model has it:
    from board 0024 on). ``REINDEX_BATCH`` messages are read at a time, by key, and each
    batch's writes are a transaction of their own: in a migration that is not atomic (board
    0036, 0038) the table's rows are not held locked for the whole run, as they were in one
    transaction, and a run stopped half-way keeps the batches written; run again, it finds
    them current and writes only the rest (as board 0034 does)."""
    model = messages.model
    closed = any(f.name == "hidden_name" for f in model._meta.fields)
    rows = messages.select_related("author").only(
        "pk", "title", "body", "show_name", "search_text", "author__display_name",
        *(["hidden_name"] if closed else [])).order_by("pk")
    last = 0
    while batch := list(rows.filter(pk__gt=last)[:REINDEX_BATCH]):
        last = batch[-1].pk
        changed = []
        for message in batch:
            name = message.author.display_name or (message.hidden_name if closed else "")
            names = () if message.show_name else real_name(name)
            text = terms_for(message.title, message.body, names)
            if text != message.search_text:
                message.search_text = text
                changed.append(message)
        if changed:
            with transaction.atomic():
                model.objects.bulk_update(changed, ["search_text"], batch_size=REINDEX_BATCH)


def index(message) -> None:
    """Triggers (SQLite) and the generated column (PostgreSQL) keep the index current;
    nothing to do per message. Kept as the one hook should an engine need it."""


def query_words(query: str) -> list[list[list[str]]]:
    """Each query word as its alternatives, each a phrase of index terms: the word, and the
    phrase of its characters (``电梯 → [["电梯"], ["电", "梯"]]``); a word with traditional
    characters also in simplified ones (``路燈 → … ["路灯"], ["路", "灯"]``)."""
    words, seen = [], set()
    for w in tokenize(query.lower(), as_written=True):  # as typed: rank() looks for it in titles
        w = w.strip().replace('"', "").replace("'", "")
        if not w or w in seen:
            continue
        seen.add(w)
        alternatives = []
        for form in dict.fromkeys((w, simplified(w, loose=True))):
            alternatives.append([form])
            chars = [c for c in form if _is_han(c)]
            if len(form) > 1 and len(chars) == len(form):
                alternatives.append(chars)
        words.append(alternatives)
        if len(words) >= MAX_QUERY_WORDS:
            break
    return words


def _fts5_query(words: list[list[list[str]]]) -> str:
    return " AND ".join("(" + " OR ".join(f'"{" ".join(phrase)}"' for phrase in alts) + ")" for alts in words)


def _tsquery(words: list[list[list[str]]]) -> tuple[str, list[str]]:
    """A to_tsquery expression built from parameters (no user text in the SQL)."""
    parts, params = [], []
    for alts in words:
        phrases = []
        for phrase in alts:
            phrases.append("'(' || " + " || ' <-> ' || ".join("quote_literal(%s)" for _ in phrase) + " || ')'")
            params.extend(phrase)
        parts.append("'(' || " + " || ' | ' || ".join(phrases) + " || ')'")
    return " || ' & ' || ".join(parts), params


class _Matches(Lookup):
    """``search_text`` matches a tsquery, through the row's stored ``search_vector``
    (PostgreSQL): the GIN index finds the candidates and, a phrase (``小 <-> 区``) needing
    the positions the index does not hold, the recheck reads them stored instead of parsing
    every candidate's text again. A condition on the row itself, not ``id IN (…)``: with
    that, PostgreSQL ranked every public message (browse page) and then looked each one up."""

    def as_sql(self, compiler, connection):
        rhs, params = self.process_rhs(compiler, connection)
        return f"{compiler.quote_name_unless_alias(self.lhs.alias)}.search_vector @@ {rhs}", params


def _matches(expr: str, params: list[str]) -> _Matches:
    return _Matches(F("search_text"), RawSQL(f"to_tsquery('simple'::regconfig, {expr})", params))


def _pg_condition(words: list[list[list[str]]]):
    """The query as ``search_vector @@ …``, split in two so that a common word does not make
    PostgreSQL recheck every candidate: a GIN index answers a query of whole terms exactly
    (``小区``), but a phrase (``小 <-> 区``) needs the positions it does not hold, and the
    candidates of a phrase are rechecked against their stored tsvector, which PostgreSQL keeps
    out of line (a read per candidate: every message with 小 and 区 for 小区). Written as
    ``whole OR (query AND NOT whole)`` (``whole``: each word as one of its whole terms), the
    same messages match; only those that need the phrase are rechecked (docs/search.md)."""
    expr, params = _tsquery(words)
    if all(len(phrase) == 1 for alts in words for phrase in alts):
        return _matches(expr, params)  # whole terms only: nothing to recheck
    whole = [[phrase for phrase in alts if len(phrase) == 1] for alts in words]
    whole_expr, whole_params = _tsquery(whole)
    if len(words) == 1:  # the same as the whole query AND NOT …, and the planner estimates it better
        expr, params = _tsquery([[phrase for phrase in words[0] if len(phrase) > 1]])
    rest = f"'(' || {expr} || ') & !(' || {whole_expr} || ')'"
    return Q(_matches(whole_expr, whole_params)) | Q(_matches(rest, [*params, *whole_params]))


def message_number(query: str) -> str | None:
    """The message number (留言编号) ``query`` is, also typed in full-width digits (２０２６…, a Chinese
    keyboard in full-width mode: it matched the number's pattern, found nothing and said 没有找到), or None."""
    number = unicodedata.normalize("NFKC", (query or "").strip())
    return number if _PUBLIC_ID.match(number) else None


def searchable(query: str) -> bool:
    """Whether ``query`` has anything to search for (a word, a character or a message
    number); punctuation, symbols and emoji alone filter nothing."""
    query = (query or "").strip()
    return bool(query) and bool(message_number(query) or query_words(query))


def _rank_conditions(query: str) -> list[Q]:
    """``rank``'s tests of a title, best first: the whole query as typed, in simplified
    characters, every query word (as typed or simplified). A test that repeats an earlier one
    is left out (a common word's thousands of matches each evaluate every test): the order is
    the same."""
    words = [alts[0][0] for alts in query_words(query)]
    if not words:
        return []
    # Chinese is written without spaces: 加装 电梯 and 12345 热线 are looked for as 加装电梯, 12345热线
    phrase = ("" if any(_is_han(c) for w in words for c in w) else " ").join(words)

    def in_title(text):  # as typed or in simplified characters (路燈 finds 路灯 and 路燈)
        found = Q()
        for form in dict.fromkeys((text, simplified(text, loose=True))):
            found |= _title_has(form)
        return found

    all_in_title = Q()
    for w in words:
        all_in_title &= in_title(w)
    conditions = []
    for condition in (_title_has(phrase), in_title(phrase), all_in_title):
        if condition not in conditions:
            conditions.append(condition)
    return conditions


def rank(queryset, query: str):
    """Best matches first, then the queryset's own order: the whole query in the title, every
    query word in the title, the rest. Plain LIKE on both engines over the titles of the rows
    the search already found (titles only: a LIKE over the bodies of a common word's
    hundreds of thousands of matches would be slow). ``Ranked`` reads a page of it faster."""
    conditions = _rank_conditions(query)
    if not conditions:
        return queryset
    whens = [When(condition, then=Value(value)) for value, condition in enumerate(conditions)]
    score = Case(*whens, default=Value(len(conditions)), output_field=IntegerField())
    order = queryset.query.order_by or queryset.model._meta.ordering
    return queryset.annotate(search_rank=score).order_by("search_rank", *order)


class Ranked:
    """``rank(queryset, query)`` as a list to page through (``Paginator``): the same rows in the
    same order. Ranked in one query, every match was ranked before the first 20 could be
    listed: for a word in most messages (您好: 42,000 of 60,000) that read every message's
    terms. On PostgreSQL, a word in at least a fifth of the messages (the planner's estimate)
    is read in two parts: the matches with the query in the title (found among all titles in
    the index on the title alone, then ranked), then the others in the queryset's own order,
    read from the newest on until the page is full (docs/search.md). The queryset's order must
    be total (the messages' is: newest, id)."""

    ordered = True

    def __init__(self, queryset, query: str):
        self.queryset, self.query = queryset, query
        self.conditions = _rank_conditions(query)
        self.order = queryset.query.order_by or queryset.model._meta.ordering

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def count_up_to(self, limit: int) -> int:
        """The number of matches, or ``limit`` if there are that many or more: a common word's
        count stops at ``limit`` (reading no more than some five times as many messages); a
        rarer one is counted whole, through the index (found scarcely among the messages, it
        would be read further). The same number either way."""
        if self.dense:
            return self.queryset.order_by()[:limit].count()
        return min(self.queryset.count(), limit)

    @functools.cached_property
    def dense(self) -> bool:
        """Whether PostgreSQL estimates the matches at a fifth of the messages or more (not when
        it has no figures for the table: every word was estimated so there)."""
        if connection.vendor != "postgresql" or not self.conditions:
            return False
        # the matches alone, without the list's joins: planned in a fraction of the time
        explained = self.queryset.order_by().values("pk").explain(format="json")
        if not explained:  # a query Django knows finds nothing (an unknown region or 领域) is not sent: no plan
            return False
        plan = json.loads(explained)[0]["Plan"]
        with connection.cursor() as cur:
            cur.execute("SELECT reltuples FROM pg_class WHERE oid = 'board_message'::regclass")
            messages = cur.fetchone()[0]
        # -1: the table was never analysed (a new deployment, a restored dump): its size is unknown
        # and so is the estimate of the matches; ranked in one query, as any word was before
        return messages >= 0 and plan["Plan Rows"] * 5 >= messages

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index:index + 1][0]
        if index.step is not None or index.stop is None:
            raise TypeError("Ranked is read a page at a time: [start:stop]")
        start, stop = index.start or 0, index.stop
        if self.dense:
            return self.in_two_parts(start, stop)
        return list(rank(self.queryset, self.query)[start:stop])

    def in_two_parts(self, start: int, stop: int) -> list:
        """``rank(…)[start:stop]``: the titled matches (ranked), then the others."""
        any_title = functools.reduce(operator.or_, self.conditions)
        titles = self.queryset.model._base_manager.filter(any_title).values("pk")
        titled = list(rank(self.queryset.filter(pk__in=titles), self.query)[:stop])
        if len(titled) >= stop:
            return titled[start:stop]
        # ``titled`` holds every titled match: the others follow them
        others = self.queryset.exclude(any_title).order_by(*self.order)
        return titled[start:] + list(others[max(start - len(titled), 0):stop - len(titled)])


def _title_has(text: str) -> Q:
    """The title holds ``text``, letters in any case: Han characters have none, so a plain LIKE
    for them rather than ``UPPER(title) LIKE UPPER(…)``, which PostgreSQL computes for each row
    ranked (SQLite's LIKE is the same for both)."""
    return Q(title__contains=text) if text.upper() == text.lower() else Q(title__icontains=text)


def filter_messages(queryset, query: str):
    """Messages of ``queryset`` matching ``query`` (all words must match)."""
    condition = matching(query)
    return queryset if condition is None else queryset.filter(condition)


def matching(query: str) -> Q | None:
    """The condition on a message of ``filter_messages``: the 留言编号 ``query`` is, or all its words in the
    title and body; None when it has nothing to search for (``searchable``)."""
    query = (query or "").strip()
    if not query:
        return None
    if number := message_number(query):
        return Q(public_id=number)
    words = query_words(query)
    if not words:
        return None
    if connection.vendor == "postgresql":
        return Q(_pg_condition(words))
    sql = "SELECT rowid FROM board_message_fts WHERE board_message_fts MATCH %s"
    return Q(id__in=RawSQL(sql, [_fts5_query(words)]))


SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS board_message_fts USING fts5("
    "search_text, content='board_message', content_rowid='id')",
    "CREATE TRIGGER IF NOT EXISTS board_message_fts_ai AFTER INSERT ON board_message BEGIN "
    "INSERT INTO board_message_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS board_message_fts_ad AFTER DELETE ON board_message BEGIN "
    "INSERT INTO board_message_fts(board_message_fts, rowid, search_text) VALUES('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS board_message_fts_au AFTER UPDATE OF search_text ON board_message BEGIN "
    "INSERT INTO board_message_fts(board_message_fts, rowid, search_text) VALUES('delete', old.id, old.search_text); "
    "INSERT INTO board_message_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]
POSTGRES_DDL = [
    # not a model field: SQLite has no tsvector (and its FTS5 table holds the terms there)
    "ALTER TABLE board_message ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS board_message_search_vector_gin ON board_message USING gin (search_vector)",
    # the expression index it replaces: a phrase's recheck parsed every candidate's text again
    "DROP INDEX IF EXISTS board_message_search_gin",
]


def ensure_index(using: str = "default", **kwargs) -> None:
    """Create the engine's search structures if missing (post_migrate handler)."""
    from django.db import connections

    conn = connections[using]
    tables = conn.introspection.table_names()
    if "board_message" not in tables:
        return
    with conn.cursor() as cur:
        if conn.vendor == "sqlite":
            cur.execute("SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name LIKE 'board_message_fts_%'")
            had_triggers = cur.fetchone()[0] == 3
            for ddl in SQLITE_DDL:
                cur.execute(ddl)
            if not had_triggers:
                cur.execute("INSERT INTO board_message_fts(board_message_fts) VALUES('rebuild')")
        elif conn.vendor == "postgresql":
            for ddl in POSTGRES_DDL:
                cur.execute(ddl)
