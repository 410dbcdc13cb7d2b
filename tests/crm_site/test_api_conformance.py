"""The whole API against its own OpenAPI schema (schemathesis, issue #9 "Never a 500").

Every operation of ``/api/schema/`` (generated in-process by drf-spectacular, post-processing
hooks included, exactly what the view serves) is called through the real WSGI stack
(middleware, authentication, exception handler) as a chain administrator holding a knox token,
against the small chain of the authorization tests (``tests/authz/chain.py``: two hotels, one
object of every kind, plus what each ``tests/authz/areas/*`` module seeds).

- ``MAX_EXAMPLES`` generated cases per operation, positive and negative (schema-violating)
  data, derandomized: the same cases on every run, so CI is deterministic.
- Path ids: a positive case's ``{id}``, ``{guest_pk}`` ... are replaced by the first object the
  admin sees in the matching list (``GET /api/v1/guests/`` → ``{guest_pk}``), so detail,
  nested and action endpoints answer with real objects instead of 404s; a case whose path was
  generated invalid on purpose keeps it.
- Each request runs in a savepoint rolled back afterwards: every case meets the same chain
  (a DELETE or an erase does not remove the object for the next case).

Checks: every built-in check schemathesis runs for a single response —
``not_a_server_error``, ``status_code_conformance``, ``content_type_conformance``,
``response_schema_conformance``, ``response_headers_conformance``, ``negative_data_rejection``,
``ignored_auth``, ``unsupported_method``, ``missing_required_header`` ... — except those in
``EXCLUDED_CHECKS`` and, per case, ``_excluded_for`` (each with its reason).  A failure prints the operation, the check, the
answer, a curl line to reproduce it and, for a 500, the server's traceback.

Cost: about 180 operations × ``MAX_EXAMPLES``; raise it locally to dig (``CONFORMANCE_EXAMPLES=50``
in the environment), keep CI's small.  To rerun some operations: ``pytest tests/crm_site/test_api_conformance.py -k "GET and complaints"``
(``-k`` matches words of ``test_api[GET /api/v1/complaints/{id}/]``; braces are not allowed there).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import traceback

import jsonschema
import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from werkzeug.test import Client

from crm_site import roles
from crm_site.tokens.services import token_issue
from tests.authz.chain import CHAIN, build_chain
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

MAX_EXAMPLES = int(os.environ.get("CONFORMANCE_EXAMPLES", "5"))

# Checks that cannot hold for this API, whatever the code does; everything else must pass.
EXCLUDED_CHECKS = {
    # "A schema-valid request must get a 2xx": the schema types each input, but the rules
    # between inputs (arrival before departure, a known guest or property id, a state the
    # complaint workflow allows, a balance that covers a redemption, dates 1900-2100) are
    # business rules answered by a 400/409 naming the field.  Random schema-valid data
    # breaks one almost always, so this check would only measure the generator.
    "positive_data_acceptance": "business rules beyond the schema answer 400/409 by design",
}


def _excluded_for(case) -> list:
    """Checks that cannot hold for one case.  ``negative_data_rejection`` when the body is the
    schema-violating part: DRF's parsing is lenient by design in both directions — a
    ``CharField`` takes a JSON number (stores its text), an ``IntegerField`` or
    ``BooleanField`` takes ``"12"`` / ``"true"`` — and a form body (multipart / urlencoded,
    which DRF also parses) carries only strings anyway.  Such a body is still checked for a
    5xx, its status code and its answer's schema; query and path parameters keep the check."""
    if case.meta and case.meta.is_negative_at(ParameterLocation.BODY):
        return [schemathesis.checks.negative_data_rejection]
    return []


CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
        # coverage: hundreds of boundary cases per operation (over the CI budget);
        # stateful: needs links between operations the schema does not declare.
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "checks": {name: {"enabled": False} for name in EXCLUDED_CHECKS},
    }
)


def _load_schema():
    spec = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(spec, config=CONFIG)
    loaded.app = get_wsgi_application()
    return loaded


schema = _load_schema()
PARAMETER = re.compile(r"\{(\w+)\}")


class _Ids:
    """The first object the admin sees in a list, per list path (``None`` when the list is
    empty or there is none); cached for the module (every request is rolled back)."""

    def __init__(self, headers: dict):
        self.client = Client(schema.app)  # the WSGI app, as the cases (Django's test client would
        self.headers = headers  # reconnect close_old_connections to the request signals)
        self.cache: dict[str, object] = {}

    def first(self, list_path: str):
        if list_path not in self.cache:
            response = self.client.get(list_path, headers=self.headers)
            value = None
            if response.status_code == 200 and response.mimetype == "application/json":
                body = response.json
                items = body.get("results") if isinstance(body, dict) else body
                if isinstance(items, list) and items and isinstance(items[0], dict):
                    value = items[0].get("id")
            self.cache[list_path] = value
        return self.cache[list_path]

    def fill(self, case) -> None:
        """Put real ids into the path parameters, left to right (a nested id is looked up in
        its parent's list)."""
        if not case.path_parameters or (case.meta and case.meta.is_negative_at(ParameterLocation.PATH)):
            return
        path = case.path
        for match in PARAMETER.finditer(case.path):
            name = match.group(1)
            prefix = path[: path.index("{" + name + "}")]
            value = self.first(prefix)
            if value is not None:
                case.path_parameters[name] = str(value)
            path = path.replace("{" + name + "}", str(case.path_parameters[name]), 1)


class _ServerErrors:
    """Tracebacks of the exceptions the app turned into a 500 during one call."""

    def __init__(self):
        self.tracebacks: list[str] = []

    def __call__(self, sender, request=None, **kwargs):
        if sys.exc_info()[0] is not None:
            self.tracebacks.append(f"{request.method} {request.get_full_path()}\n{traceback.format_exc()}")


@pytest.fixture(scope="module")
def api_chain(django_db_setup, django_db_blocker):
    """The chain, built once per module (and per xdist worker) in a transaction rolled back at
    the end; the WSGI handler must not close the connection between requests (the test client
    does the same)."""
    quiet = [logging.getLogger(name) for name in ("crm_site.requests", "django.request")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.ERROR)  # only the 500s in a failure's captured log
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            ids = build_chain()
            admin = get_user_model().objects.get(pk=ids[CHAIN]["users"][roles.CHAIN_ADMIN])
            _token, secret = token_issue(user=admin)
            headers = {"Authorization": f"Token {secret}"}
            yield {"headers": headers, "ids": _Ids(headers)}
            transaction.set_rollback(True)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)


@schema.parametrize()
@settings(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_api(case, api_chain):
    api_chain["ids"].fill(case)
    errors = _ServerErrors()
    signals.got_request_exception.connect(errors, weak=False)
    savepoint = transaction.savepoint()
    try:
        case.call_and_validate(headers=api_chain["headers"], excluded_checks=_excluded_for(case))
    except BaseException as failure:
        if errors.tracebacks:
            failure.add_note("Server traceback(s):\n" + "\n".join(errors.tracebacks))
        raise
    finally:
        signals.got_request_exception.disconnect(errors)
        transaction.savepoint_rollback(savepoint)
        transaction.set_rollback(False)


# --- The error answers generated data does not reach: 413 and 429 --------------------------


def _documented(path: str, method: str, status: str) -> dict:
    response = schema.raw_schema["paths"][path][method]["responses"][status]
    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    return response


def test_a_too_large_body_answers_the_documented_413(client, settings):
    _documented("/api/v1/guests/", "post", "413")
    settings.REQUEST_BODY_MAX_BYTES = 100
    response = client.post("/api/v1/guests/", data="{" + " " * 200 + "}", content_type="application/json")
    assert response.status_code == 413 and response["Content-Type"] == "application/json"
    jsonschema.validate(response.json(), schema.raw_schema["components"]["schemas"]["Error"])
    assert response.json()["code"] == "request_too_large"


def test_a_locked_account_answers_the_documented_429(client, settings):
    documented = _documented("/api/v1/auth/token/", "post", "429")
    UserFactory(username="ana")
    for attempt in range(settings.AXES_FAILURE_LIMIT + 1):
        response = client.post("/api/v1/auth/token/", {"username": "ana", "password": f"wrong-{attempt}"})
    assert response.status_code == 429
    jsonschema.validate(response.json(), schema.raw_schema["components"]["schemas"]["Error"])
    jsonschema.validate(int(response["Retry-After"]), documented["headers"]["Retry-After"]["schema"])
