"""What every table module shares: timezone-aware UTC timestamps for column defaults."""
from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Current time, timezone-aware in UTC (SQLModel stores and returns datetimes in UTC)."""
    return datetime.now(UTC)
