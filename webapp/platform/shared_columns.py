"""Several short lists read in one statement: each kind's rows in the shared, typed columns of a `UNION ALL`.

A page that needs a few rows from each of several tables pays, per statement, a round trip and the fixed cost of
executing it on both sides (more than reading a handful of rows); read together, the lists cost one. Each kind
gives its columns under the names its rows have; they go into the shared columns (a typed NULL where the kind has
nothing, so that every member of the union has the same columns and types), after a marker that tells the kinds
apart and the leading columns every kind has. `row` turns a result row back into the kind's named row.
"""
from __future__ import annotations

from collections import namedtuple

from sqlalchemy import Integer, cast, literal, null, union_all
from sqlalchemy.types import TypeEngine
from sqlmodel import select


class SharedColumns:
    """The layout of one statement's rows: `marker`, the `lead` columns, then `columns` (name -> type).

    `kinds` maps each kind to {shared column: name in the kind's rows}, in the order of the kind's rows (after
    its lead columns); `markers` gives each kind's marker value (by default, its position in `kinds`)."""

    def __init__(self, marker: str, lead: tuple[str, ...], columns: dict[str, TypeEngine],
                 kinds: dict[str, dict[str, str]], markers: dict[str, int] | None = None):
        unknown = {column for names in kinds.values() for column in names} - set(columns)
        if unknown:
            raise ValueError(f"not a shared column: {sorted(unknown)}")
        self.marker, self.lead, self.columns, self.kinds = marker, lead, columns, kinds
        self.markers = markers or {kind: number for number, kind in enumerate(kinds)}
        self._kind_of = {number: kind for kind, number in self.markers.items()}
        first = 1 + len(lead)
        # Where each shared column is in a result row, and where each kind's columns are.
        self.position = {column: first + number for number, column in enumerate(columns)}
        self._positions = {kind: [self.position[column] for column in names] for kind, names in kinds.items()}
        self.rows = {kind: namedtuple(f"{kind.title().replace('_', '')}Row", [*lead, *names.values()])
                     for kind, names in kinds.items()}

    def select(self, kind: str, /, *lead, **named) -> list:
        """A kind's columns in the shared order: its marker, its `lead` columns, then each shared column (given
        by the kind's own names) or a typed NULL."""
        names = self.kinds[kind]
        if len(lead) != len(self.lead) or set(named) != set(names.values()):
            raise TypeError(f"{kind}: expected {self.lead} and {sorted(names.values())}")
        given = {column: named[name] for column, name in names.items()}
        return [literal(self.markers[kind], Integer).label(self.marker),
                *(value.label(name) for name, value in zip(self.lead, lead)),
                *((given[column] if column in given else cast(null(), type_)).label(column)
                  for column, type_ in self.columns.items())]

    def adopt(self, kind: str, statement):
        """A kind's select over a statement that already exists (kept whole in a subquery, with its ORDER BY or
        LIMIT), its columns picked by name: the lead ones, then the kind's own."""
        rows = statement.subquery(f"{kind}_rows")
        return select(*self.select(kind, *(rows.c[name] for name in self.lead),
                                   **{name: rows.c[name] for name in self.kinds[kind].values()}))

    def union(self, members: dict[str, object]):
        """The `UNION ALL` of each kind's select (`members`, in the order given), each kept in its own subquery:
        SQLite allows no ORDER BY or LIMIT in a member of a compound statement."""
        chosen = [select(*statement.subquery(f"{kind}_rows").c) for kind, statement in members.items()]
        return union_all(*chosen) if len(chosen) > 1 else chosen[0]

    def row(self, row) -> tuple:
        """A result row as its kind's named row: its lead columns, then its own columns."""
        kind = self._kind_of[row[0]]
        return self.rows[kind](*row[1:1 + len(self.lead)], *(row[index] for index in self._positions[kind]))

    def by_kind(self, rows) -> dict[str, list]:
        """Result rows as named rows, grouped by kind (every kind of the layout present, in the rows' order)."""
        grouped: dict[str, list] = {kind: [] for kind in self.kinds}
        for row in rows:
            grouped[self._kind_of[row[0]]].append(self.row(row))
        return grouped
