"""Platform: health check, headers, PWA files, error pages, CLI."""
import json

from sqlalchemy import text
from sqlmodel import func, select

from tests.conftest import build_app
from webapp.models import Contract, Employee, Structure, User
from webapp.platform.db import get_engine


def test_healthz_answers_ok_with_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_without_database(tmp_path):
    app = build_app(tmp_path / "missing" / "nowhere.sqlite")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_security_headers_on_pages(client, login_as):
    login_as("director")
    response = client.get("/salaries/")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'none'",
                      "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in response.headers["Vary"]


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_manifest_declares_installable_app(client):
    response = client.get("/manifest.webmanifest")
    manifest = json.loads(response.get_data(as_text=True))
    assert response.mimetype == "application/manifest+json"
    assert manifest["display"] == "standalone" and manifest["scope"] == "/" and manifest["start_url"] == "/"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon["purpose"] == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as icon_response:
            assert icon_response.status_code == 200
            assert icon_response.mimetype == "image/png"


def test_service_worker_is_served_at_root_scope(client):
    response = client.get("/sw.js")
    body = response.get_data(as_text=True)
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.mimetype == "text/javascript"
    assert "/hors-ligne" in body and "/static/css/terrain.css" in body


def test_vendored_htmx_is_2_0_with_licence(client):
    with client.get("/static/vendor/htmx-2.0.11.min.js") as script:
        assert script.status_code == 200
        assert b"2.0.11" in script.data
    with client.get("/static/vendor/htmx-2.0.11.LICENSE") as licence:
        assert b"Zero-Clause BSD" in licence.data or b"BSD" in licence.data


def test_htmx_config_is_strict(client):
    body = client.get("/login").get_data(as_text=True)
    start = body.index("name=\"htmx-config\" content='") + len("name=\"htmx-config\" content='")
    config = json.loads(body[start:body.index("'", start)])
    assert config["allowEval"] is False and config["allowScriptTags"] is False
    assert config["historyCacheSize"] == 0 and config["includeIndicatorStyles"] is False


def test_pages_have_no_inline_script_or_style(client, login_as, make, structure):
    employee = make.employee(structure)
    login_as("director")
    for url in ("/", "/salaries/", f"/salaries/{employee.id}", "/salaries/nouveau", "/comptes/", "/structure",
                "/compte/", "/journal/", "/compte/mot-de-passe"):
        body = client.get(url).get_data(as_text=True)
        assert "<script>" not in body and "style=" not in body and "<style" not in body, url


def test_not_found_page_is_french(client, login_as):
    login_as("supervisor")
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)


def test_oversized_request_gets_413_page(client, login_as, app):
    login_as("director")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/structure", data={"name": "x" * 5000})
    assert response.status_code == 413
    assert "Fichier trop volumineux" in response.get_data(as_text=True)


def test_cli_init_db_and_seed_demo(tmp_path):
    app = build_app(tmp_path / "cli.sqlite")
    app.instance_path = str(tmp_path)
    runner = app.test_cli_runner()
    assert "Base de données prête." in runner.invoke(args=["init-db"]).output
    result = runner.invoke(args=["seed-demo", "--password", "demo password 2026"])
    assert result.exit_code == 0, result.output
    assert "encadrant@demo.terrain" in result.output and "demo password 2026" in result.output
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "déjà présentes" in again.output
    from sqlmodel import Session

    from webapp.platform.db import get_engine

    with Session(get_engine(app)) as db:
        assert db.exec(select(func.count()).select_from(Structure)).one() == 1
        assert db.exec(select(func.count()).select_from(Employee)).one() == 24
        roles = set(db.exec(select(User.role)).all())
        assert roles == {"supervisor", "counsellor", "coordinator", "director", "admin"}
        assert db.exec(select(func.count()).select_from(Employee).where(Employee.active.is_(False))).one() >= 1
        renewed = db.exec(select(func.count()).select_from(Contract).where(Contract.renewal_number > 0)).one()
        assert renewed > 0


def test_cli_seed_demo_prints_a_random_password(tmp_path):
    app = build_app(tmp_path / "cli.sqlite")
    app.instance_path = str(tmp_path)
    runner = app.test_cli_runner()
    runner.invoke(args=["init-db"])
    output = runner.invoke(args=["seed-demo"]).output
    password = output.split("mot de passe : ")[1].split(")")[0]
    assert len(password) >= 12
    assert (tmp_path / "demo-password.txt").read_text().strip() == password


def test_cli_create_user(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "--email", "root@test.terrain", "--name", "Admin",
                                 "--role", "admin", "--password", "phrase de passe admin"])
    assert result.exit_code == 0, result.output
    short = runner.invoke(args=["create-user", "--email", "x@test.terrain", "--name", "X",
                                "--role", "director", "--structure-id", "1", "--password", "court"])
    assert short.exit_code != 0 and "12 caractères" in short.output


def test_nul_bytes_in_input_get_a_400_page(client, login_as):
    login_as("counsellor")
    assert client.get("/salaries/?q=a%00b").status_code == 400


def test_init_db_gives_the_query_planner_statistics(app, make, structure):
    make.employee(structure)
    assert "Base de données prête." in app.test_cli_runner().invoke(args=["init-db"]).output
    with get_engine(app).connect() as connection:
        if connection.dialect.name == "sqlite":
            analysed = connection.execute(text("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'employee'")).scalar()
        else:
            analysed = connection.execute(text("SELECT COUNT(*) FROM pg_stat_user_tables "
                                               "WHERE relname = 'employee' AND last_analyze IS NOT NULL")).scalar()
    assert analysed > 0

