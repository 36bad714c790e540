"""Static files under versioned URLs: a content hash in the query string, cached for a year when it matches."""
from __future__ import annotations

import gzip
import hashlib
import os
from functools import lru_cache

import brotli
from flask import Flask, current_app, request
from werkzeug.security import safe_join

# A versioned URL never changes content: the browser keeps it a year without asking again.
IMMUTABLE = "public, max-age=31536000, immutable"
# An unversioned (or outdated) URL is revalidated on every use, so that a deployment is seen at once.
REVALIDATE = "no-cache"


@lru_cache(maxsize=256)
def _digest(path: str, stamp: int) -> str:
    """The first 12 hex digits of the file's SHA-256 (`stamp` renews the entry when the file changes)."""
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


def static_version(filename: str, app: Flask | None = None) -> str:
    """The content hash of a file of the static folder."""
    app = app or current_app
    path = safe_join(app.static_folder, filename)
    if path is None:
        raise FileNotFoundError(filename)
    # In development the files change under the running server: their modification time renews the hash.
    stamp = os.stat(path).st_mtime_ns if app.debug else 0
    return _digest(path, stamp)


def _versioned(static_folder: str, prefix: str, filename: str) -> str:
    """The versioned URL of a file that cannot change while the server runs (outside development; `static_url`
    keeps it)."""
    path = safe_join(static_folder, filename)
    if path is None:
        raise FileNotFoundError(filename)
    return f"{prefix}/{filename}?v={_digest(path, 0)}"


def static_url(filename: str) -> str:
    """The URL of a static file with its content hash, e.g. /static/css/terrain.css?v=3f2a9c0d1e4b."""
    app = current_app._get_current_object()
    root = request.script_root
    if app.debug:
        return f"{root}{app.static_url_path}/{filename}?v={static_version(filename, app)}"
    # A page draws an icon dozens of times: the URL is computed once per process (the folder's path is joined
    # anew each time Flask is asked for it).
    urls = app.extensions.setdefault("terrain_static_urls", {})
    url = urls.get((root, filename))
    if url is None:
        url = urls[(root, filename)] = _versioned(app.static_folder, f"{root}{app.static_url_path}", filename)
    return url


def static_cache_control(filename: str) -> str:
    """A year for the URL that carries the file's current hash, revalidation for any other."""
    try:
        current = static_version(filename)
    except OSError:
        return REVALIDATE
    return IMMUTABLE if request.args.get("v") == current else REVALIDATE


# Text files of the static folder, compressed once per process at the strongest settings (they never change).
COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "image/svg+xml", "application/json"}


@lru_cache(maxsize=256)
def _precompressed(path: str, stamp: int, encoding: str) -> bytes:
    with open(path, "rb") as handle:
        data = handle.read()
    if encoding == "br":
        return brotli.compress(data, quality=11)
    return gzip.compress(data, compresslevel=9, mtime=0)


def _accepted(header: str) -> set[str]:
    """Content codings the client accepts (those not refused with q=0)."""
    accepted = set()
    for part in header.lower().split(","):
        name, _, params = part.strip().partition(";")
        if params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            accepted.add(name.strip())
    return accepted


def _buffer_static(response):
    """Send a static file whole: text files precompressed (brotli, else gzip), the others read into the response."""
    if request.endpoint != "static" or not response.direct_passthrough or response.status_code != 200:
        return response
    response.direct_passthrough = False
    accepted = _accepted(request.headers.get("Accept-Encoding", ""))
    encoding = "br" if "br" in accepted else "gzip" if "gzip" in accepted else None
    path = safe_join(current_app.static_folder, (request.view_args or {}).get("filename", ""))
    if encoding and path and response.mimetype in COMPRESSIBLE:
        stamp = os.stat(path).st_mtime_ns
        getattr(response.response, "close", lambda: None)()  # the open file is not read: close it now
        response.set_data(_precompressed(path, stamp, encoding))
        response.headers["Content-Encoding"] = encoding
        etag, weak = response.get_etag()
        if etag:
            response.set_etag(f"{etag}-{encoding}", weak=weak)
    else:
        response.get_data()
    response.vary.add("Accept-Encoding")
    return response


def init_app(app: Flask) -> None:
    """Buffer static files (called after the compression is registered); templating offers `static_url`."""
    app.after_request(_buffer_static)
