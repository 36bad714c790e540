"""The field wing: the supervisor's day (today, attendance, consignes, observations, production, parcours)."""
from webapp.domain.field import attendance, captures, instructions, today

__all__ = ["attendance", "captures", "instructions", "today"]
