"""Photos: checked by content, stripped of metadata, resized, stored under the instance folder."""
from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlmodel import Session

from webapp.models import Photo

try:  # HEIC from iPhones; the library is optional at runtime
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover
    pass

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000
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
                if probe.width * probe.height > MAX_PIXELS:
                    raise PhotoError("Image trop grande.")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                image = image.convert("RGB")
    except PhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError, OSError,
            SyntaxError, ValueError):
        raise PhotoError("Ce fichier n'est pas une photo lisible (JPEG, PNG, WebP ou HEIC).") from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    # A fresh image carries no EXIF, GPS or comments: only the pixels are written.
    image.save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue(), image.width, image.height


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
