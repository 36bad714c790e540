"""Command-line tools: schema, demo data, accounts."""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import click
import pyotp
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlmodel import Session, func, select

from webapp.demo import DEMO_EMAILS, seed_demo_data
from webapp.domain import privacy
from webapp.domain.accounts import audit
from webapp.domain.accounts.passwords import password_problem
from webapp.domain.accounts.users import AccountError
from webapp.domain.accounts.users import create_user as create
from webapp.domain.alerts import escalation
from webapp.models import ROLES, Structure, User, utcnow
from webapp.platform import migrate, photos
from webapp.platform.db import get_engine, refresh_planner_statistics, writing

NIGHTLY_PURGE_HOUR = 2  # the worker purges once a day, after this hour

db_cli = AppGroup("db", help="Migrations du schéma de la base.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply the migrations up to REVISION (default: head)."""
    migrate.upgrade(current_app, revision)
    click.echo(f"Schéma à jour ({revision}).")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert the migrations down to REVISION."""
    migrate.downgrade(current_app, revision)
    click.echo(f"Schéma ramené à {revision}.")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--empty", is_flag=True, help="Script vide, sans comparaison avec les modèles.")
def db_revision(message: str, empty: bool) -> None:
    """Write a new migration script from the differences between models and database."""
    migrate.revision(current_app, message, autogenerate=not empty)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or update the database schema through the migrations."""
    migrate.upgrade(current_app)
    refresh_planner_statistics(get_engine(), full=True)
    click.echo("Base de données prête.")


@click.command("seed-demo")
@with_appcontext
@click.option("--password", help="Mot de passe des comptes de démonstration (aléatoire sinon).")
@click.option("--if-empty", is_flag=True, help="Ne rien faire si la base contient déjà une structure.")
def seed_demo(password: str | None, if_empty: bool) -> None:
    """Load the demo structure, its team and its field life."""

    password_file = Path(current_app.instance_path) / "demo-password.txt"
    with writing(), Session(get_engine()) as db:
        has_data = db.exec(select(func.count()).select_from(Structure)).one() > 0
        if has_data and if_empty:
            click.echo("Données déjà présentes : démonstration non rechargée.")
            if password_file.exists():
                _print_logins(password_file.read_text().strip())
            return
        password = password or secrets.token_urlsafe(12)
        seed_demo_data(db, password)
        db.commit()
    password_file.write_text(password + "\n")
    password_file.chmod(0o600)
    click.echo("Données de démonstration chargées.")
    _print_logins(password)


def _print_logins(password: str) -> None:

    click.echo("Comptes de démonstration (mot de passe : %s)" % password)
    for role, email in DEMO_EMAILS.items():
        click.echo(f"  {ROLES[role]:<40} {email}")
    click.echo("Direction et administration ont la double authentification : code du moment avec")
    click.echo("  .venv/bin/flask --app webapp demo-code direction@demo.terrain")


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--role", type=click.Choice(list(ROLES)), required=True)
@click.option("--structure-id", type=int, help="Structure du compte (facultatif pour admin).")
@click.password_option(help="Au moins 12 caractères.")
def create_user(email: str, full_name: str, role: str, structure_id: int | None, password: str) -> None:
    """Create a staff account."""

    problem = password_problem(password)
    if problem:
        raise click.BadParameter(problem, param_hint="password")
    if role != "admin" and structure_id is None:
        raise click.BadParameter("Une structure est nécessaire pour ce rôle.", param_hint="--structure-id")
    with writing(), Session(get_engine()) as db:
        if structure_id is not None and db.get(Structure, structure_id) is None:
            raise click.BadParameter("Structure inconnue.", param_hint="--structure-id")
        try:
            user = create(db=db, structure_id=structure_id, email=email, full_name=full_name,
                          role=role, password=password)
        except AccountError as error:
            raise click.ClickException(str(error)) from error
        db.commit()
        click.echo(f"Compte créé : {user.email} ({ROLES[role]}).")


@dataclass(frozen=True)
class PurgeReport:
    """What one nightly purge did (or would do, in a dry run)."""
    anonymised: list[str]
    audit_events: int = 0
    orphan_photos: int = 0


def run_purge(app: Flask, reference: date, *, dry_run: bool = False) -> PurgeReport:
    """The nightly housekeeping: anonymise employees past their structure's retention period, delete audit events
    past the retention, delete photo files no row refers to, then refresh the planner's statistics. Run by
    `flask purge` (cron) and once a day by the alerts worker, so that `make run` needs no cron; running it twice
    the same day does nothing more."""
    lines = []
    with app.app_context(), writing(), Session(get_engine(app)) as db:
        candidates = privacy.purge_candidates(db, reference)
        for candidate in candidates:
            lines.append(f"salarié n° {candidate.employee.id} ({candidate.structure.name}), "
                         f"dernier contrat fini le {candidate.last_day.isoformat()}")
            if not dry_run:
                privacy.anonymise(db, candidate.employee, upload_folder=app.config["UPLOAD_FOLDER"])
                audit.record(db, action="employee.purge", user=None, structure_id=candidate.structure.id,
                             object_type="employee", object_id=candidate.employee.id,
                             employee_id=candidate.employee.id, actor_label="purge automatique")
        if dry_run:
            return PurgeReport(anonymised=lines)
        now = datetime.combine(reference, time.min, UTC)
        removed = audit.purge(db, months=app.config["AUDIT_RETENTION_MONTHS"], now=now)
        db.commit()
    with app.app_context(), Session(get_engine(app)) as db:
        orphans = photos.sweep_orphans(db, app.config["UPLOAD_FOLDER"], now=utcnow())
    # The nightly run is also when the planner's statistics follow the day's inserts.
    refresh_planner_statistics(get_engine(app))
    return PurgeReport(anonymised=lines, audit_events=removed, orphan_photos=orphans)


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Lister sans rien modifier.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date de référence (AAAA-MM-JJ).")
@with_appcontext
def purge(dry_run: bool, today) -> None:
    """Anonymise employees past their structure's retention period; delete old audit events and orphan photos."""
    reference = today.date() if today else date.today()
    report = run_purge(current_app._get_current_object(), reference, dry_run=dry_run)
    for line in report.anonymised:
        click.echo(f"{'À anonymiser' if dry_run else 'Anonymisé'} : {line}")
    if dry_run:
        click.echo(f"{len(report.anonymised)} salarié(s) à anonymiser (simulation, rien n'a changé).")
        return
    click.echo(f"{len(report.anonymised)} salarié(s) anonymisé(s), {report.audit_events} événement(s) de journal "
               f"supprimé(s), {report.orphan_photos} fichier(s) photo orphelin(s) supprimé(s).")


@click.command("demo-code")
@click.argument("email")
@with_appcontext
def demo_code(email: str) -> None:
    """Print the current second-factor code of a demo account (@demo.terrain only)."""


    if not email.lower().endswith("@demo.terrain"):
        raise click.BadParameter("Réservé aux comptes de démonstration (@demo.terrain).")
    with Session(get_engine()) as db:
        user = db.exec(select(User).where(User.email == email.lower())).first()
        if user is None or not user.totp_secret:
            raise click.ClickException("Compte inconnu ou sans double authentification.")
        click.echo(pyotp.TOTP(user.totp_secret).now())


@click.command("sweep-photos")
@with_appcontext
def sweep_photos() -> None:
    """Delete photo files that no row refers to (left by a crash); to run with the nightly purge."""
    with Session(get_engine()) as db:
        removed = photos.sweep_orphans(db, current_app.config["UPLOAD_FOLDER"], now=utcnow())
    click.echo(f"Fichiers photo orphelins supprimés : {removed}")


alerts_cli = AppGroup("alerts", help="Alertes urgentes : escalade et envoi des notifications.")


@alerts_cli.command("tick")
def tick_command() -> None:
    """One pass of escalation and delivery (for cron, every minute)."""
    escalated, run = escalation.run_once(current_app._get_current_object())
    click.echo(f"Escalades : {escalated} · envoyés : {run.sent} · à réessayer : {run.retried} · abandonnés : {run.dropped}")


@alerts_cli.command("worker")
@click.option("--interval", default=5.0, show_default=True, help="Secondes entre deux passages.")
def worker_command(interval: float) -> None:
    """Escalate and deliver in a loop (started by `make run`)."""
    app = current_app._get_current_object()
    stop = threading.Event()
    click.echo(f"Envoi des alertes : passage toutes les {interval:g} s.")
    threading.Thread(target=statistics_loop, args=(app, stop), daemon=True).start()
    try:
        escalation.worker_loop(app, stop, interval)
    except KeyboardInterrupt:
        stop.set()


def statistics_loop(app: Flask, stop: threading.Event, every: float = 3600.0, clock=datetime.now) -> None:
    """While the worker runs: refresh the query planner's statistics every hour (init-db gathered the first), and
    run the nightly purge once a day after 02:00 (server time), so a `make run` installation needs no cron."""
    last_purge: date | None = None
    while not stop.wait(every):
        try:
            now = clock()
            if now.hour >= NIGHTLY_PURGE_HOUR and last_purge != now.date():
                report = run_purge(app, now.date())
                last_purge = now.date()
                app.logger.info("nightly purge: %d anonymised, %d audit events, %d orphan photos",
                                len(report.anonymised), report.audit_events, report.orphan_photos)
            else:
                refresh_planner_statistics(get_engine(app))
        except Exception as error:  # a busy database must not stop the worker
            app.logger.exception("housekeeping: %s", error)


def init_app(app: Flask) -> None:
    """Register the commands on `app`."""
    app.cli.add_command(db_cli)
    app.cli.add_command(init_db)
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user)
    app.cli.add_command(purge)
    app.cli.add_command(sweep_photos)
    app.cli.add_command(demo_code)
    app.cli.add_command(alerts_cli)
