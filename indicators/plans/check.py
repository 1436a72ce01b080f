"""Validate plan files: `python -m indicators.plans.check FILE...`."""

from __future__ import annotations

import sys
from pathlib import Path

from indicators.plans import PlanError, load_plan_file


def main(argv: list[str]) -> int:
    failed = 0
    for name in argv:
        try:
            plan = load_plan_file(Path(name))
        except PlanError as exc:
            print(exc)
            failed += 1
            continue
        counts = ", ".join(f"{g.code}: {len(g.indicators)}" for g in plan.groups)
        print(f"{name}: OK — {len(plan.indicators)} indicators ({counts})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
