"""Unit lists read from tables: one column per level at any depth, or name + level + parent."""

from __future__ import annotations

from indicators.plan_import.table import make_table
from indicators.plan_import.units import UnitProblem, read_units, split_level


def test_level_columns_any_depth_with_grouped_and_skipped_cells() -> None:
    table = make_table(
        [
            ["STT", "Tỉnh", "Huyện", "Xã/Phường", "Thôn/Tổ dân phố", "Số hộ"],
            ["1", "Thái Nguyên", "Phú Bình", "Xã Kha Sơn", "Thôn 1", "120"],
            ["2", "", "", "", "Thôn 2", "95"],  # grouped: the cells above carry on
            ["3", "Thái Nguyên", "", "Phường Phổ Yên", "Tổ dân phố Ba Hàng", "300"],  # no huyện
        ]
    )
    reading = read_units([table])
    assert reading.doubts == ()
    assert [(u.path, u.level) for u in reading.units] == [
        (("Thái Nguyên",), "tỉnh"),
        (("Thái Nguyên", "Phú Bình"), "huyện"),
        (("Thái Nguyên", "Phú Bình", "Kha Sơn"), "xã"),
        (("Thái Nguyên", "Phú Bình", "Kha Sơn", "Thôn 1"), "thôn"),
        (("Thái Nguyên", "Phú Bình", "Kha Sơn", "Thôn 2"), "thôn"),
        (("Thái Nguyên", "Phổ Yên"), "phường"),
        (("Thái Nguyên", "Phổ Yên", "Ba Hàng"), "tổ dân phố"),
    ]
    ((anchor, tree),) = reading.trees()
    assert anchor is None and tree.name == "Thái Nguyên"
    assert [c.name for c in tree.children] == ["Phú Bình", "Phổ Yên"]


def test_the_same_name_twice_under_one_parent_is_a_duplicate() -> None:
    table = make_table([["Xã", "Thôn"], ["Đồng Lạc", "Nà Pài"], ["Đồng Lạc", "Na Pai"]])
    reading = read_units([table])
    assert [(d.problem, d.row, d.other) for d in reading.doubts] == [
        (UnitProblem.DUPLICATE_IN_FILE, 3, "2")
    ]


def test_name_level_parent_rows_in_any_order() -> None:
    table = make_table(
        [
            ["Tên", "Cấp", "Thuộc"],
            ["Bản Chang", "bản", "Kha Sơn"],
            ["Kha Sơn", "xã", "Phú Bình"],
            ["Thôn 3", "thôn", "xã Kha Sơn"],
            ["Làng Mới", "hamlet", "Kha Sơn"],
        ]
    )
    reading = read_units([table])
    assert [(d.problem, d.row) for d in reading.doubts] == [(UnitProblem.UNKNOWN_LEVEL, 5)]
    assert [(u.anchor, u.path, u.level) for u in reading.units] == [
        ("Phú Bình", ("Kha Sơn",), "xã"),
        ("Phú Bình", ("Kha Sơn", "Chang"), "bản"),  # shown as "bản Chang"
        ("Phú Bình", ("Kha Sơn", "Thôn 3"), "thôn"),
    ]


def test_level_words_in_cells() -> None:
    assert split_level("Phường Ba Đình", ["xã", "phường"]) == ("phường", "Ba Đình")
    assert split_level("Thôn 1", ["thôn"]) == (
        "thôn",
        "Thôn 1",
    )  # a numbered village keeps its word
    assert split_level("Nà Pài", ["thôn"]) == ("thôn", "Nà Pài")
    assert split_level("Bản Cuôn", ["thôn"]) == ("thôn", "Bản Cuôn")  # a thôn named Bản Cuôn


def test_a_table_without_levels() -> None:
    reading = read_units([make_table([["Họ tên", "Điện thoại"], ["A", "1"]])])
    assert [d.problem for d in reading.doubts] == [UnitProblem.NO_COLUMNS]
