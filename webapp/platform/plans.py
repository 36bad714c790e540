"""How PostgreSQL plans Terrain's statements: for their values, or once per connection where marked `plan_once`.

The data is skewed (a few busy structures, people with years of history, others with a week): a plan chosen once
for all values can cost ten times more than the plan for the actual ones (the feed's unacknowledged consignes:
3.6 ms with one plan, 0.5 ms planned for the values). So every statement is planned for its values
(`plan_cache_mode = force_custom_plan`), unless marked. Some statements cost more to plan than to run, and their
best plan does not depend on their values: a lookup by a unique key, or by a list of ids that always leads to the
same indexes (Today's cards: 1.9 ms of planning for 1 ms of execution at 1M observations; the session lookup that
starts every request: 0.37 ms for 0.05). Those are marked with `plan_once`: psycopg prepares them on the
connection, and they run under `force_generic_plan`.

The mode is set for the transaction (`SET LOCAL`, a round trip) only when a statement needs the other mode than
the previous one. A transaction starts in the connection's mode, `force_generic_plan`: every request starts with
the (marked) session lookup, and a page whose statements are all marked (Today, the parcours) then sends no `SET`
at all; the first unmarked statement switches the transaction to custom plans. A statement that reaches the
driver without going through `_execute` (no parameters, or a batch of writes by primary key) has nothing to plan
differently.

The prepared statements live as long as the connection, but psycopg forgets them all at a rollback: a request
whose transaction only read ends it with a commit instead (`end_transaction`), the same for the data.
Without effect on SQLite, whose driver keeps its own cache of prepared statements.
"""
from __future__ import annotations

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

# Execution option of the statements planned once per connection.
PLAN_ONCE = "terrain_plan_once"
# Connection info: the plan mode the open transaction has been set to (absent: the connection's, generic plans).
_GENERIC = "terrain_generic_plans"
# Connection info: the open transaction sent something else than a SELECT.
_WROTE = "terrain_wrote"
_SET_MODE = {True: "SET LOCAL plan_cache_mode = force_generic_plan",
             False: "SET LOCAL plan_cache_mode = force_custom_plan"}


def plan_once(statement):
    """Mark `statement` as planned once per PostgreSQL connection, for whatever values it is given.

    Only for statements whose rows are found the same way whatever the values: never for one that reads a
    period or a structure's rows, whose size varies a hundredfold. Before marking one, compare its execution time
    under both modes at 1M observations (pg_stat_statements, docs/architecture.md): the latest ratings of a team
    ran 1.6 ms under one plan against 0.2 + 0.8 ms planned for the values, and stay unmarked."""
    return statement.execution_options(**{PLAN_ONCE: True})


# The same mark as execution options, for `Session.get` (a lookup by primary key):
# `db.get(Model, ident, execution_options=BY_KEY)`.
BY_KEY = {PLAN_ONCE: True}


def install(engine: Engine) -> None:
    """Set the plan modes on the connections of a PostgreSQL `engine`, and note the transactions that write."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_generic_plan")
        dbapi_connection.commit()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # SET LOCAL ends with the transaction: the new one starts with the connection's mode.
        conn.info[_GENERIC] = True
        conn.info[_WROTE] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _note_writes(conn, _cursor, statement, _parameters, _context, _executemany):
        if statement.lstrip()[:6].upper() != "SELECT":
            conn.info[_WROTE] = True

    @event.listens_for(engine, "do_execute")
    def _execute(cursor, statement, parameters, context):
        once = bool(context.execution_options.get(PLAN_ONCE))
        try:
            info = context.root_connection.info
        except NotImplementedError:  # the dialect's first queries, on a connection not yet in the pool
            return False
        if info.get(_GENERIC, True) != once and not _plan_free(statement, parameters):
            # Another cursor: the statement's own keeps nothing of the setting's result.
            with cursor.connection.cursor() as setting:
                setting.execute(_SET_MODE[once])
            info[_GENERIC] = once
        # Marked: prepared at once. Others: psycopg's default (prepared from the fifth run, planned each time).
        cursor.execute(statement, parameters, prepare=True if once else None)
        return True


def _plan_free(statement: str, parameters) -> bool:
    """True for a statement whose plan cannot depend on its values: it has none, or it inserts the rows it is
    given (an audit trace written in the middle of a page's marked statements needs no change of mode)."""
    return not parameters or (statement.startswith("INSERT INTO") and "SELECT" not in statement)


def end_transaction(db: Session) -> None:
    """End the session's transaction at the end of a request that went well, before the session is closed.

    On PostgreSQL, a transaction that only read ends with a commit instead of the rollback of `Session.close()`,
    so that psycopg keeps the connection's prepared statements. One that wrote without committing, or whose
    statement failed, is left to the close's rollback, as before.
    """
    if db.get_bind().dialect.name != "postgresql" or not db.in_transaction():
        return
    if db.new or db.dirty or db.deleted:
        return
    connection = db.connection()
    if connection.info.get(_WROTE, True):
        return
    if connection.connection.dbapi_connection.info.transaction_status != psycopg.pq.TransactionStatus.INTRANS:
        return
    db.commit()
