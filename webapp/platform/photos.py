"""Photos: checked by content, stripped of metadata, resized, stored under the instance folder."""
from __future__ import annotations

import io
import secrets
import warnings
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlmodel import Session, col, select

from webapp.models import Photo

try:  # HEIC from iPhones; the library is optional at runtime
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover
    pass

MAX_BYTES = 10 * 1024 * 1024
# Pixels allowed by format, read from the header before anything is decoded: a phone photo (JPEG, HEIC) stays
# under 40 MP; a PNG or WebP that large is a decompression bomb (a few KB that decode to gigabytes), not a photo.
MAX_PIXELS = {"JPEG": 40_000_000, "HEIF": 40_000_000, "WEBP": 24_000_000, "PNG": 12_000_000}
MAX_SIDE = 1600
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}


class PhotoError(ValueError):
    """An upload that is not an acceptable picture; the message is French and shown to the user."""


def read_upload(stream, limit: int | None = None) -> bytes:
    """Read at most `limit` (default MAX_BYTES) bytes of an upload, refusing anything bigger."""
    limit = limit or MAX_BYTES
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise PhotoError("La photo dépasse 10 Mo : prenez-la en qualité réduite.")
    if not data:
        raise PhotoError("Le fichier envoyé est vide.")
    return data


def clean_image(data: bytes) -> tuple[bytes, int, int]:
    """Decode `data` as a picture and re-encode it as a JPEG without metadata, at most MAX_SIDE wide."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise PhotoError("Format non accepté : envoyez une photo JPEG, PNG, WebP ou HEIC.")
                limit = MAX_PIXELS[probe.format]
                if probe.width * probe.height > limit:
                    raise PhotoError(f"Image trop grande (plus de {limit // 1_000_000} millions de pixels) : "
                                     "prenez la photo en résolution normale.")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                if image.format == "JPEG":
                    # The JPEG decoder scales by 1/2, 1/4 or 1/8 while decoding: a 24 MP photo never
                    # exists at full size in memory.
                    image.draft("RGB", (MAX_SIDE, MAX_SIDE))
                image.load()
                image = ImageOps.exif_transpose(image)
                image = image.convert("RGB")
    except PhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError, OSError,
            SyntaxError, ValueError):
        raise PhotoError("Ce fichier n'est pas une photo lisible (JPEG, PNG, WebP ou HEIC).") from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    # Only the pixels go on: a fresh image has no info (Pillow would otherwise write a JPEG comment,
    # an ICC profile or EXIF carried over from the upload).
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue(), clean.width, clean.height


def store_photo(*, db: Session, data: bytes, upload_folder: str, structure_id: int, user_id: int) -> Photo:
    """Clean `data` and save it under a server-generated name; the caller commits."""
    jpeg, width, height = clean_image(data)
    filename = f"{secrets.token_urlsafe(24)}.jpg"
    folder = Path(upload_folder) / str(structure_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / filename).write_bytes(jpeg)
    photo = Photo(structure_id=structure_id, filename=filename, width=width, height=height, size=len(jpeg),
                  uploaded_by_id=user_id)
    db.add(photo)
    db.flush()
    return photo


def photo_path(photo: Photo, upload_folder: str) -> Path:
    """Where the file of `photo` lives."""
    return Path(upload_folder) / str(photo.structure_id) / photo.filename


# A file younger than this may belong to a capture whose transaction is still open.
ORPHAN_GRACE = timedelta(hours=1)


def sweep_orphans(db: Session, upload_folder: str, *, now: datetime) -> int:
    """Delete photo files that no row refers to (a crash between writing and committing); returns how many."""
    root = Path(upload_folder)
    if not root.is_dir():
        return 0
    cutoff = (now - ORPHAN_GRACE).timestamp()
    removed = 0
    for folder in root.iterdir():
        if not (folder.is_dir() and folder.name.isascii() and folder.name.isdigit()):
            continue
        files = {path.name: path for path in folder.glob("*.jpg") if path.stat().st_mtime < cutoff}
        if not files:
            continue
        known = set(db.exec(select(Photo.filename).where(Photo.structure_id == int(folder.name),
                                                         col(Photo.filename).in_(list(files)))).all())
        for name, path in files.items():
            if name not in known:
                path.unlink(missing_ok=True)
                removed += 1
    return removed
