"""Password acceptance: length only, plus a refusal of the most common passwords (no composition rules)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 12
MAX_LENGTH = 128
_FRENCH = Path(__file__).parents[2] / "referentiels" / "mots_de_passe_francais.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The international list shipped with zxcvbn and Terrain's French list, lower-cased."""
    french = [line.strip() for line in _FRENCH.read_text(encoding="utf-8").splitlines()
              if line.strip() and not line.startswith("#")]
    return frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(french)


def _core(password: str) -> str:
    """The password lower-cased, without spaces and without digits or symbols around it."""
    return re.sub(r"^[\W\d_]+|[\W\d_]+$", "", password.lower().replace(" ", ""))


def is_common(password: str) -> bool:
    """True for a frequent password, such a password with digits or symbols around it, or a repeated pattern."""
    lowered = password.lower()
    if lowered in common_passwords() or lowered.replace(" ", "") in common_passwords():
        return True
    core = _core(password)
    if len(core) >= 5 and core in common_passwords():
        return True
    if re.fullmatch(r"(.{1,4})\1+.{0,3}", lowered):
        return True
    digits = re.sub(r"\D", "", lowered)
    return len(digits) == len(lowered) and digits in "01234567890123456789" * 2


def password_problem(password: str) -> str | None:
    """A French message when `password` is not acceptable, else None."""
    if len(password) < MIN_LENGTH:
        return f"Le mot de passe doit contenir au moins {MIN_LENGTH} caractères."
    if len(password) > MAX_LENGTH:
        return f"Le mot de passe ne peut pas dépasser {MAX_LENGTH} caractères."
    if is_common(password):
        return "Ce mot de passe fait partie des plus courants : choisissez-en un autre, par exemple une phrase."
    return None
