"""Plans (bộ chỉ tiêu): pydantic models of the bundled YAML files.

The file format is documented in docs/plan-format.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from indicators.periods import Period, PeriodKind, deadline, last_reporting_day, open_period
from indicators.targets import Expectation, Target, TargetError, parse_target
from indicators.text import folded_words
from indicators.values import Measure


class Tier(StrEnum):
    """Where in the administrative tree a level sits; names vary, tiers do not."""

    VILLAGE = "village"
    COMMUNE = "commune"
    DISTRICT = "district"
    PROVINCE = "province"


LEVEL_TIERS: dict[str, Tier] = {
    "thôn": Tier.VILLAGE,
    "bản": Tier.VILLAGE,
    "làng": Tier.VILLAGE,
    "ấp": Tier.VILLAGE,
    "tổ dân phố": Tier.VILLAGE,
    "khu phố": Tier.VILLAGE,
    "xã": Tier.COMMUNE,
    "phường": Tier.COMMUNE,
    "thị trấn": Tier.COMMUNE,
    "đặc khu": Tier.COMMUNE,
    "huyện": Tier.DISTRICT,
    "thị xã": Tier.DISTRICT,
    "quận": Tier.DISTRICT,
    "thành phố": Tier.DISTRICT,
    "tỉnh": Tier.PROVINCE,
    "thành phố trực thuộc trung ương": Tier.PROVINCE,
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _none_to_list(value: Any) -> Any:
    return [] if value is None else value


StrList = Annotated[list[str], BeforeValidator(_none_to_list)]


class Frequency(StrEnum):
    YEAR = "year"
    HALF = "half"
    QUARTER = "quarter"
    MONTH = "month"


class Schedule(_Model):
    """When results are due: before `due_day` of the period's last month or the next one."""

    frequency: Frequency
    due_day: int = Field(ge=1, le=28)
    due_month: Literal["last", "next"]
    printed: str | None = None
    source_line: int | None = None
    note: str | None = None

    @property
    def period_kind(self) -> PeriodKind:
        return PeriodKind(self.frequency.value)

    def open_period(self, now: dt.datetime) -> Period:
        return open_period(
            self.period_kind, now=now, due_day=self.due_day, due_month=self.due_month
        )

    def deadline(self, period: Period) -> dt.datetime:
        return deadline(period, due_day=self.due_day, due_month=self.due_month)

    def last_day(self, period: Period) -> dt.date:
        return last_reporting_day(period, due_day=self.due_day, due_month=self.due_month)


def level_tier(level: str) -> Tier | None:
    """The tier of a unit's level word ("Thôn" → village), None for a level plans do not
    assign indicators to."""
    return LEVEL_TIERS.get(level.lower())


class UnitSpec(_Model):
    name: str
    level: str
    children: Annotated[list[UnitSpec], BeforeValidator(_none_to_list)] = []

    @property
    def tier(self) -> Tier | None:
        return level_tier(self.level)

    def walk(self) -> list[UnitSpec]:
        found = [self]
        for child in self.children:
            found.extend(child.walk())
        return found


class TargetSpec(_Model):
    printed: str
    normalized: str | None = None
    labels: StrList = []
    note: str | None = None


class Formula(_Model):
    printed: str | None = None
    numerator: str
    denominator: str
    noun: str  # what the denominator counts: "175/300 hộ gia đình"
    # What the numerator counts, where it is not `noun` ("người dùng smartphone" of
    # "người dùng điện thoại di động"): the gap is said in it, "cần thêm 3 …".
    numerator_noun: str | None = None

    @property
    def gap_noun(self) -> str:
        """The noun "cần thêm N …" counts: more of the numerator is what is needed."""
        return self.numerator_noun or self.noun


class HistoryEntry(_Model):
    period: str = Field(pattern=r"^\d{4}(-H[12]|-Q[1-4]|-(0[1-9]|1[0-2]))?$")
    kind: Literal["actual", "target"]
    printed: str
    note: str | None = None


class Indicator(_Model):
    code: str
    printed_code: str | None = None
    name: str
    measure: Measure
    unit: str | None = None
    target: Target
    formula: Formula | None = None
    reported_by: Tier
    lead: StrList = []
    coordinating: StrList = []
    monitoring: StrList = []
    notes: str | None = None
    history: Annotated[list[HistoryEntry], BeforeValidator(_none_to_list)] = []

    @model_validator(mode="before")
    @classmethod
    def _read_target(cls, data: Any) -> Any:
        if isinstance(data, dict) and "target" in data and not isinstance(data["target"], Target):
            raw = data["target"]
            spec = TargetSpec.model_validate({"printed": raw} if isinstance(raw, str) else raw)
            try:
                target = parse_target(
                    spec.printed, normalized=spec.normalized, labels=spec.labels, note=spec.note
                )
            except TargetError as exc:
                raise ValueError(str(exc)) from exc
            data = {**data, "target": target}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        yesno_target = all(isinstance(p, Expectation) for p in self.target.parts)
        if self.measure is Measure.YESNO and not yesno_target:
            raise ValueError("a yes/no indicator needs a yes/no target (Có/Không)")
        return self

    def history_value(self, period: str, kind: str = "actual") -> HistoryEntry | None:
        for entry in self.history:
            if entry.period == period and entry.kind == kind:
                return entry
        return None


class Group(_Model):
    code: str
    name: str
    indicators: list[Indicator]

    def is_named(self, wanted: str) -> bool:
        """Named `wanted` in full, in part ("an toàn thông tin"), or by the start of its
        name (the slug a button carries)."""
        folded, target = folded_words(self.name), folded_words(wanted)
        return bool(target) and (
            f" {target} " in f" {folded} "
            or f" {folded} " in f" {target} "
            or folded.startswith(target)
        )


class Plan(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: Literal["plan", "report"]
    year: int = Field(ge=2000, le=2100)
    title: str
    document: str
    appendix: str | None = None
    issued_on: dt.date | None = None
    source: str | None = None
    source_lines: str | None = None
    issuer: str
    units: UnitSpec
    schedule: Schedule
    notes: StrList = []
    groups: list[Group]
    derived_from: str | None = None

    @model_validator(mode="after")
    def _unique_codes(self) -> Plan:
        seen: set[str] = set()
        for group in self.groups:
            for indicator in group.indicators:
                if indicator.code in seen:
                    raise ValueError(f"indicator code {indicator.code!r} appears twice")
                seen.add(indicator.code)
        self.issuer_unit  # noqa: B018 - resolving it is the check
        return self

    @property
    def issuer_path(self) -> tuple[str, ...]:
        """Names from the root of `units` down to the issuer."""

        def search(node: UnitSpec, path: tuple[str, ...]) -> tuple[str, ...] | None:
            path = (*path, node.name)
            if node is self.issuer_unit:
                return path
            for child in node.children:
                found = search(child, path)
                if found:
                    return found
            return None

        found = search(self.units, ())
        assert found is not None
        return found

    @property
    def issuer_unit(self) -> UnitSpec:
        """The issuing unit; `issuer` is a name, or "level name" where names repeat."""
        units = self.units.walk()
        found = [u for u in units if f"{u.level} {u.name}" == self.issuer]
        found = found or [u for u in units if u.name == self.issuer]
        if len(found) != 1:
            problem = "is not a unit in `units`" if not found else "names several units"
            raise ValueError(f"issuer {self.issuer!r} {problem}; write it as 'level name'")
        return found[0]

    @property
    def indicators(self) -> list[Indicator]:
        return [i for g in self.groups for i in g.indicators]

    def indicator(self, code: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.code == code:
                return indicator
        raise KeyError(f"plan {self.id} has no indicator {code!r}")

    def reported_by(self, tier: Tier | None) -> tuple[Indicator, ...]:
        """The indicators units of this tier report themselves."""
        return tuple(i for i in self.indicators if i.reported_by is tier)

    @property
    def last_period(self) -> Period:
        period = Period(self.year, self.schedule.period_kind, 1)
        while period.next().year == self.year:
            period = period.next()
        return period

    def group_of(self, code: str) -> Group:
        for group in self.groups:
            if any(i.code == code for i in group.indicators):
                return group
        raise KeyError(f"plan {self.id} has no indicator {code!r}")


def plans_for_period(
    plans: Sequence[Plan], asked: Period | None, now: dt.datetime
) -> list[tuple[Plan, Period]]:
    """Which of a unit's plans answer for `asked`, each with the period to read.

    Without `asked`: each plan's open period at `now`, or, when no plan covers this year
    yet, the latest year's plans at their last period.
    """
    if asked is not None:
        # A report plan keeps earlier years' results in its history: a year with no plan
        # of its own is read in the next plan that has one.
        later = sorted({p.year for p in plans if p.year >= asked.year})
        return [(p, asked) for p in plans if later and p.year == later[0]]
    current = [(p, p.schedule.open_period(now)) for p in plans]
    current = [(p, period) for p, period in current if period.year == p.year]
    if current:
        return current
    past = [p for p in plans if p.year <= now.year]
    if not past:
        return []
    year = max(p.year for p in past)
    return [(p, p.last_period) for p in past if p.year == year]
