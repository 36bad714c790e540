"""Reference lists shipped with Terrain (copied from the field's référentiels)."""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

FOLDER = Path(__file__).parent / "referentiels"


@lru_cache(maxsize=None)
def load(name: str) -> tuple[dict[str, str], ...]:
    """Rows of `name`.csv as dictionaries, read once."""
    with open(FOLDER / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def sectors() -> list[tuple[str, str]]:
    """(sector label, first ROME code) pairs."""
    return [(row["secteur"], row["codes_rome"].split(";")[0]) for row in load("secteurs")]


def rome_code_for(sector: str) -> str | None:
    """The ROME code(s) of a sector label, or None when the label is unknown."""
    for row in load("secteurs"):
        if row["secteur"] == sector:
            return row["codes_rome"]
    return None
