"""PostgreSQL plans (webapp/platform/plans.py): the statements marked `plan_once` keep one plan per connection, the
others are planned for their values, and a request that only read keeps the connection's prepared statements."""
import pytest
from sqlalchemy import bindparam, text
from sqlmodel import Session, select

from webapp.models import Structure
from webapp.platform.db import get_engine
from webapp.platform.plans import end_transaction, plan_once

_MARKED = plan_once(select(Structure.name).where(Structure.id == bindparam("id")))
# Another text, so that it is another prepared statement.
_PLAIN = select(Structure.name).where(Structure.id == bindparam("id"), Structure.name != "")


@pytest.fixture
def engine(app):
    engine = get_engine(app)
    if engine.dialect.name != "postgresql":
        pytest.skip("plan modes and prepared statements are PostgreSQL's (SQLite's driver caches its own)")
    return engine


def _prepared(session: Session) -> dict[str, tuple[int, int]]:
    """(generic plans, custom plans) of the statements prepared on the session's connection, by kind."""
    rows = session.execute(text("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")).all()
    found = {}
    for statement, generic, custom in rows:
        if "structure.name" in statement:
            found["plain" if "!=" in statement or "<>" in statement else "marked"] = (generic, custom)
    return found


def _mode(session: Session) -> str:
    """The connection's plan mode, asked past SQLAlchemy (a statement sent through it sets the mode it needs)."""
    return session.connection().connection.dbapi_connection.execute("SHOW plan_cache_mode").fetchone()[0]


def test_a_marked_statement_keeps_one_plan_and_the_others_are_planned_for_their_values(engine, structure):
    with Session(engine) as session:
        for _ in range(6):  # psycopg prepares an unmarked statement at its fifth run: it is then planned each time
            assert session.exec(_MARKED, params={"id": structure.id}).one() == structure.name
            assert session.exec(_PLAIN, params={"id": structure.id}).one() == structure.name
        prepared = _prepared(session)
    assert prepared["marked"] == (6, 0)
    generic, custom = prepared["plain"]
    assert generic == 0 and custom >= 1


def test_the_plan_mode_set_for_a_statement_ends_with_its_transaction(engine, structure):
    with Session(engine) as session:
        assert _mode(session) == "force_generic_plan"
        session.exec(_MARKED, params={"id": structure.id}).one()
        assert _mode(session) == "force_generic_plan"
        session.exec(_PLAIN, params={"id": structure.id}).one()
        assert _mode(session) == "force_custom_plan"
        session.exec(_MARKED, params={"id": structure.id}).one()
        assert _mode(session) == "force_generic_plan"
        session.exec(_PLAIN, params={"id": structure.id}).one()
        session.commit()
        assert _mode(session) == "force_generic_plan"
        session.exec(_PLAIN, params={"id": structure.id}).one()
        session.rollback()
        assert _mode(session) == "force_generic_plan"


def test_statements_without_a_plan_to_choose_keep_the_mode_of_the_transaction(engine, structure):
    """No parameters, or an INSERT of given values: planned the same in both modes, so no SET is sent for them."""
    with Session(engine) as session:
        session.exec(_PLAIN, params={"id": structure.id}).one()
        assert _mode(session) == "force_custom_plan"
        session.execute(text("SELECT count(*) FROM structure")).one()
        session.add(Structure(name="Inserted in custom mode"))
        session.flush()
        assert _mode(session) == "force_custom_plan"
        session.exec(_MARKED, params={"id": structure.id}).one()
        session.add(Structure(name="Inserted in generic mode"))
        session.flush()
        session.execute(text("SELECT count(*) FROM structure")).one()
        assert _mode(session) == "force_generic_plan"
        # An INSERT that selects what it inserts is planned like any other statement.
        columns = "kind, siret, address, phone, retention_months, timezone, active, created_at"
        session.execute(text(f"INSERT INTO structure (name, {columns}) SELECT name || ' bis', {columns} "
                             "FROM structure WHERE id = :id"), {"id": structure.id})
        assert _mode(session) == "force_custom_plan"
        session.rollback()


def test_a_transaction_that_only_read_ends_with_a_commit_that_keeps_the_prepared_statements(engine, structure):
    with Session(engine) as session:
        session.exec(_MARKED, params={"id": structure.id}).one()
        end_transaction(session)
        assert not session.in_transaction()
        assert "marked" in _prepared(session)
        # What the close of a session did at the end of every request: psycopg forgets them at a rollback.
        session.exec(_MARKED, params={"id": structure.id}).one()
        session.rollback()
        assert "marked" not in _prepared(session)


def test_a_transaction_that_wrote_without_committing_is_still_rolled_back(engine, structure):
    # Flushed rows, a statement of SQL, pending objects: none is committed by the end of the request.
    with Session(engine) as session:
        session.add(Structure(name="Flushed, not committed"))
        session.flush()
        end_transaction(session)
        assert session.in_transaction()
    with Session(engine) as session:
        session.execute(text("UPDATE structure SET name = 'Changed by SQL' WHERE id = :id"), {"id": structure.id})
        end_transaction(session)
        assert session.in_transaction()
    with Session(engine) as session:
        session.exec(_MARKED, params={"id": structure.id}).one()
        session.add(Structure(name="Pending"))
        end_transaction(session)
        assert session.in_transaction()
    with Session(engine) as session:
        names = set(session.exec(select(Structure.name)).all())
    assert names.isdisjoint({"Flushed, not committed", "Changed by SQL", "Pending"})
    assert structure.name in names


def test_a_failed_statement_is_left_to_the_rollback(engine, structure):
    with Session(engine) as session:
        session.exec(_MARKED, params={"id": structure.id}).one()
        with pytest.raises(Exception, match="division by zero"):
            session.execute(text("SELECT 1 / 0"))
        end_transaction(session)  # no commit attempted on the failed transaction, no error
        session.rollback()
        assert session.exec(_MARKED, params={"id": structure.id}).one() == structure.name


def test_pages_that_read_end_their_transaction_with_a_commit(app, engine, client, login_as, crew):
    """Today's statements are marked: after two visits, the one connection that served them holds them prepared
    (its cards' statement among them, planned once)."""
    login_as("supervisor")
    engine.dispose()  # from here on, one connection serves the requests one after the other
    for _ in range(2):
        assert client.get("/aujourdhui/").status_code == 200
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"))
        cards = [(generic, custom) for statement, generic, custom in rows if "facts_rows" in statement]
    assert cards == [(2, 0)]


def test_the_parcours_and_the_session_lookup_are_planned_once(app, engine, client, login_as, crew):
    """The session lookup starts every request; the parcours' statements (the person, the page's two statements,
    the notes' people and authors, the attendance rates) are all marked: none is planned for its values."""
    login_as("supervisor")
    person = crew["people"][0]
    engine.dispose()
    for _ in range(2):
        assert client.get(f"/salaries/{person.id}/parcours").status_code == 200
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"))
        plans = {statement: (generic, custom) for statement, generic, custom in rows}
    session_lookup = [plan for statement, plan in plans.items() if "user_session.token_hash = " in statement]
    assert session_lookup == [(2, 0)]
    assert any("instruction_rows" in statement for statement in plans)
    assert any("attendance.status" in statement for statement in plans)
    assert all(custom == 0 for _generic, custom in plans.values()), plans


def test_the_feed_plans_its_notes_once_and_its_consignes_for_their_values(app, engine, client, login_as, crew):
    login_as("counsellor")
    engine.dispose()
    for _ in range(6):  # psycopg prepares the unmarked statement at its fifth run
        assert client.get("/observations/fil").status_code == 200
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"))
        plans = {statement: (generic, custom) for statement, generic, custom in rows}
    notes = [plan for statement, plan in plans.items() if "candidate.id" in statement]
    consignes = [plan for statement, plan in plans.items() if "pending.kind" in statement]
    assert notes == [(6, 0)]
    assert len(consignes) == 1 and consignes[0][0] == 0 and consignes[0][1] >= 1
