"""Rolling figures up the tree: a unit's own value wins; ratios and counts are summed;
shares without denominators are judged by their bounds; counts of reporting units."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from indicators.evaluation import Verdict, evaluate
from indicators.plan import Indicator, Tier
from indicators.plans import load_bundled
from indicators.rollup import Node, Rollup
from indicators.units import FormerName, Unit, name_at, unit_tree
from indicators.values import (
    AnyValue,
    CountValue,
    PercentValue,
    RatioValue,
    Status,
    StatusValue,
    YesNoValue,
)

PLAN = load_bundled("dong-lac-2025")
FIBRE = PLAN.indicator("3.1")  # village, ≥76%, formula
E_ID = PLAN.indicator("3.3")  # village, 60%, no formula
ONLINE = PLAN.indicator("1.1")  # commune, ≥80%


def village(unit_id: int) -> Node:
    return Node(unit_id, f"Thôn {unit_id}", "thôn", Tier.VILLAGE)


def commune(unit_id: int, villages: range) -> Node:
    return Node(unit_id, f"Xã {unit_id}", "xã", Tier.COMMUNE, tuple(village(v) for v in villages))


COMMUNE = commune(100, range(1, 4))
PROVINCE = Node(1000, "Tỉnh", "tỉnh", Tier.PROVINCE, (COMMUNE, commune(200, range(11, 13))))


def yes_no_indicator() -> Indicator:
    data = FIBRE.model_dump()
    data.update(code="9.9", measure="yesno", target="Có", formula=None)
    return Indicator.model_validate(data)


def test_ratios_sum_and_reporting_counts() -> None:
    values = {(1, "3.1"): RatioValue(70, 100), (2, "3.1"): RatioValue(90, 100)}
    figure = Rollup(COMMUNE, values).figure(COMMUNE, FIBRE)
    assert figure is not None
    assert figure.value == RatioValue(160, 200)  # 80%, never the mean of percentages
    assert (figure.reported, figure.expected, figure.direct) == (2, 3, False)
    # Two of three villages: what they give meets the target, but is not judged.
    assert figure.evaluation.verdict is Verdict.MET
    assert figure.provisional and figure.verdict is Verdict.PROVISIONAL


def test_weighted_not_averaged() -> None:
    # 10/10 and 60/100: the mean of percentages (80%) would pass, the share (63.6%) fails.
    values = {(1, "3.1"): RatioValue(10, 10), (2, "3.1"): RatioValue(60, 100)}
    figure = Rollup(COMMUNE, values).figure(COMMUNE, FIBRE)
    assert figure is not None and figure.value == RatioValue(70, 110)
    assert figure.evaluation.verdict is Verdict.NOT_MET
    gap = figure.evaluation.parts[0].gap
    assert gap is not None and gap.count == 14  # 76% of 110 = 83.6 → 84 households


def test_a_units_own_value_wins_at_every_level() -> None:
    values = {
        (1, "3.1"): RatioValue(10, 100),
        (100, "3.1"): RatioValue(95, 100),  # the commune reported itself
        (11, "3.1"): RatioValue(50, 100),
    }
    rollup = Rollup(PROVINCE, values)
    own = rollup.figure(COMMUNE, FIBRE)
    assert own is not None and own.direct and own.value == RatioValue(95, 100)
    assert (own.reported, own.expected) == (3, 3)  # it covers all its villages
    province = rollup.figure(PROVINCE, FIBRE)
    assert province is not None and province.value == RatioValue(145, 200)
    assert (province.reported, province.expected) == (4, 5)


def test_commune_indicators_do_not_concern_villages() -> None:
    values = {(100, "1.1"): PercentValue(Decimal(85))}
    rollup = Rollup(PROVINCE, values)
    assert rollup.figure(village(1), ONLINE) is None
    at_commune = rollup.figure(COMMUNE, ONLINE)
    assert at_commune is not None and at_commune.verdict is Verdict.MET
    province = rollup.figure(PROVINCE, ONLINE)
    assert province is not None and (province.reported, province.expected) == (1, 2)
    # A commune with no villages yet answers for village indicators itself.
    alone = Node(7, "Xã mới", "xã", Tier.COMMUNE)
    figure = Rollup(alone, {}).figure(alone, FIBRE)
    assert figure is not None and figure.verdict is Verdict.NOT_REPORTED
    assert figure.expected == 1


def test_percentages_without_denominators_are_judged_by_their_bounds() -> None:
    def judged(*percents: int) -> Verdict:
        values = {(i, "3.3"): PercentValue(Decimal(p)) for i, p in enumerate(percents, 1)}
        figure = Rollup(COMMUNE, values).figure(COMMUNE, E_ID)
        assert figure is not None and figure.value is None
        return figure.evaluation.verdict

    assert judged(61, 70, 99) is Verdict.MET  # every share meets: so does the whole
    assert judged(10, 59) is Verdict.NOT_MET
    assert judged(10, 90) is Verdict.NOT_ASSESSABLE  # depends on the sizes: unknown
    values = {(1, "3.3"): PercentValue(Decimal(10)), (2, "3.3"): PercentValue(Decimal(90))}
    figure = Rollup(COMMUNE, values).figure(COMMUNE, E_ID)
    assert figure is not None
    assert (figure.parts_met, figure.parts_not_met) == (1, 1)
    assert figure.gap == Fraction(50)  # the smallest child gap bounds the whole's gap


def test_bounds_hold_through_two_levels_and_status_words() -> None:
    values: dict[tuple[int, str], AnyValue] = {
        (1, "3.3"): PercentValue(Decimal(70)),
        (2, "3.3"): StatusValue(Status.MET),
        (11, "3.3"): PercentValue(Decimal(65)),
        (12, "3.3"): RatioValue(7, 10),
    }
    figure = Rollup(PROVINCE, values).figure(PROVINCE, E_ID)
    assert figure is not None and figure.evaluation.verdict is Verdict.MET
    assert figure.verdict is Verdict.PROVISIONAL  # 4 of 5 villages
    assert (figure.parts_met, figure.parts_not_met) == (2, 0)  # its two communes


def test_yes_no_counts_reporting_units() -> None:
    indicator = yes_no_indicator()
    values = {(1, "9.9"): YesNoValue(True), (2, "9.9"): YesNoValue(False)}
    figure = Rollup(COMMUNE, values).figure(COMMUNE, indicator)
    assert figure is not None
    assert (figure.yes, figure.reported, figure.expected) == (1, 2, 3)
    assert figure.evaluation.verdict is Verdict.NOT_MET
    assert figure.verdict is Verdict.PROVISIONAL
    values = {(v, "9.9"): YesNoValue(True) for v in (1, 2, 3)}
    figure = Rollup(COMMUNE, values).figure(COMMUNE, indicator)
    assert figure is not None and figure.verdict is Verdict.MET and figure.yes == 3


def test_counts_add_up() -> None:
    data = FIBRE.model_dump()
    data.update(code="8.8", measure="count", target=">=10", formula=None, unit="buổi")
    trainings = Indicator.model_validate(data)
    values = {(1, "8.8"): CountValue(4), (2, "8.8"): CountValue(0), (3, "8.8"): CountValue(7)}
    figure = Rollup(COMMUNE, values).figure(COMMUNE, trainings)
    assert figure is not None and figure.value == CountValue(11)
    assert figure.verdict is Verdict.MET


def test_a_part_of_the_villages_is_provisional_until_all_report() -> None:
    """Issue 10: Thôn 1 alone is not the commune; the commune's own value still wins."""
    values = {(1, "3.1"): RatioValue(230, 300)}
    part = Rollup(COMMUNE, values).figure(COMMUNE, FIBRE)
    assert part is not None and part.value == RatioValue(230, 300)
    assert part.verdict is Verdict.PROVISIONAL and (part.reported, part.expected) == (1, 3)
    everyone = {**values, (2, "3.1"): RatioValue(50, 100), (3, "3.1"): RatioValue(60, 100)}
    whole = Rollup(COMMUNE, everyone).figure(COMMUNE, FIBRE)
    assert whole is not None and whole.verdict is Verdict.NOT_MET and not whole.provisional
    own = Rollup(COMMUNE, {**values, (100, "3.1"): RatioValue(80, 100)}).figure(COMMUNE, FIBRE)
    assert own is not None and own.direct and own.verdict is Verdict.MET
    nothing = Rollup(COMMUNE, {}).figure(COMMUNE, FIBRE)
    assert nothing is not None and nothing.verdict is Verdict.NOT_REPORTED


def test_merged_units_do_not_report_but_their_children_do() -> None:
    old = Node(300, "Xã cũ", "xã", Tier.COMMUNE, (village(31),), reports=False)
    merged = Node(100, "Xã mới", "xã", Tier.COMMUNE, (village(1), old))
    values = {(300, "3.1"): RatioValue(1, 1), (31, "3.1"): RatioValue(3, 4)}
    figure = Rollup(merged, values).figure(merged, FIBRE)
    assert figure is not None and figure.value == RatioValue(3, 4)
    assert (figure.reported, figure.expected) == (1, 2)


@given(
    st.lists(
        st.tuples(st.integers(0, 500), st.integers(1, 500)).filter(lambda t: t[0] <= t[1]),
        min_size=1,
        max_size=3,
    )
)
def test_combined_ratio_is_the_exact_share_of_the_whole(pairs: list[tuple[int, int]]) -> None:
    values = {(i, "3.1"): RatioValue(n, d) for i, (n, d) in enumerate(pairs, 1)}
    figure = Rollup(COMMUNE, values).figure(COMMUNE, FIBRE)
    assert figure is not None
    whole = RatioValue(sum(n for n, _ in pairs), sum(d for _, d in pairs))
    assert figure.value == whole
    assert figure.evaluation == evaluate(FIBRE.target, whole)


def test_the_unit_tree_as_it_stood_before_a_rename_and_a_merge() -> None:
    at = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    later = at + dt.timedelta(days=30)
    commune = Unit(1, "Đồng Lạc", "xã", None, None, None, at)
    thon_4 = Unit(2, "Thôn 4", "thôn", 1, None, None, at)
    thon_5 = Unit(3, "Thôn 5", "thôn", 1, 2, later, at)
    units = [commune, thon_4, thon_5]
    now = unit_tree(commune, units)
    assert [c.name for c in now.children] == ["Thôn 4"]
    assert [(c.name, c.reports) for c in now.children[0].children] == [("Thôn 5", False)]
    then = unit_tree(commune, units, as_of=later - dt.timedelta(days=1), names={2: "Bản Cũ"})
    assert [(c.name, c.reports) for c in then.children] == [("Bản Cũ", True), ("Thôn 5", True)]
    former = [FormerName("Thôn 3", at), FormerName("Nà Pài", later)]
    assert name_at("Khuổi Lịa", former, at - dt.timedelta(days=1)) == "Thôn 3"
    assert name_at("Khuổi Lịa", former, at) == "Nà Pài"
    assert name_at("Khuổi Lịa", former, later) == "Khuổi Lịa"
