"""Plans roll over every year: a new year's plan starts as a copy of an earlier one."""

from __future__ import annotations

import re
from typing import Any

import yaml

from indicators.plans import load_plan_text


def roll_over(yaml_text: str, year: int) -> str:
    """The YAML of `year`'s plan copied from an earlier plan's YAML.

    Targets are kept until an official edits them; history is dropped because it
    described the earlier year; the copy says where it came from.
    """
    data: dict[str, Any] = yaml.safe_load(yaml_text)
    source_id = str(data["id"])
    source_year = int(data["year"])
    if year <= source_year:
        raise ValueError(f"a plan for {year} cannot be copied from one for {source_year}")
    new_id = re.sub(rf"{source_year}$", str(year), source_id)
    if new_id == source_id:
        new_id = f"{source_id}-{year}"
    data["id"] = new_id
    data["year"] = year
    data["derived_from"] = source_id
    data["kind"] = "plan"
    data["title"] = f"{data['title']} (chuyển tiếp sang năm {year})"
    data["notes"] = [
        *(data.get("notes") or []),
        f"Carried forward from {source_id} ({source_year}): targets unchanged until an official "
        "edits them; the earlier year's history is not copied.",
    ]
    for group in data["groups"]:
        for indicator in group["indicators"]:
            indicator["history"] = []
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    load_plan_text(text, source=f"{new_id} (copy of {source_id})")  # fails loudly if invalid
    return text
