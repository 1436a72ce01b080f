"""What every transcription test of a bundled plan needs: the plan, and a target's parts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from indicators.plan import Indicator, Plan
from indicators.plans import load_bundled


def plan_fixture(plan_id: str) -> Callable[[], Plan]:
    """A module-scoped `plan` fixture: a test module assigns it to the name `plan`."""

    @pytest.fixture(scope="module")
    def plan() -> Plan:
        return load_bundled(plan_id)

    return plan


def only_part(indicator: Indicator) -> Any:
    """The target's one part: a check that the target has exactly one."""
    assert len(indicator.target.parts) == 1
    return indicator.target.parts[0]


def single_threshold(indicator: Indicator) -> Any:
    """The one part of an assessable target."""
    assert indicator.target.assessable
    return only_part(indicator)


def history(indicator: Indicator) -> list[tuple[str, str, str]]:
    return [(h.period, h.kind, h.printed) for h in indicator.history]
