"""People's names as typed in a form: one Unicode form, no hidden characters, something to read."""
from __future__ import annotations

import unicodedata

# Zero-width non-joiner and joiner shape letters in Persian, Kurdish or Indic names: they stay.
_JOINERS = {"\u200c", "\u200d"}
# Control, format (bidi overrides, zero-width space, soft hyphen…), surrogate, private-use and unassigned.
_HIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn"}


class NameRefused(ValueError):
    """A French message about why a name cannot be recorded."""


def clean_person_name(value: str) -> str:
    """The name in NFC with single spaces; NameRefused for hidden characters or a name without a letter."""
    name = " ".join(unicodedata.normalize("NFC", value or "").split())
    if any(unicodedata.category(ch) in _HIDDEN and ch not in _JOINERS for ch in name):
        raise NameRefused("Ce nom contient un caractère invisible ou de contrôle (inversion du sens de "
                          "lecture, espace de largeur nulle…) : retapez-le.")
    if not any(unicodedata.category(ch).startswith("L") for ch in name):
        raise NameRefused("Saisissez un nom qui contient au moins une lettre.")
    return name
