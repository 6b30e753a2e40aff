"""Property-based fuzzing of the integration API against its own OpenAPI schema (schemathesis).

The schema is fetched from ``/api/schema/`` (drf-spectacular) and every
``/api/v1/`` operation is driven in-process through Django's WSGI handler with
a read-write API key of a workspace holding a few accounts. Positive and
negative inputs must never produce a 5xx, documented responses must match the
schema (status codes are not checked: 400/401/403/404 are not documented), and
another workspace's accounts never show up (their ids answer 404).

The accounts API is fuzzed in depth; the rest of the API shares a small budget
so the module stays well under a minute. Go deeper with e.g.
``FUZZ_ACCOUNT_EXAMPLES=100 FUZZ_OTHER_BUDGET=5000``.
"""

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.python._constants.orchestrator import make_constants_value_source
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/v1/accounts/"
# Hypothesis examples: ACCOUNT_EXAMPLES per accounts operation and generation mode (positive,
# negative); every other operation shares OTHER_BUDGET, at least MIN_EXAMPLES each.
ACCOUNT_EXAMPLES = int(os.environ.get("FUZZ_ACCOUNT_EXAMPLES", "25"))
OTHER_BUDGET = int(os.environ.get("FUZZ_OTHER_BUDGET", "250"))
MIN_EXAMPLES = int(os.environ.get("FUZZ_MIN_EXAMPLES", "3"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, response_headers_conformance]


@pytest.fixture
def wsgi_app(settings):
    """Django's WSGI handler, sharing the test's transaction like Django's test client does.

    A real WSGI request closes "old" database connections when it starts and
    ends; inside the test's transaction that would drop the connection.
    """
    settings.SECURE_SSL_REDIRECT = False  # read when the handler loads its middleware
    settings.API_KEY_THROTTLE_RATE = "100000/hour"  # the fuzzer sends more than a minute's allowance with one key
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(tenant_a, owner_a, member_a, tenant_b):
    parent = AccountFactory(tenant=tenant_a, name="Globex Holdings", domain="globex.com")
    own = [
        parent,
        AccountFactory(tenant=tenant_a, name="Globex Europe", domain="globex.eu", parent=parent, owner=member_a),
        AccountFactory(tenant=tenant_a, name="Initech", domain="initech.com", annual_revenue="1250000.50"),
        AccountFactory(tenant=tenant_a, name="Umbrella", domain="", employee_count=None, country=""),
    ]
    foreign = [AccountFactory(tenant=tenant_b, name="Bravo Secret", domain="bravo-secret.com")]
    return {"own": {account.pk for account in own}, "foreign": {account.pk for account in foreign}}


@pytest.fixture
def api_schema(wsgi_app, seeded):
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)


@pytest.fixture
def auth_headers(api_a):
    return {"Authorization": f"Api-Key {api_a.raw_key}"}


def is_account_operation(operation) -> bool:
    return operation.path in (ACCOUNTS, f"{ACCOUNTS}{{id}}/")


def other_workspace_stays_invisible(seeded):
    def check(ctx, response, case):
        """Another workspace's account answers 404 and never appears in a body (account operations)."""
        if not is_account_operation(case.operation):
            return None
        if (case.path_parameters or {}).get("id") in seeded["foreign"]:
            assert response.status_code == 404, f"another workspace's account answered {response.status_code}"
        try:
            body = response.json()
        except ValueError:
            return None
        rows = body.get("results", [body]) if isinstance(body, dict) else []
        leaked = {row.get("id") for row in rows if isinstance(row, dict)} & seeded["foreign"]
        assert not leaked, f"another workspace's accounts in the response: {sorted(leaked)}"
        return None

    check.__name__ = "other_workspace_stays_invisible"
    return check


def cases(operation, mode: GenerationMode, known_ids: list[int], feedback: FeedbackSources):
    """Generated cases; on an account's path also with ids that exist (random ids almost never do)."""
    generated = operation.as_strategy(generation_mode=mode, feedback=feedback)
    if not (is_account_operation(operation) and "{id}" in operation.path):
        return generated
    existing = st.sampled_from(known_ids).flatmap(
        lambda pk: operation.as_strategy(generation_mode=mode, path_parameters={"id": pk}, feedback=feedback)
    )
    return st.one_of(generated, existing)


def fuzz_plan(operations, known_ids, feedback):
    """(label, strategy, examples): the accounts API in depth, each generation mode on its own; every
    other operation once, both modes mixed, sharing OTHER_BUDGET (generating cases costs more than
    sending them, so fewer, larger runs keep this well under a minute)."""
    others = [operation for operation in operations if not is_account_operation(operation)]
    other_examples = max(MIN_EXAMPLES, OTHER_BUDGET // max(len(others), 1))
    for operation in operations:
        if is_account_operation(operation):
            for mode in GenerationMode:
                yield f"{operation.label} ({mode.value})", cases(operation, mode, known_ids, feedback), ACCOUNT_EXAMPLES
        else:
            mixed = st.one_of(*(cases(operation, mode, known_ids, feedback) for mode in GenerationMode))
            yield operation.label, mixed, other_examples


# `schema.parametrize()` / `from_fixture` does not run under pytest 9 (schemathesis 4.32 sets
# `Function._nodeid`), so the operations are driven here as subtests.
def test_api_v1_conforms_to_its_schema(api_schema, auth_headers, seeded, subtests):
    checks = [*CHECKS, other_workspace_stays_invisible(seeded)]
    known_ids = sorted(seeded["own"] | seeded["foreign"])
    results = list(api_schema.get_all_operations())
    assert [str(result.err()) for result in results if not isinstance(result, Ok)] == []
    operations = [result.ok() for result in results]
    assert {operation.label for operation in operations if is_account_operation(operation)} == {
        f"GET {ACCOUNTS}",
        f"POST {ACCOUNTS}",
        f"GET {ACCOUNTS}{{id}}/",
        f"PUT {ACCOUNTS}{{id}}/",
        f"PATCH {ACCOUNTS}{{id}}/",
        f"DELETE {ACCOUNTS}{{id}}/",
    }
    assert all(operation.path.startswith("/api/v1/") for operation in operations)
    # What `as_strategy` builds by default, built once instead of once per call (halves generation time).
    feedback = FeedbackSources(constants_value_source=make_constants_value_source(api_schema))
    for label, strategy, examples in fuzz_plan(operations, known_ids, feedback):

        @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case):
            case.call_and_validate(headers=auth_headers, checks=checks)

        with subtests.test(msg=label):
            run()
