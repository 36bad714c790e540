"""Which parts of the follow-up are sensitive (health, finances, administrative and legal matters: GDPR art. 9
and 10), and the one filter that hides them from the roles that may not read them.

Every object of the follow-up carries its sensitivity:
- Barrier (frein): its theme or its situation, stored in `Barrier.sensitive` when written;
- Goal (objectif): its theme, its wording or its frein, stored in `Goal.sensitive` when written;
- ReviewNeed (besoin de bilan): its code, `SENSITIVE_NEEDS`;
- ReviewAction (action de bilan): the theme of the action in actions.csv, or its wording, `action_is_sensitive`;
- the bilan document (screen, print page, PDF): each of its fields in `DOCUMENT_FIELDS`.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache

from webapp.domain.policy import PERMISSIONS
from webapp.models import User
from webapp.platform import reference_lists

SENSITIVE_THEMES = frozenset({"sante", "difficulte_financiere", "difficulte_administrative"})
# Words that make a situation, an objective or an action sensitive whatever its theme: justice (art. 10),
# disability and invalidity (health, art. 9), which the lists also file under "emploi" or "famille".
SENSITIVE_WORDS = ("juridi", "judiciaire", "justice", "mdph", "rqth", "handicap", "invalidit")
SENSITIVE_NEEDS = frozenset({"sante", "finances", "judiciaire", "recours_droits", "administratif",
                             "handicap_compensation", "handicap_retablissement"})

OPEN = "open"  # anyone who may read the bilan
SENSITIVE = "sensitive"  # only the roles that read sensitive data


def is_sensitive(theme: str, text: str = "") -> bool:
    """Health, finances, administrative/legal themes, and wordings about justice or disability, are sensitive."""
    lowered = (text or "").lower()
    return theme in SENSITIVE_THEMES or any(word in lowered for word in SENSITIVE_WORDS)


@cache
def _action_themes() -> dict[str, str]:
    return {row["action"]: row["theme"] for row in reference_lists.load("actions")}


def action_is_sensitive(label: str) -> bool:
    """An action of a bilan is sensitive by its theme in actions.csv or by its wording."""
    return is_sensitive(_action_themes().get(label, ""), label)


def sees_sensitive(user: User) -> bool:
    """May `user` read sensitive freins, objectives, needs and actions?"""
    return user.structure_id is not None and user.role in PERMISSIONS["barrier.view_sensitive"]


# Every field of the bilan document and who may read it: OPEN, SENSITIVE, or, for a list, a function telling
# whether one item is sensitive. A field missing here is hidden from whoever may not read sensitive data.
DOCUMENT_FIELDS: dict[str, str | Callable[[object], bool]] = {
    "structure": OPEN, "employee": OPEN, "kind": OPEN, "due_date": OPEN, "period": OPEN, "entry": OPEN,
    "contract_end": OPEN, "pass_iae_end": OPEN, "finalised_by": OPEN, "finalised_on": OPEN,
    "attendance": OPEN,
    "observation_counts": OPEN,
    "observations": OPEN,  # only the observations shared with the team are compiled
    "skills": OPEN,
    "contributions": OPEN,  # the supervisor's own words, written for the whole team
    "goals": lambda goal: goal.get("sensitive", True),
    "barriers": lambda barrier: barrier.get("sensitive", True),
    "needs": lambda need: need.get("sensitive") or need.get("code") in SENSITIVE_NEEDS,
    "actions_done": action_is_sensitive,
    "actions_planned": action_is_sensitive,
    "alerts": SENSITIVE,  # the type of an alert (distress, intoxication...) may reveal health
    "decision": OPEN, "exit_type": OPEN,
    "conclusion": OPEN,  # written by the CIP for the team: facts useful to the work, never a diagnosis
}


def _rule(key: str):
    return DOCUMENT_FIELDS.get(key, SENSITIVE)


def for_viewer(doc: dict, *, sensitive: bool) -> dict:
    """The bilan document as a viewer sees it: without its sensitive fields and items unless `sensitive`."""
    if sensitive:
        return doc
    shown = {}
    for key, value in doc.items():
        rule = _rule(key)
        if rule == OPEN:
            shown[key] = value
        elif rule == SENSITIVE:
            shown[key] = type(value)()  # empty, so that the page keeps its shape
        else:
            shown[key] = [item for item in value if not rule(item)]
    return shown


def has_sensitive(doc: dict) -> bool:
    """Does the document hold a sensitive field or item (its reading is then traced)?"""
    for key, value in doc.items():
        rule = _rule(key)
        if rule == SENSITIVE and value or callable(rule) and any(rule(item) for item in value):
            return True
    return False
