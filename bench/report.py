"""Write bench/RESULTS.md from the JSON files that the bench scripts left in bench/results/ (no figure typed by hand).

Usage: .venv/bin/python bench/report.py
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
READ_P95_MS, WRITE_P95_MS, FLAT_RATIO = 50, 100, 1.2
WRITES = {"Observation POST (htmx)"}
APP_LABELS = {"this version": "cette version", "previous version": "version précédente"}


def load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def n(value: int) -> str:
    """12 345 (a thin space between thousands, as in French)."""
    return f"{value:,}".replace(",", "\u202f")


def ms(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def scale_table(small: dict, large: dict) -> list[str]:
    """One line per screen: figures at 10k and at 1M side by side, and whether each target holds."""
    lines = [
        "| écran | p50 / p95 / p99 à 10k (ms) | p50 / p95 / p99 à 1M (ms) | p50 1M ÷ 10k | p50 ÷ /healthz (1M) "
        "| débit ÷ /healthz (1M) | SQL 10k → 1M | objectifs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for a, b in zip(small["results"], large["results"]):
        ratio = b["p50"] / a["p50"]
        limit = WRITE_P95_MS if a["screen"] in WRITES else READ_P95_MS
        checks = []
        if a["screen"] != "/healthz":
            checks = [f"p95 ≤ {limit} {mark(b['p95'] <= limit)}", f"×{FLAT_RATIO} {mark(ratio <= FLAT_RATIO)}",
                      f"SQL {mark(a['statements'] == b['statements'])}"]
        lines.append(
            f"| {a['screen']} | {ms(a['p50'])} / {ms(a['p95'])} / {ms(a['p99'])} "
            f"| {ms(b['p50'])} / {ms(b['p95'])} / {ms(b['p99'])} | {ratio:.2f} | {b['p50_ratio']:.1f} "
            f"| {b['throughput_ratio']:.2f} | {a['statements']:g} → {b['statements']:g} | {' · '.join(checks)} |")
    return lines


def comparison(before: dict, after: dict, names: tuple[str, str] = ("avant", "après")) -> list[str]:
    """An earlier measurement against this one on the same database."""
    a_, b_ = names
    lines = [f"| écran | p50 {a_} → {b_} (ms) | p95 {a_} → {b_} (ms) | req/s {a_} → {b_} | SQL {a_} → {b_} |",
             "|---|---|---|---|---|"]
    for a, b in zip(before["results"], after["results"]):
        lines.append(f"| {a['screen']} | {ms(a['p50'])} → {ms(b['p50'])} | {ms(a['p95'])} → {ms(b['p95'])} "
                     f"| {a['throughput']:.0f} → {b['throughput']:.0f} | {a['statements']:g} → {b['statements']:g} |")
    return lines


def run_facts(report: dict) -> str:
    settings = report["settings"]
    machine = report["machine"]
    init = f", `flask init-db` {report['init_db_seconds']:.1f} s" if report.get("init_db_seconds") else ""
    slices = f" en {settings['slices']} tranches alternées" if settings.get("slices", 1) > 1 else ""
    return (f"{report['label']} : {report['date']}, {n(report['observations'])} observations "
            f"(le salarié le plus suivi : {n(report['busiest_observations'])}), {APP_LABELS.get(report.get('app'), '')}, gunicorn "
            f"{settings['workers']}×{settings['threads']}, {settings['concurrency']} clients, {settings['rounds']} "
            f"tours d'au plus {settings['requests']} requêtes ou {settings['seconds']:g} s par écran{slices}{init} ; "
            f"charge "
            f"de la machine au départ {machine['load_before']:.1f}")


def explain_section(before: dict | None, after: dict | None, title: str) -> list[str]:
    if not before and not after:
        return []
    lines = [f"### {title}", ""]
    screens = (after or before)["screens"]
    for index, screen in enumerate(screens):
        lines.append(f"**{screen['screen']}**")
        lines.append("")
        for label, report in (("avant", before), ("après", after)):
            if not report:
                continue
            entry = report["screens"][index]
            lines.append(f"{label} : {entry['statements']} requêtes, {entry['sql_ms']} ms de SQL ; les plus lentes :")
            lines.append("")
            lines.append("```")
            for statement in entry["slowest"]:
                lines.append(f"-- {statement['ms']} ms : {statement['sql'][:160]}")
                lines += [f"   {line}" for line in statement["plan"]]
            lines.append("```")
            lines.append("")
    return lines


CPU_SCREENS = {"healthz": "/healthz", "today": "Aujourd'hui (page)", "timeline": "Parcours (salarié le plus suivi)",
               "feed": "Nouvelles du terrain (CIP)", "matrix": "Matrice de compétences", "inbox": "Alertes (CIP)",
               "post": "Observation POST (htmx)", "badge": "Pastille des alertes (interrogée toutes les 10 s)"}


def cpu_section(before: dict | None, after: dict | None) -> list[str]:
    """CPU time per request of each screen (bench/cpu.py), this run and the previous one, when measured."""
    if not after:
        return []
    old = {r["screen"]: r for r in (before or {}).get("results", [])}
    previous_date = f" du {before['date']}" if before else ""
    lines = ["## Temps processeur par requête (SQLite, 1 000 000 d'observations)", "",
             f"`bench/cpu.py` ({after['date']}) : chaque écran demandé {after['requests']} fois dans le processus "
             "(client de test Flask, sans serveur ni réseau), par tranches ; le temps processeur de la tranche la "
             "moins dérangée par le reste de la machine, puis la médiane, après le crochet de démarrage des workers "
             "gunicorn de la version mesurée (`post_worker_init`), s'il existe. Il dépend peu de la charge, "
             "contrairement aux latences ci-dessus.", "",
             "« Rendu » : le temps passé dans `render_template` ; « SQL ms » : celui des appels `execute` (SQLite calcule "
             "les lignes suivantes pendant leur lecture, qui n'est pas comptée).", "",
             f"| écran | CPU ms mesure précédente{previous_date} | CPU ms (médiane) | rendu ms | SQL ms | SQL |",
             "|---|---|---|---|---|---|"]
    for row in after["results"]:
        previous = old.get(row["screen"])
        render = ms(row["render_ms"]) if "render_ms" in row else "–"
        lines.append(f"| {CPU_SCREENS.get(row['screen'], row['screen'])} | "
                     f"{ms(previous['cpu_ms']) if previous else '–'} | {ms(row['cpu_ms'])} ({ms(row['cpu_ms_median'])})"
                     f" | {render} | {ms(row['sql_ms'])} | {row['statements']:.0f} |")
    return lines + [""]


def version_section(title: str, text: str, before: dict | None, after: dict | None, show=ms,
                    unit: str = "") -> list[str]:
    """A figure per screen of this version beside the previous version's (bench/compare.py writes both), with the
    change in per cent; each figure written by `show`."""
    if not after:
        return []
    lines = [f"## {title}", "", text.format(**after), ""]
    previous = (before or {}).get("per_request", {})
    head = f"| écran | version {before['version']}{unit} " if before else "| écran "
    lines += [head + f"| version {after['version']}{unit} |" + (" écart |" if before else ""),
              "|---|---|" + ("---|---|" if before else "")]
    for screen, value in after["per_request"].items():
        cells = [CPU_SCREENS.get(screen, screen)]
        if before:
            old = previous.get(screen)
            cells += [show(old) if old else "–", show(value),
                      f"{100 * (value - old) / old:+.1f} %" if old else "–"]
        else:
            cells.append(show(value))
        lines.append("| " + " | ".join(cells) + " |")
    return lines + [""]


INSTRUCTIONS_TEXT = (
    "`bench/instructions.py` ({date}) : chaque écran demandé {requests} fois dans le processus après quinze requêtes "
    "d'échauffement, instructions comptées par callgrind (valgrind). Le compte ne dépend pas du reste de la machine : "
    "deux versions se départagent à 0,1 % près, là où le temps processeur varie de 10 à 20 % d'une exécution à "
    "l'autre. Le travail de PostgreSQL n'y est pas.")
PG_CPU_TEXT = (
    "`bench/pg_cpu.py` ({date}) : chaque écran demandé {requests} fois dans le processus, l'une après l'autre, "
    "servies par une seule connexion ; le temps processeur de son processus serveur lu dans /proc avant et après "
    "(par pas de 10 ms : à 1 % près). Il varie d'environ 10 % d'une exécution à l'autre avec le reste de la machine.")


def main() -> int:
    out: list[str] = [
        "# Mesures de vitesse",
        "",
        f"Écrit par `bench/report.py` le {time.strftime('%Y-%m-%d %H:%M %Z')} à partir de `bench/results/*.json` ; "
        "chaque chiffre vient d'un script de `bench/`, aucun n'est saisi à la main.",
        "",
    ]
    any_run = next((load(n) for n in ("sqlite-1m", "pg-1m", "sqlite-1m-before") if load(n)), None)
    if any_run:
        m = any_run["machine"]
        out += [f"Machine : {m['cpu']}, {m['cores']} cœurs, {m['memory']}, {m['system']}, Python {m['python']}. "
                "Elle est partagée : la charge au départ de chaque mesure est notée, et les bases comparées sont "
                "mesurées côte à côte, écran après écran, dans la même exécution.", ""]
    out += ["## Commandes", "",
            "Tout relancer, version précédente comprise : `bash bench/run_all.sh` (voir son en-tête : PG_URL pour "
            "PostgreSQL, LIGHTHOUSE pour Lighthouse, ONLY_AFTER=1 pour ne remesurer que cette version). Les "
            "commandes dont viennent les chiffres ci-dessous :", "", "```sh"]
    for name in ("generate-sqlite-10000", "generate-sqlite-1000000", "generate-postgresql-10000",
                 "generate-postgresql-1000000"):
        report = load(name)
        if report:
            out.append(f"{report['command']} --database-url {report['database']}://…   # {report['seconds']} s")
    for name in ("sqlite-1m-before", "sqlite-1m", "pg-1m-before", "pg-1m"):
        report = load(name)
        if report:
            out.append(report["command"])
    for name in ("explain-sqlite-1m-before", "explain-sqlite-1m", "explain-pg-1m-before", "explain-pg-1m"):
        if load(name):
            out.append(f"bench/explain.py --label {name.removeprefix('explain-')}")
    for name in ("cpu-sqlite-1m",):
        if load(name):
            out.append(f"bench/cpu.py --label {name.removeprefix('cpu-')}")
    for name in ("pg-cpu-pg-1m-previous", "pg-cpu-pg-1m", "instructions-pg-1m-previous", "instructions-pg-1m"):
        report = load(name)
        if report:
            out.append(("TERRAIN_APP_DIR=<version précédente> " if name.endswith("previous") else "")
                       + report["command"])
    for name in ("weight", "lighthouse", "two-workers"):
        report = load(name)
        if report:
            out.append(report["command"])
    out += ["bench/report.py", "```", ""]
    out += ["Lecture : p50/p95/p99 en millisecondes, mesurées par le client (4 clients à la fois, connexions "
            "gardées ouvertes) ; « ÷ /healthz » rapporte chaque écran au point de santé mesuré dans la même "
            "exécution ; « SQL » est le nombre médian de requêtes SQL par requête HTTP, compté dans gunicorn. Les "
            "colonnes « objectifs » reprennent ceux du ticket : p95 des lectures ≤ 50 ms, des écritures ≤ 100 ms, "
            "p50 à 1M au plus 1,2 fois celui à 10k, nombre de requêtes SQL identique.", ""]
    for dialect, title in (("sqlite", "SQLite (la base de `make run`)"), ("pg", "PostgreSQL")):
        small, large = load(f"{dialect}-10k"), load(f"{dialect}-1m")
        if not (small and large):
            continue
        out += [f"## {title} : de 10 000 à 1 000 000 d'observations", "", run_facts(small), "", run_facts(large), ""]
        upgrade = load(f"{dialect}-1m-upgrade")
        if upgrade and upgrade.get("init_db_seconds"):
            out += [f"Mise à jour de la base d'un million d'observations par `flask init-db` (migration 0009 et "
                    f"`ANALYZE`) : {upgrade['init_db_seconds']:.1f} s ({upgrade['date']}).", ""]
        out += scale_table(small, large) + [""]
        previous = load(f"{dialect}-1m-previous")
        if previous:
            out += [f"### Mesure précédente ({previous['date']}) → celle-ci, à 1 000 000 d'observations", "",
                    "Mêmes scripts et réglages ; Terrain tel qu'il était à la mesure précédente.", ""]
            out += comparison(previous, large, ("précédente", "celle-ci")) + [""]
        before_small, before_large = load(f"{dialect}-10k-before"), load(f"{dialect}-1m-before")
        if before_small and before_large:
            out += [f"### Version précédente, mesurée de même", "", run_facts(before_large), ""]
            out += scale_table(before_small, before_large) + [""]
            out += ["### Avant → après, à 1 000 000 d'observations", ""] + comparison(before_large, large) + [""]
    out += cpu_section(load("cpu-sqlite-1m-previous") or load("cpu-sqlite-1m-before"), load("cpu-sqlite-1m"))
    out += version_section("Instructions par requête (PostgreSQL, 1 000 000 d'observations, côté application)",
                           INSTRUCTIONS_TEXT, load("instructions-pg-1m-previous"), load("instructions-pg-1m"),
                           show=lambda value: f"{value / 1e6:.2f}", unit=" (M)")
    out += version_section("Temps processeur de PostgreSQL par requête (1 000 000 d'observations)", PG_CPU_TEXT,
                           load("pg-cpu-pg-1m-previous"), load("pg-cpu-pg-1m"), unit=" (ms)")
    plans = explain_section(load("explain-sqlite-1m-before"), load("explain-sqlite-1m"),
                            "SQLite, 1 000 000 d'observations : EXPLAIN QUERY PLAN")
    plans += explain_section(load("explain-pg-1m-before"), load("explain-pg-1m"),
                             "PostgreSQL, 1 000 000 d'observations : EXPLAIN")
    if plans:
        out += ["## Plans des requêtes les plus lentes de chaque écran, avant et après", ""] + plans
    weight = load("weight")
    if weight:
        out += ["## Poids transféré (sur le fil, Accept-Encoding de Chrome, cache vide)", "",
                f"{weight['date']}, démo sous gunicorn.", "", "| ressource | octets | codage |", "|---|---|---|"]
        out += [f"| {r['what']} | {n(r['bytes'])} | {r['encoding']} |" for r in weight["first_visit"]]
        out += ["",
                f"Première visite d'Aujourd'hui : **{weight['first_visit_bytes'] / 1024:.1f} KB** (objectif ≤ 60 KB "
                f"{mark(weight['first_visit_bytes'] <= 60 * 1024)}), dont JavaScript "
                f"**{weight['javascript_bytes'] / 1024:.1f} KB** (≤ 25 KB {mark(weight['javascript_bytes'] <= 25 * 1024)}) ; "
                f"avec l'installation du service worker : {weight['with_service_worker_bytes'] / 1024:.1f} KB.", "",
                "| saisie (htmx) | sur le fil | décompressé | ≤ 5 KB |", "|---|---|---|---|"]
        out += [f"| {c['capture']} | {c['bytes'] / 1024:.1f} KB ({c['encoding']}) | {c['decoded_bytes'] / 1024:.1f} KB "
                f"| {mark(c['bytes'] <= 5 * 1024)} |" for c in weight["captures"]]
        out.append("")
    workers = load("two-workers")
    if workers:
        out += ["## Le worker des alertes lancé deux fois", "",
                f"{workers['date']}, {workers['database']} : {workers['alerts']} alertes, "
                f"{workers['emails_waiting']} courriels en attente, {workers['workers']} workers en même temps ; "
                f"le serveur SMTP a reçu {workers['messages_received']} messages, {workers['distinct_messages']} "
                f"distincts, doublons : {workers['duplicates'] or 'aucun'} ; travaux : {workers['job_statuses']} "
                f"({workers['seconds']} s).", ""]
    lighthouse = load("lighthouse")
    out += ["## Lighthouse (mobile, limitation simulée)", ""]
    if lighthouse:
        out += [f"{lighthouse['date']}, {lighthouse['chromium']}, Lighthouse {lighthouse['results'][0]['lighthouse']}.",
                "", "| écran | performance | accessibilité | bonnes pratiques | TBT (ms) | LCP (ms) | transféré |",
                "|---|---|---|---|---|---|---|"]
        out += [f"| {r['screen']} | {r['performance']} | {r['accessibility']} | {r['best-practices']} "
                f"| {r['total_blocking_time_ms']} | {r['largest_contentful_paint_ms']} "
                f"| {r['transferred_bytes'] / 1024:.0f} KB |" for r in lighthouse["results"]]
    else:
        out.append("Pas de mesure : `bench/lighthouse.py` n'a pas été lancé.")
    out.append("")
    (BENCH / "RESULTS.md").write_text("\n".join(out))
    print(f"→ {BENCH / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
