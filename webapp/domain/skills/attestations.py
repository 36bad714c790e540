"""Attestation de compétences: content built from ratings and their evidence, frozen when issued; PDF."""
from __future__ import annotations

import uuid
from datetime import date

from sqlmodel import Session, col, select

from webapp.domain.employees.employees import contracts_of
from webapp.domain.skills.skills import ACQUIRED, LEVELS, history
from webapp.models import (
    Attestation,
    Employee,
    SkillActivity,
    Structure,
    User,
    Worksite,
    utcnow,
)
from webapp.platform import dates, reference_lists
from webapp.platform.pdf import a4_document

MAX_EVIDENCE = 3


class AttestationError(ValueError):
    """An attestation that cannot be issued, with a French message."""


def build_content(db: Session, employee: Employee, today: date | None = None) -> dict:
    """The attestation's content: structure, person, period, job, activities, skills acquis or above with evidence."""
    today = today or date.today()
    structure = db.get(Structure, employee.structure_id)
    contracts = contracts_of(db, employee.id)
    period_start = contracts[0].start_date if contracts else dates.local_day(employee.created_at, structure.timezone)
    period_end = min(contracts[-1].end_date, today) if contracts else today
    jobs = list(dict.fromkeys(c.job_title for c in contracts if c.job_title))
    histories = history(db, employee.id, timezone=structure.timezone)
    site_ids = {r.worksite_id for h in histories for r in h.ratings if r.worksite_id}
    sites = {s.id: s.name for s in db.exec(select(Worksite).where(col(Worksite.id).in_(site_ids or [0]))).all()}
    pictograms = {a.name: a.pictogram for a in db.exec(
        select(SkillActivity).where(SkillActivity.structure_id == employee.structure_id)).all()}
    activities: dict[str, dict] = {}
    for h in histories:
        if h.sector != reference_lists.SAVOIR_ETRE_SECTOR:
            activities.setdefault(h.activity, {"name": h.activity, "sector": h.sector, "rome_code": h.rome_code,
                                               "pictogram": pictograms.get(h.activity, "tools"), "skills": []})
    skills, behaviours = [], []
    for h in histories:
        if not h.acquired:
            continue
        level = LEVELS[h.last.level]
        evidence = [r for r in h.ratings if r.level >= ACQUIRED][-MAX_EVIDENCE:]
        item = {
            "code": h.code, "label": h.label, "activity": h.activity, "sector": h.sector, "rome_code": h.rome_code,
            "level": level.number, "level_code": level.code, "level_label": level.label, "symbol": level.symbol,
            "autonomy": level.autonomy,
            "evidence": [{"date": dates.local_day(r.rated_at, structure.timezone).isoformat(), "situation": r.situation,
                          "worksite": sites.get(r.worksite_id, ""), "level": r.level,
                          "level_label": LEVELS[r.level].label} for r in evidence],
        }
        if h.sector == reference_lists.SAVOIR_ETRE_SECTOR:
            behaviours.append(item)
        else:
            skills.append(item)
            activities[h.activity]["skills"].append(h.code)
    eti = db.get(User, employee.referent_eti_id) if employee.referent_eti_id else None
    director = db.exec(select(User).where(User.structure_id == employee.structure_id, User.role == "director",
                                          User.active.is_(True)).order_by(User.id)).first()
    return {
        "structure": {"name": structure.name, "siret": structure.siret, "address": structure.address,
                      "kind": structure.kind},
        "employee": {"id": employee.id, "first_name": employee.first_name, "last_name": employee.last_name,
                     "full_name": employee.full_name},
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat(),
                   "ongoing": bool(contracts) and contracts[-1].end_date > today},
        "jobs": jobs,
        "worksites": sorted(sites.values()),
        "activities": list(activities.values()),
        "skills": skills,
        "behaviours": behaviours,
        "signatures": {"supervisor": eti.full_name if eti else "", "director": director.full_name if director else ""},
    }


def issue(db: Session, *, employee: Employee, user: User, today: date | None = None) -> Attestation:
    """Freeze the current content into an attestation; the caller commits."""
    content = build_content(db, employee, today)
    if not content["skills"] and not content["behaviours"]:
        raise AttestationError("Aucune compétence au niveau « acquis » ou plus : rien à attester pour l'instant.")
    attestation = Attestation(
        structure_id=employee.structure_id, employee_id=employee.id, uuid=str(uuid.uuid4()), issued_by_id=user.id,
        period_start=date.fromisoformat(content["period"]["start"]),
        period_end=date.fromisoformat(content["period"]["end"]), job_title=", ".join(content["jobs"])[:120],
        content=content, issued_at=utcnow(),
    )
    db.add(attestation)
    db.flush()
    return attestation


def attestations_of(db: Session, employee_id: int) -> list[Attestation]:
    """Attestations issued for an employee, newest first."""
    return list(db.exec(select(Attestation).where(Attestation.employee_id == employee_id)
                        .order_by(col(Attestation.issued_at).desc())).all())


def pdf_bytes(attestation: Attestation, *, timezone: str | None = None) -> bytes:
    """The attestation as an A4 PDF, with a Unicode font bundled with Terrain; dated in the structure's zone."""
    content = attestation.content
    pdf, line = a4_document(title=f"Attestation de compétences — {content['employee']['full_name']}",
                            author=content["structure"]["name"])
    width = pdf.epw

    structure = content["structure"]
    line(structure["name"], 12, True, 0.5)
    if structure.get("address"):
        line(structure["address"], 9, gap=0.5)
    if structure.get("siret"):
        line(f"SIRET : {structure['siret']}", 9)
    pdf.ln(4)
    line("ATTESTATION DE COMPÉTENCES", 16, True, 3)
    period = content["period"]
    end = "à ce jour" if period.get("ongoing") else f"au {dates.short_date(period['end'])}"
    line(f"La structure {structure['name']} atteste que {content['employee']['full_name']} a travaillé en "
         f"contrat à durée déterminée d'insertion du {dates.short_date(period['start'])} {end}"
         + (f", au poste de {', '.join(content['jobs'])}" if content["jobs"] else "") + ".", 10, gap=2)
    if content["worksites"]:
        line("Lieux de travail : " + ", ".join(content["worksites"]) + ".", 10, gap=2)
    if content["activities"]:
        line("Activités réalisées", 12, True)
        for activity in content["activities"]:
            line(f"• {activity['name']} ({activity['sector']}, ROME {activity['rome_code']})", 10, gap=0.5)
        pdf.ln(2)
    for title, items in (("Compétences professionnelles acquises", content["skills"]),
                         ("Savoir-être professionnels", content["behaviours"])):
        if not items:
            continue
        line(title, 12, True)
        for item in items:
            line(f"{item['symbol']} {item['label']}", 10, True, 0.5)
            line(f"Niveau : {item['level_code']} · {item['level_label']} — {item['autonomy']}", 9, gap=0.5)
            for ev in item["evidence"]:
                where = " — ".join(x for x in (ev["worksite"], ev["situation"]) if x)
                line(f"    Observé le {dates.short_date(ev['date'])}" + (f" : {where}" if where else ""), 8.5, gap=0.3)
            pdf.ln(1.5)
    line("Échelle : ○ NA non acquis · ◔ ECA en cours d'acquisition · ◑ A acquis · ● M maîtrisé.", 8.5, gap=4)
    line(f"Fait le {dates.short_date(attestation.issued_at, timezone)}. Référence : {attestation.uuid}", 9, gap=6)
    signatures = content["signatures"]
    y = pdf.get_y()
    if y > pdf.h - 60:
        pdf.add_page()
        y = pdf.get_y()
    half = width / 2 - 4
    for index, (role, name) in enumerate((("L'encadrant(e) technique", signatures["supervisor"]),
                                          ("La direction", signatures["director"]))):
        x = pdf.l_margin + index * (half + 8)
        pdf.set_xy(x, y)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(half, 6, role)
        pdf.set_xy(x, y + 6)
        pdf.set_font("DejaVu", "", 10)
        pdf.cell(half, 6, name or "")
        pdf.rect(x, y + 13, half, 28)
        pdf.set_xy(x + 2, y + 14)
        pdf.set_font("DejaVu", "", 8)
        pdf.cell(half - 4, 5, "Signature")
    return bytes(pdf.output())
