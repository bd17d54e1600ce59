"""Fixtures of the zoning tests: the hand-built layers of handbuilt.py, indexed once."""

from __future__ import annotations

import pytest
from handbuilt import redlines_layer, reserves_layer, rulebook, units_layer

from ecoguard.zoning.screening import ZoningIndex


@pytest.fixture(scope="session")
def index() -> ZoningIndex:
    return ZoningIndex(units_layer(), rulebook(), redlines_layer(), reserves_layer())
