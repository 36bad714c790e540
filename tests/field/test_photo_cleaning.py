"""Uploaded pictures: nothing but pixels survives, and a decompression bomb is refused before it is decoded."""
from __future__ import annotations

import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin
from sqlmodel import select

from tests.conftest import client_key, post
from webapp.models import Observation
from webapp.platform.photos import PhotoError, clean_image

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "<script>alert(document.cookie)</script>"
GPS = "GPS 48.8566N 2.3522E"


def jpeg_with_comment_and_gps() -> bytes:
    """A JPEG polyglot: a comment segment carrying a script, EXIF with a GPS block, an ICC profile."""
    exif = Image.Exif()
    exif[0x010E] = GPS  # ImageDescription
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 7.0)}
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 60)).save(out, format="JPEG", comment=SCRIPT.encode(), exif=exif,
                                                     icc_profile=b"ICC " + GPS.encode())
    return out.getvalue()


def png_with_text_chunks() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("comment", SCRIPT)
    info.add_text("Location", GPS)
    info.add_text("Description", GPS, zip=True)
    info.add_itxt("XML:com.adobe.xmp", f"<x:xmpmeta>{SCRIPT}{GPS}</x:xmpmeta>")
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 60)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def segments(jpeg: bytes) -> list[int]:
    """The JPEG's marker codes up to the start of scan."""
    found, i = [], 2
    while i < len(jpeg) and jpeg[i] == 0xFF:
        marker = jpeg[i + 1]
        found.append(marker)
        if marker == 0xDA:
            break
        i += 2 + int.from_bytes(jpeg[i + 2:i + 4], "big")
    return found


@pytest.mark.parametrize("make_upload", [jpeg_with_comment_and_gps, png_with_text_chunks])
def test_served_photo_keeps_no_comment_text_or_location(client, login_as, crew, db, make_upload):
    login_as("supervisor")
    amina = crew["people"][0]
    data = {"client_key": client_key("photo-cleaning"), "employee_ids": [str(amina.id)], "category": "technique", "tone": "positive",
            "visibility": "team", "text": "Photo du massif taillé.", "observed_on": date.today().isoformat(),
            "photo": (io.BytesIO(make_upload()), "chantier", "application/octet-stream")}
    assert post(client, "/observations/", data, htmx=True, content_type="multipart/form-data").status_code == 200
    served = client.get(f"/observations/{db.exec(select(Observation)).one().id}/photo").data
    for planted in (SCRIPT, GPS, "48.8566", "xmpmeta", "ICC "):
        assert planted.encode() not in served
    # Only the JFIF header, tables and frame: no comment (FE), no EXIF/XMP (E1), no ICC (E2), nothing else.
    assert set(segments(served)) <= {0xD8, 0xE0, 0xDB, 0xC4, 0xC0, 0xC2, 0xDD, 0xDA}, segments(served)


def peak_while_cleaning(path: Path) -> tuple[int, str]:
    """Megabytes clean_image adds to the resident memory at its peak, in a fresh process, and its outcome."""
    code = (
        "import re\n"
        "from webapp.platform.photos import clean_image, PhotoError\n"
        "def resident(field):\n"
        "    return int(re.search(field + r':\\s+(\\d+)', open('/proc/self/status').read()).group(1)) // 1024\n"
        f"data = open({str(path)!r}, 'rb').read()\n"
        "open('/proc/self/clear_refs', 'w').write('5')  # the peak starts again from here\n"
        "before = resident('VmRSS')\n"
        "try:\n    clean_image(data); outcome = 'accepted'\n"
        "except PhotoError as error:\n    outcome = str(error)\n"
        "print(resident('VmHWM') - before, outcome)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    megabytes, outcome = result.stdout.strip().split(" ", 1)
    return int(megabytes), outcome


def test_a_small_png_of_49_megapixels_is_refused_before_decoding(tmp_path):
    bomb = tmp_path / "bomb.png"
    Image.new("1", (7000, 7000)).save(bomb)  # a few KB on disk, 147 MB once decoded to RGB
    assert bomb.stat().st_size < 50_000
    megabytes, outcome = peak_while_cleaning(bomb)
    assert "Image trop grande" in outcome and megabytes < 20, (megabytes, outcome)


def test_a_jpeg_over_40_megapixels_is_refused():
    out = io.BytesIO()
    Image.new("L", (8000, 6000)).save(out, format="JPEG", quality=10)
    with pytest.raises(PhotoError, match="plus de 40 millions de pixels"):
        clean_image(out.getvalue())


def test_a_24_megapixel_jpeg_is_decoded_at_reduced_scale(tmp_path):
    photo = tmp_path / "photo.jpg"
    Image.radial_gradient("L").resize((6000, 4000)).convert("RGB").save(photo, quality=85)
    megabytes, outcome = peak_while_cleaning(photo)
    # Decoded whole it needs 72 MB per copy (about 250 MB at the peak); at 1/2 scale, 18 MB per copy.
    assert outcome == "accepted" and megabytes < 100, megabytes
