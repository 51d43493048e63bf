"""Property-based run of the whole REST API against its own OpenAPI document
(/api/schema/): no server errors, and every response (status code, content type,
headers, body) conforms to the schema. Runs in the normal suite with a bounded number
of examples per operation, as an anonymous caller and as staff/citizen tokens."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from minsheng.api.models import ApiToken
from minsheng.wsgi import application

from .test_api_support import _fresh_rate_limits, _media_in_tmp, advance, submit  # noqa: F401

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
if "postgres" in os.environ.get("DATABASE_URL", ""):
    # schemathesis's coverage phase sends each operation its boundary values, and values the schema refuses
    # (negative): those are most of this test's time (about 300 s a pass, and 30 s of collection in every worker,
    # 2026-12-06: CI time, docs/decisions.md). The API's validation refuses them the same way on either database (both
    # passes ran them clean until then), so they are sent in the SQLite pass alone; the PostgreSQL pass sends the boundary values and the fuzzed ones. What reaches
    # PostgreSQL differently (NUL, huge numbers, surrogates) tests/test_api_bad_input.py sends on both.
    schema.config.phases.coverage.generation.modes = [GenerationMode.POSITIVE]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
MAX_EXAMPLES = 6


@pytest.fixture
def keep_db_connection():
    """The WSGI handler closes "old" connections after each request, which inside the
    test transaction means closing it (PostgreSQL); the test client avoids this the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(personas, directory, settings, keep_db_connection):
    """Some messages in every state, and a token per persona."""
    settings.MINSHENG_API_RATES = {"ip": "100000/min", "key": "100000/min"}
    p, d = personas, directory
    submit(p["citizen"], d, title="待审核的留言")
    advance(submit(p["citizen"], d, title="在办的留言"), p, d, "signed")
    advance(submit(p["other_citizen"], d, title="已评价的留言"), p, d, "evaluated")
    return {name: ApiToken.issue(user, "schemathesis")[1] for name, user in p.items()}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, world):
    path = case.operation.path
    if "/staff/" in path:
        personas = ("dispatcher", "officer")
    elif path.startswith("/api/v1/me/") or case.method != "GET":
        personas = ("citizen", None)
    else:
        personas = (None,)
    for persona in personas:
        headers = {"Authorization": f"Token {world[persona]}"} if persona else {}
        case.call_and_validate(headers=headers, checks=CHECKS)
