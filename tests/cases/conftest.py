"""Case fixtures, built on the API tests' harness (seeded demo registry on SQLite and PostgreSQL).

``tests/api/conftest.py`` is loaded under another module name and its fixtures are re-exported
here, so the case tests run against exactly the same seeded databases as the API tests.
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecoguard.registry.pgtemp import TempCluster

_API_TESTS = Path(__file__).resolve().parents[1] / "api"
if str(_API_TESTS) not in sys.path:
    sys.path.insert(0, str(_API_TESTS))


def _load_api_conftest() -> object:
    spec = importlib.util.spec_from_file_location("api_conftest", _API_TESTS / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["api_conftest"] = module
    spec.loader.exec_module(module)
    return module


_api = _load_api_conftest()
BACKENDS = _api.BACKENDS  # type: ignore[attr-defined]
seed_registry = _api.seed_registry  # type: ignore[attr-defined]
# re-export every fixture of the API tests (db_url, api, pg_cluster, sqlite_template, ...)
for _name, _obj in vars(_api).items():
    if type(_obj).__name__ == "FixtureFunctionDefinition" or hasattr(
        _obj, "_pytestfixturefunction"
    ):
        globals()[_name] = _obj


@pytest.fixture(params=BACKENDS)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a new, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.sqlite3'}"
        return
    cluster: TempCluster = request.getfixturevalue("pg_cluster")
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = cluster.create_database(name)
    yield url
    cluster.drop_database(name)
