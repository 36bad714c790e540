"""Reference lists shipped with Terrain (copied from the field's référentiels)."""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

FOLDER = Path(__file__).parent.parent / "referentiels"


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


SAVOIR_ETRE_SECTOR = "Savoir-être"


def competence_levels() -> list[dict[str, str | int]]:
    """The 4-level scale: number, code (NA, ECA, A, M), label, autonomy descriptor, symbol."""
    return [
        {"level": int(row["niveau"]), "code": row["code"], "label": row["libelle"],
         "autonomy": row["autonomie"], "symbol": row["symbole"]}
        for row in load("niveaux_competence")
    ]


def seed_skills() -> dict[str, dict]:
    """Seed frameworks by sector: {sector: {"rome_code", "activities": [(name, pictogram, [(code, label)])]}}."""
    frameworks: dict[str, dict] = {}
    for row in load("competences"):
        framework = frameworks.setdefault(row["secteur"], {"rome_code": row["code_rome"], "activities": []})
        activities = framework["activities"]
        if not activities or activities[-1][0] != row["activite"]:
            activities.append((row["activite"], row["pictogramme"], []))
        activities[-1][2].append((row["code"], row["competence"]))
    frameworks[SAVOIR_ETRE_SECTOR] = {
        "rome_code": "",
        "activities": [("Savoir-être professionnels", "people",
                        [(f"SE-{row['code']}", row["libelle"]) for row in load("savoir_etre")])],
    }
    return frameworks
