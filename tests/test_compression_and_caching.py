"""Responses travel compressed; static files carry a content hash and are cached a year; pages are never stored."""
import gzip
import re
from datetime import date

import brotli

from tests.conftest import build_app, client_key, post
from webapp.routes._web.assets import static_version

CHROME = {"Accept-Encoding": "gzip, deflate, br, zstd"}
ASSET = re.compile(r'(?:href|src)="(/static/[^"#]+)')


def _decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(response.data)
    if encoding == "gzip":
        return gzip.decompress(response.data)
    return response.data


def test_today_page_goes_out_in_brotli_and_is_never_stored(client, login_as, crew):
    login_as("supervisor")
    response = client.get("/aujourdhui/", headers=CHROME)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    html = _decoded(response)
    assert b"Amina Test" in html
    assert int(response.headers["Content-Length"]) == len(response.data) < len(html) / 3
    assert response.headers["Cache-Control"] == "no-store"
    vary = {v.strip() for v in response.headers["Vary"].split(",")}
    assert {"Accept-Encoding", "HX-Request"} <= vary


def test_gzip_for_a_browser_without_brotli_and_nothing_for_one_without_either(client, login_as, crew):
    login_as("supervisor")
    gzipped = client.get("/aujourdhui/", headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert b"Amina Test" in gzip.decompress(gzipped.data)
    plain = client.get("/aujourdhui/", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and b"Amina Test" in plain.data


def test_capture_fragment_is_compressed_under_5_kb(client, login_as, crew):
    login_as("supervisor")
    amina = crew["people"][0]
    response = post(client, "/observations/", {
        "client_key": client_key("compression-1"), "employee_ids": [str(amina.id)], "category": "technique",
        "tone": "positive", "visibility": "team", "text": "Coupe nette et régulière.",
        "observed_on": date.today().isoformat()}, htmx=True, headers=dict(CHROME))
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert b"<html" not in _decoded(response)
    assert len(response.data) < 5 * 1024


def test_json_export_is_compressed(client, login_as, crew):
    login_as("director")
    response = client.get(f"/salaries/{crew['people'][0].id}/donnees.json", headers=CHROME)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Encoding"] == "br"
    assert b"Amina" in _decoded(response)


def test_page_assets_are_versioned_compressed_and_immutable(client, login_as, crew, app):
    login_as("supervisor")
    html = _decoded(client.get("/aujourdhui/", headers=CHROME)).decode()
    assets = set(ASSET.findall(html))
    assert any(a.startswith("/static/vendor/htmx-2.0.11.min.js?v=") for a in assets), assets
    for url in assets:
        path, version = url.split("?v=")
        with app.app_context():
            assert version == static_version(path.removeprefix("/static/")), url
        with client.get(url, headers=CHROME) as response:
            assert response.status_code == 200, url
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
            if path.endswith((".js", ".css", ".svg")):
                assert response.headers["Content-Encoding"] in ("br", "gzip"), url


def test_htmx_travels_under_20_kb(client):
    with client.get("/login", headers=CHROME) as page:
        url = next(u for u in ASSET.findall(_decoded(page).decode()) if "htmx-2.0.11" in u)
    with client.get(url, headers=CHROME) as response:
        body = b"".join(response.response)
        assert response.headers["Content-Encoding"] == "br"
        assert len(body) < 20 * 1024
        assert b"2.0.11" in brotli.decompress(body)


def test_unversioned_or_outdated_static_url_is_revalidated(client):
    with client.get("/static/css/terrain.css") as plain:
        assert plain.status_code == 200 and plain.headers["Cache-Control"] == "no-cache"
    with client.get("/static/css/terrain.css?v=000000000000") as outdated:
        assert outdated.headers["Cache-Control"] == "no-cache"


def test_service_worker_precaches_the_versioned_urls_the_pages_use(client):
    page = _decoded(client.get("/login", headers=CHROME)).decode()
    worker = client.get("/sw.js").get_data(as_text=True)
    shell = set(re.findall(r'"(/static/[^"]+)"', worker))
    css = next(u for u in ASSET.findall(page) if "terrain.css" in u)
    htmx = next(u for u in ASSET.findall(page) if "htmx" in u)
    assert {css, htmx} <= shell
    offline = client.get("/hors-ligne").get_data(as_text=True)
    assert css in offline


def test_static_version_follows_the_content_in_development(app, tmp_path):
    (tmp_path / "app.css").write_text("body { color: black; }")
    app.static_folder = str(tmp_path)
    app.debug = True
    with app.test_request_context():
        before = static_version("app.css")
        (tmp_path / "app.css").write_text("body { color: navy; }")
        after = static_version("app.css")
    assert before != after and len(before) == 12


def test_behind_a_declared_proxy_the_forwarded_scheme_turns_on_hsts(databases, tmp_path):
    (tmp_path / "direct").mkdir()
    proxied = build_app(databases.new(tmp_path), upload_folder=tmp_path / "up", PROXY_HOPS=1)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    assert "Strict-Transport-Security" in proxied.test_client().get("/login", headers=forwarded).headers
    direct = build_app(databases.new(tmp_path / "direct"), upload_folder=tmp_path / "up")
    assert "Strict-Transport-Security" not in direct.test_client().get("/login", headers=forwarded).headers
