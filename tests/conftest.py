"""Shared fixtures: a small directory (甘肃省 → 兰州市 → 城关区/七里河区, 定西市) and the
personas every workflow test uses.

- citizen (小李) posts; other_citizen must not act on 小李's messages;
- officer of 兰州市住建局, the lead unit for 城乡建设 in 兰州市;
- other_officer of 兰州市生态环境局, who must see nothing private of 住建局's cases;
- dispatcher and supervisor of 兰州市 (and its subtree);
- an anonymous visitor (the plain ``client``).
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, TestCase
from django.utils import timezone

from minsheng.accounts.models import Membership, User
from minsheng.accounts.rights import PRIVACY_VERSION
from minsheng.directory.models import Addressee, Region, Responsibility, Topic, Unit

PASSWORD = "minsheng-test-pw"

# The fixtures through which pytest-django lets a test reach the database; it refuses every other test's queries, so a
# test without one of them runs the same on SQLite and on PostgreSQL.
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback",
                     "live_server"}


def pytest_addoption(parser):
    parser.addoption("--db-tests-only", action="store_true",
                     help="run only the tests that use the database (scripts/test.sh's PostgreSQL pass: the others "
                          "are database-independent and run in its SQLite pass)")


def uses_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(DATABASE_FIXTURES & set(item.fixturenames))


@pytest.hookimpl(trylast=True)  # after pytest-django's order
def pytest_collection_modifyitems(config, items):
    """The tests marked ``long`` (a minute or more each) first in their group, after pytest-django sorted the groups:
    pytest-xdist hands the tests out in this order, and one of them handed out at the end of a pass held it while the
    other worker had nothing left (the touch-target sweeps came near the end of the PostgreSQL pass; CI time, docs/decisions.md,
    2026-12-07). With --db-tests-only, the tests that do not use the database are deselected."""
    items.sort(key=lambda item: (_django_order(item), item.get_closest_marker("long") is None))
    if not config.getoption("--db-tests-only"):
        return
    independent = [item for item in items if not uses_database(item)]
    if independent:
        config.hook.pytest_deselected(items=independent)
        items[:] = [item for item in items if uses_database(item)]


def _django_order(item) -> int:
    """The group pytest-django sorts ``item`` into, as Django orders its tests: 0 a test inside a transaction, 1 a
    transactional one (its flush empties what migrations wrote: it must come after the others), 2 one without the
    database."""
    from pytest_django.plugin import validate_django_db

    marker = item.get_closest_marker("django_db")
    transactional = bool(marker) and any(validate_django_db(marker)[:2])  # transaction, reset_sequences
    names = set(item.fixturenames)
    if transactional or names & {"transactional_db", "live_server"}:
        return 1
    return 0 if marker or "db" in names else 2


def _delete_not_truncate(original):
    """PostgreSQL's flush between transactional tests (a live server's, a browser's) as DELETEs, not one TRUNCATE of
    every table: TRUNCATE gives each table a new file (about 1 s a flush after a demo's data, 2026-12-06: CI time,
    docs/decisions.md). The foreign keys are deferrable and checked at the flush's commit, when every row is gone;
    a flush that resets the sequences, or of some tables alone (``available_apps``: rows of others may point at
    them, ``allow_cascade``), keeps Django's TRUNCATE."""

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET CONSTRAINTS ALL DEFERRED;",
                *(f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))};" for t in tables)]

    return sql_flush


def pytest_configure(config):
    from django.db.backends.postgresql.operations import DatabaseOperations

    DatabaseOperations.sql_flush = _delete_not_truncate(DatabaseOperations.sql_flush)


CHROMIUM = Path("/usr/bin/chromium")


def process_children(pid: int) -> list[int]:
    """The processes ``pid`` started (its main thread's, from /proc: Linux); [] where /proc does not say."""
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def playwright_driver() -> int | None:
    """The Playwright driver this process runs (``node … cli.js run-driver``, a child of it: one at a time, the
    worker's Chromium stops one before it starts another), or None."""
    for child in reversed(process_children(os.getpid())):
        with contextlib.suppress(OSError):  # gone meanwhile; a zombie's cmdline is empty
            if b"run-driver" in Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0"):
                return child
    return None


class _Chromium:
    """The worker's one Chromium (started at its first browser test, closed at the end of the run), started
    again, with a new Playwright driver, should it or its driver have died or hung (a crash, the OOM killer on
    a loaded machine: tests/test_browser_restart.py). A Chromium and its driver took about a second of CPU
    and up to four of wall time to start for each of the suite's browser tests (2026-12-07, docs/decisions.md).
    While it lives, Playwright's event loop counts as running in the worker's thread: a test after a browser test
    could not call ``asyncio.run`` or asgiref's ``async_to_sync`` (nothing in the project does)."""

    probe_seconds = 10  # a driver or Chromium that has not answered the probe (or closed) by then is killed

    def __init__(self, sync_api):
        self._sync_api = sync_api
        self._manager = self._chromium = self._driver = None

    def get(self):
        if not self._answers():
            self.stop()
            self._manager = self._sync_api.sync_playwright()
            playwright = self._manager.start()
            self._driver = playwright_driver()  # None off Linux: no watchdog then
            self._chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                        args=["--headless", "--no-sandbox", "--disable-gpu"])
        return self._chromium

    @contextlib.contextmanager
    def _watchdog(self):
        """Kill the driver and the Chromium it launched should the block not end within ``probe_seconds``: the
        call waiting on them then raises, where a hung one would stall the worker's later tests and the run's
        end. Yields a list, holding the driver's pid once killed."""
        killed = []
        timer = None
        if self._driver is not None:
            timer = threading.Timer(self.probe_seconds, self._kill, (self._driver, killed))
            timer.start()
        try:
            yield killed
        finally:
            if timer is not None:
                timer.cancel()
                timer.join()  # killed is final

    @staticmethod
    def _kill(driver: int, killed: list) -> None:
        for pid in (*process_children(driver), driver):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        killed.append(driver)

    def _answers(self) -> bool:
        """Whether the Chromium is there and it and its driver answer a call within ``probe_seconds`` (a browser
        CDP session, opened and closed: a few ms). ``is_connected()`` alone says True until the driver's event of
        a crashed browser is read, at the next call (the next test's first page failed), and for good once the
        driver itself is gone (every later test failed)."""
        if self._chromium is None or not self._chromium.is_connected():
            return False
        with self._watchdog() as killed:
            try:
                self._chromium.new_browser_cdp_session().detach()
            except Exception:  # noqa: BLE001 — gone, whatever the error: a new one is started
                return False
        return not killed

    def stop(self) -> None:
        """Close the Chromium and its driver; a dead one quietly (closing it raises), a hung one killed."""
        with self._watchdog():
            if self._chromium is not None:
                with contextlib.suppress(Exception):
                    self._chromium.close()
            if self._manager is not None:
                with contextlib.suppress(Exception):
                    self._manager.__exit__(None, None, None)
        self._manager = self._chromium = self._driver = None


@pytest.fixture(scope="session")
def _chromium():
    sync_api = pytest.importorskip("playwright.sync_api")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the sync API runs an event loop in this thread
    # a page's route handler left pending when its context closed is collected later, in whatever test runs
    # then: asyncio's 「Task was destroyed but it is pending!」 landed in a CLI test's captured stderr, whose one
    # line it checks (2026-12-07); nothing of minsheng's runs on asyncio (docs/decisions.md, Tests)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    chromium = _Chromium(sync_api)
    try:
        yield chromium
    finally:
        chromium.stop()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases; on PostgreSQL, before they are dropped, close the
    sessions that threads (the live server, the Celery test worker) left open, so the
    drop does not fail with "database is being accessed by other users"."""
    yield
    _world.close()
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path, monkeypatch):
    """Every test: a fast password hasher (personas are created by the dozen), its own
    media folder, an empty model directory (models a developer trained under var/ never
    leak in), an empty cache, an empty in-process hotspot index and similar-message cache;
    Open311 media links are not fetched (tests/test_open311_media.py switches it on against a
    local server), and no work runs in a thread after the response unless a test asks."""
    settings.MINSHENG_FETCH_MEDIA = False
    # work after the response runs inline, in the commit hook: a thread could not read the test's uncommitted rows
    # (tests that ask for one: a real database, ``transactional_db``)
    settings.MINSHENG_BACKGROUND_THREADS = False
    settings.MINSHENG_WARMUP = False  # no background warm-up unless a test asks (tests/test_warmup.py)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MINSHENG_MODEL_DIR = tmp_path / "models"
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # sign-in failure counts, throttles and figure caches start empty
    from minsheng.insight import hotspots_service, lookup

    hotspots_service.reset_index()  # the in-process hotspot index of an earlier test's (rolled back) data
    lookup.clear_cache()  # so are the similar-message candidates (an empty set's key matches another test's)
    from minsheng.board import deadlines

    # no operator's holiday entries (an earlier test's were rolled back), and no query for them in a
    # test without the database: saving one (the signal) reads them again
    deadlines._ENTRIES.set({})
    deadlines._ENTRIES.checked = time.monotonic()
    # the tests read 2027 as chinese-calendar 1.11.0 does (a year it does not know: weekends alone),
    # so a release that brings 2027 (pyproject allows it) does not change what they read
    known = deadlines.CALENDAR_YEARS
    monkeypatch.setattr(deadlines, "CALENDAR_YEARS", range(known.start, min(known.stop, 2027)))


@pytest.fixture
def directory(db, _world_copy):
    return _world_copy["directory"] if "directory" in _world_copy else build_directory()


def build_directory() -> dict:
    gs = Region.objects.create(code="620000", name="甘肃省", level=1)
    lz = Region.objects.create(code="620100", name="兰州市", level=2, parent=gs)
    cg = Region.objects.create(code="620102", name="城关区", level=3, parent=lz)
    qlh = Region.objects.create(code="620103", name="七里河区", level=3, parent=lz)
    dx = Region.objects.create(code="621100", name="定西市", level=2, parent=gs)
    build = Topic.objects.create(code="urban", name="城乡建设", sort=1)
    env = Topic.objects.create(code="environment", name="环境保护", sort=2)
    traffic = Topic.objects.create(code="traffic", name="交通运输", sort=3)
    housing = Unit.objects.create(name="兰州市住房和城乡建设局", short_name="住建局", region=lz)
    ecology = Unit.objects.create(name="兰州市生态环境局", short_name="生态环境局", region=lz)
    transport = Unit.objects.create(name="兰州市交通运输局", short_name="交通运输局", region=lz)
    cg_gov = Unit.objects.create(name="城关区人民政府", region=cg, kind=Unit.Kind.GOVERNMENT)
    center = Unit.objects.create(name="兰州市政务服务中心", region=lz, kind=Unit.Kind.CENTER)
    dx_housing = Unit.objects.create(name="定西市住房和城乡建设局", region=dx)
    Responsibility.objects.create(region=lz, topic=build, unit=housing)
    Responsibility.objects.create(region=lz, topic=env, unit=ecology)
    Responsibility.objects.create(region=lz, topic=env, unit=housing, role="assist")
    Responsibility.objects.create(region=lz, topic=traffic, unit=transport)
    Responsibility.objects.create(region=cg, topic=build, unit=cg_gov)  # county override
    Responsibility.objects.create(region=dx, topic=build, unit=dx_housing)
    mayor = Addressee.objects.create(title="兰州市市长", region=lz, unit=center)
    return {
        "province": gs, "lanzhou": lz, "chengguan": cg, "qilihe": qlh, "dingxi": dx,
        "topic_build": build, "topic_env": env, "topic_traffic": traffic,
        "housing": housing, "ecology": ecology, "transport": transport, "cg_gov": cg_gov,
        "center": center, "dx_housing": dx_housing, "mayor": mayor,
    }


def make_user(username, *, role=None, unit=None, region=None, **extra) -> User:
    """A user who registered on the site: consented to the privacy notice (accounts.rights)."""
    extra = {"privacy_consented_at": timezone.now(), "privacy_version": PRIVACY_VERSION, **extra}
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    if role:
        Membership.objects.create(user=user, role=role, unit=unit, region=region)
    return user


def supported_by(message, users) -> None:
    """``users`` pressed 我也遇到 on ``message``, whatever its status (a pending one too): the rows and the
    count, as ``actions.do_support`` leaves them."""
    from minsheng.board.models import Message, Support

    Support.objects.bulk_create([Support(message=message, user=user) for user in users])
    Message.objects.filter(pk=message.pk).update(support_count=Support.objects.filter(message=message).count())


@pytest.fixture
def personas(directory, _world_copy):
    return _world_copy["personas"] if "personas" in _world_copy else build_personas(directory)


def build_personas(d) -> dict:
    return {
        "citizen": make_user("13800000001", phone="13800000001", email="xiaoli@example.com", display_name="小李"),
        "other_citizen": make_user("13800000002", phone="13800000002", display_name="小王"),
        "officer": make_user("officer", role="officer", unit=d["housing"], display_name="住建局张科长",
                             email="zhang@example.gov.cn"),
        "other_officer": make_user("other_officer", role="officer", unit=d["ecology"], display_name="生态局刘"),
        "dispatcher": make_user("dispatcher", role="dispatcher", region=d["lanzhou"], display_name="派单员"),
        "supervisor": make_user("supervisor", role="supervisor", region=d["lanzhou"], display_name="督办员"),
        "dx_dispatcher": make_user("dx_dispatcher", role="dispatcher", region=d["dingxi"]),
    }


@pytest.fixture
def cases(directory, personas, _world_copy, django_capture_on_commit_callbacks):
    """Cases built through every workflow path (tests/test_stats_cases.py), their
    follow-up work (statistics facts, hotspots) done; built once for a run of tests (``_SharedWorld``)."""
    if "cases" in _world_copy:
        return _world_copy["cases"]
    from .test_stats_cases import build_cases

    with django_capture_on_commit_callbacks(execute=True):
        return build_cases(directory, personas)


def _build_cases_world() -> dict:
    from .test_stats_cases import build_cases

    directory = build_directory()
    personas = build_personas(directory)
    with TestCase.captureOnCommitCallbacks(execute=True):
        built = build_cases(directory, personas)
    return {"directory": directory, "personas": personas, "cases": built}


# fixture name -> what builds the objects it shares (``shared_once`` adds a module's)
SHARED_BUILDS = {"cases": _build_cases_world}


def shared_once(name: str, build) -> None:
    """Let the module's fixture ``name`` share what ``build()`` (a dict) writes with the consecutive tests asking
    for it, as ``cases`` does (``_SharedWorld``); the fixture returns ``_world_copy[name]`` when it is given."""
    SHARED_BUILDS[name] = build


class _SharedWorld:
    """What a fixture of ``SHARED_BUILDS`` builds (the directory, the personas and the cases of ``cases``), built
    once for the consecutive tests that ask for it, as Django's ``TestCase.setUpTestData`` builds a class's data:
    inside an outer transaction that each test's own (a savepoint then) rolls back to, and that is rolled back
    before a test that does not ask for it, or at the end of the run. Building the cases took about a second a test,
    for some 160 tests in each pass (2026-12-06: CI time, docs/decisions.md). Each test gets deep copies of the
    objects (as setUpTestData's do), so what one test changes in an object never reaches the next; the rows it
    changes are rolled back with its savepoint."""

    def __init__(self):
        self.atomic = self.blocker = self.objects = self.day = self.kind = None

    @staticmethod
    def kind_for(item) -> str | None:
        """The shared fixture ``item`` reads, or None: it asks for one (the conftest's ``cases``, not a module's
        own), and its database is the plain ``db``, entered after the world (a django_db mark enters it first, a
        live server's thread or a transactional test reads committed rows only)."""
        names = set(item.fixturenames)
        if item.get_closest_marker("django_db") is not None or (DATABASE_FIXTURES - {"db"}) & names:
            return None
        if "cases" in names and not hasattr(item.module, "cases"):
            return "cases"
        return next((name for name in SHARED_BUILDS if name != "cases" and name in names), None)

    def open(self, request, kind: str) -> None:
        request.getfixturevalue("django_db_setup")
        self.blocker = request.getfixturevalue("django_db_blocker")
        self.blocker.unblock()
        connection.features.supports_transactions  # noqa: B018 — SQLite tries it once, which cannot be in a transaction
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.kind = kind
        try:
            self.objects = SHARED_BUILDS[kind]()
        except BaseException:
            self.close()  # the test fails on its own error, the next one builds again
            raise
        self.day = timezone.localdate()  # the cases are dated from today

    def close(self) -> None:
        if self.atomic is None:
            return
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)
        self.blocker.restore()
        self.atomic = self.blocker = self.objects = self.day = self.kind = None


_world = _SharedWorld()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before any fixture of ``item``: the shared world goes when ``item`` must not see it, or on a new day."""
    if _world.atomic is not None and (_SharedWorld.kind_for(item) != _world.kind or _world.day != timezone.localdate()):
        _world.close()


@pytest.fixture(autouse=True)
def _world_copy(request, _isolated) -> dict:
    """This test's deep copies of the shared world's objects, the world built first if need be (before the test's
    ``db``, whose savepoint it holds); empty for a test that builds its own."""
    kind = _SharedWorld.kind_for(request.node)
    if kind is None:
        return {}
    if _world.atomic is None:
        _world.open(request, kind)
    return copy.deepcopy(_world.objects)


@pytest.fixture
def login():
    """login(user) -> a test Client signed in as ``user``."""

    def _login(user) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return _login
