"""Open Badges 3.0: an unsigned OpenBadgeCredential (AchievementCredential) built from an issued attestation."""
from __future__ import annotations

from webapp.models import Attestation
from webapp.platform import dates
from webapp.platform.reference_lists import SAVOIR_ETRE_SECTOR

CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
SCHEMA_URL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
ROME_URL = "https://candidat.francetravail.fr/metierscope/fiche-metier/{code}"
LEVEL_NAMES = {1: "NA · Non acquis", 2: "ECA · En cours d'acquisition", 3: "A · Acquis", 4: "M · Maîtrisé"}


def _alignment(item: dict) -> dict:
    """Align one skill with its ROME code (trade skills) or with the savoir-être list."""
    if item["sector"] == SAVOIR_ETRE_SECTOR or not item["rome_code"]:
        return {"type": ["Alignment"], "targetName": item["label"], "targetCode": item["code"],
                "targetUrl": f"urn:terrain:savoir-etre:{item['code']}",
                "targetFramework": "Savoir-être professionnels",
                "targetDescription": f"Niveau atteint : {LEVEL_NAMES[item['level']]}",
                "targetType": "ceasn:Competency"}
    rome = item["rome_code"].split(";")[0]
    return {"type": ["Alignment"], "targetName": item["label"], "targetCode": rome,
            "targetUrl": ROME_URL.format(code=rome),
            "targetFramework": f"ROME {rome} — {item['sector']}",
            "targetDescription": f"{item['activity']} (compétence {item['code']}). "
                                 f"Niveau atteint : {LEVEL_NAMES[item['level']]}",
            "targetType": "ceasn:Competency"}


def credential(attestation: Attestation, base_url: str) -> dict:
    """The OB 3.0 credential of an attestation: achievement aligned to ROME codes, dated situations as evidence."""
    content = attestation.content
    base_url = base_url.rstrip("/")
    structure, person, period = content["structure"], content["employee"], content["period"]
    items = content["skills"] + content["behaviours"]
    issuer_id = f"urn:siret:{structure['siret']}" if structure.get("siret") else \
        f"{base_url}/attestations/structures/{attestation.structure_id}"
    achievement_id = f"{base_url}/attestations/{attestation.id}/openbadge.json#achievement"
    rubric_id = f"{achievement_id}-levels"
    end = "à ce jour" if period.get("ongoing") else f"au {dates.short_date(period['end'])}"
    description = (f"Compétences acquises en situation de production chez {structure['name']} du "
                   f"{dates.short_date(period['start'])} {end}" + (f", poste : {', '.join(content['jobs'])}" if content["jobs"]
                                                      else "") + ".")
    evidence = []
    for item in items:
        for ev in item["evidence"]:
            where = " — ".join(x for x in (ev["worksite"], ev["situation"]) if x)
            evidence.append({
                "type": ["Evidence"],
                "name": f"{item['label']} — observé le {dates.short_date(ev['date'])}",
                "narrative": f"Observé le {dates.short_date(ev['date'])}" + (f" : {where}" if where else "")
                             + f". Niveau : {LEVEL_NAMES[ev['level']]}.",
                "genre": "Observation en situation de production",
            })
    return {
        "@context": CONTEXTS,
        "id": f"urn:uuid:{attestation.uuid}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"Attestation de compétences — {person['full_name']}",
        "description": description,
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": structure["name"]},
        "validFrom": dates.iso_utc(attestation.issued_at),
        "credentialSchema": [{"id": SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}],
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityHash": person["full_name"], "identityType": "name",
                            "hashed": False}],
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": "Attestation de compétences en situation de production",
                "description": description,
                "criteria": {"narrative": "Chaque compétence figure au niveau « acquis » (réalise en toute autonomie) "
                                          "ou « maîtrisé », observé et daté par l'encadrant(e) technique "
                                          "d'insertion sur une situation de travail réelle."},
                "alignment": [_alignment(item) for item in items],
                "resultDescription": [{
                    "id": rubric_id, "type": ["ResultDescription"], "name": "Niveau de compétence",
                    "resultType": "RubricCriterionLevel", "allowedValue": list(LEVEL_NAMES.values()),
                }],
                "creator": {"id": issuer_id, "type": ["Profile"], "name": structure["name"]},
            },
            "result": [{"type": ["Result"], "resultDescription": rubric_id,
                        "value": f"{item['label']} : {LEVEL_NAMES[item['level']]}"} for item in items],
        },
        "evidence": evidence,
    }
