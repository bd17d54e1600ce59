"""Property-based fuzzing of every operation in the OpenAPI document (schemathesis).

Positive and negative cases are generated for every operation and sent with an
administrator's token (the broadest powers) or a prefecture officer's; no request may
produce a 5xx, every error must be a problem+json document, and the run is time-bounded.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import schemathesis
from api_harness import Api
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

#: The operations of the registry API (other routers are fuzzed by their owners' tests).
REGISTRY_TAGS = {
    "health",
    "login",
    "users",
    "regions",
    "air-stations",
    "water-sections",
    "enterprises",
    "outlets",
    "devices",
    "audit",
}
EXAMPLES = 10  # per operation, mode and backend
BUDGET_S = 25.0  # per backend; positive cases of every operation run first


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
    anonymous = op.path.endswith("/login/access-token") or op.path.endswith("/health")

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        response = case.call() if anonymous else case.call(headers=headers)
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
def test_no_server_errors_on_generated_requests(api: Api) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", api.app)
    operations = [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if REGISTRY_TAGS & set(op.tags or [])
    ]
    assert len(operations) >= 25
    failures: list[str] = []
    sent: list[int] = []
    started = time.monotonic()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        for n, op in enumerate(operations):
            if time.monotonic() - started > BUDGET_S:
                break
            headers = api.headers("admin" if n % 2 == 0 else "urumqi")
            try:
                make_run(op, mode, headers, failures, sent)()
            except Unsatisfiable:
                continue  # e.g. no negative case exists for an operation without inputs
    elapsed = time.monotonic() - started
    assert not failures, "\n\n".join(failures[:5])
    assert len(sent) >= 200, f"only {len(sent)} requests in {elapsed:.0f} s"
    # generated requests reach the endpoints, not only the validators
    assert sum(200 <= s < 300 for s in sent) >= 50
