"""Property-based fuzzing of /api/v1/cases (schemathesis): no generated request may produce a
5xx, and every error is a problem+json document."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import schemathesis
from api_harness import Api
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from test_api_cases import seed

EXAMPLES = 15
BUDGET_S = 40.0


def _content_type(response: schemathesis.Response) -> str:
    value = response.headers.get("content-type", [""])
    return str(value[0] if isinstance(value, list) else value)


def make_run(
    op: schemathesis.APIOperation,
    mode: GenerationMode,
    headers: dict[str, str],
    failures: list[str],
    sent: list[int],
) -> Callable[[], None]:
    """A hypothesis test sending generated requests of one operation."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        sent.append(response.status_code)
        label = f"{op.method.upper()} {op.path} ({mode.value})"
        if response.status_code >= 500:
            failures.append(
                f"{label} -> {response.status_code}: {case.as_curl_command()}\n"
                f"{response.text[:300]}"
            )
        elif response.status_code >= 400 and not _content_type(response).startswith(
            "application/problem+json"
        ):
            failures.append(f"{label} -> {response.status_code} as {_content_type(response)}")

    return run


@pytest.mark.slow
def test_no_server_errors_on_generated_case_requests(api: Api) -> None:
    seed(api)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", api.app)
    operations = [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if "cases" in (op.tags or [])
    ]
    assert len(operations) >= 10
    failures: list[str] = []
    sent: list[int] = []
    started = time.monotonic()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        for n, op in enumerate(operations):
            if time.monotonic() - started > BUDGET_S:
                break
            headers = api.headers(("admin", "urumqi", "analyst")[n % 3])

            run = make_run(op, mode, headers, failures, sent)
            try:
                run()
            except Unsatisfiable:
                continue
    assert not failures, "\n\n".join(failures[:5])
    assert len(sent) >= 100
    assert sum(200 <= s < 300 for s in sent) >= 20  # requests reach the endpoints
