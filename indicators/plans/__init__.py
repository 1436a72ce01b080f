"""The bundled plans, transcribed from the source documents, and loading plan files."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from indicators.plan import Plan


class PlanError(ValueError):
    """A plan file that does not validate; the message names file, indicator and problem."""


# libyaml's parser where PyYAML was built with it: the same documents, about ten times
# faster than the pure-Python one (a plan is parsed at every start and import).
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_plan_text(text: str, *, source: str) -> Plan:
    try:
        data = yaml.load(text, Loader=_LOADER)  # _LOADER is a safe loader
    except yaml.YAMLError as exc:
        raise PlanError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PlanError(f"{source}: a plan file must be a mapping")
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        problems = [f"{source}: {_where(data, err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise PlanError("\n".join(problems)) from None


_PARSED_KEPT = 64  # plan texts remembered by parsed_plan: every version in use, and more
_parsed: dict[str, Plan] = {}


def parsed_plan(text: str, *, source: str) -> Plan:
    """`load_plan_text`, remembered by text, for plans parsed again and again (the stored
    versions): parsed once per process. A plan is immutable; `source` names it only if
    the text fails, and a text that fails is not remembered. Keyed by the text itself,
    not by (plan, version): a version number read inside a transaction that is later
    rolled back may be reused for another text, and one process may open several
    databases."""
    plan = _parsed.get(text)
    if plan is None:
        plan = load_plan_text(text, source=source)
        if len(_parsed) >= _PARSED_KEPT:
            del _parsed[next(iter(_parsed))]
        _parsed[text] = plan
    return plan


def load_plan_file(path: Path) -> Plan:
    return load_plan_text(path.read_text(encoding="utf-8"), source=str(path))


def bundled_plan_ids() -> list[str]:
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in resources.files(__package__).iterdir()
        if entry.name.endswith(".yaml")
    )


@cache
def load_bundled(plan_id: str) -> Plan:
    entry = resources.files(__package__).joinpath(f"{plan_id}.yaml")
    if not entry.is_file():
        raise PlanError(f"no bundled plan {plan_id!r}; known: {', '.join(bundled_plan_ids())}")
    return load_plan_text(entry.read_text(encoding="utf-8"), source=f"{plan_id}.yaml")


def load_all_bundled() -> list[Plan]:
    return [load_bundled(plan_id) for plan_id in bundled_plan_ids()]


def _where(data: dict[str, Any], loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic error location into "indicator 1.3, field target" where possible."""
    node: Any = data
    indicator_code: str | None = None
    rest: list[str] = []
    for step in loc:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            rest.append(str(step))
            continue
        if isinstance(node, dict) and "measure" in node and "code" in node:
            indicator_code = str(node["code"])
            rest = []
        else:
            rest.append(str(step))
    field = ".".join(rest) or "(whole)"
    return f"indicator {indicator_code}, field {field}" if indicator_code else f"field {field}"
