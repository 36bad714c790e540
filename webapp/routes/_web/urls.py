"""`url_for` for the templates, built once per endpoint and process, then filled with the ids of each call.

A page of Today draws seventy links (each card: the person, the rating of each skill worked, the attendance form),
and Werkzeug matches the endpoint's rule and quotes every value at each of them (4.7 µs a link, 3.2 from a
pattern). Terrain's links name an endpoint and, mostly, integer ids: the URL of an endpoint for given argument
names is built once with distinctive integers in place of the ids, which are then replaced by the call's.

Anything else goes to Flask's `url_for` as before: a value that is not a plain non-negative integer (a string is
quoted differently in a path and in a query string), a relative endpoint (".show", which depends on the request's
blueprint), an option (`_external`, `_anchor`...), or a URL in which the stand-in does not appear exactly once.
Terrain registers no `url_defaults` callback (they would have to run at each call).
"""
from __future__ import annotations

from flask import current_app, request, url_for

# Stand-ins for the ids: no route or query string of Terrain writes these digits by itself.
_STAND_IN = 7_300_000_000_017
# The key of a pattern that could not be made (the call always goes to Flask).
_UNCACHED = object()


def _pattern(endpoint: str, names: tuple[str, ...]) -> str | object:
    """The URL of `endpoint` for these argument names, with `{0}`, `{1}`... where their values go."""
    stand_ins = {name: _STAND_IN + index for index, name in enumerate(names)}
    url = url_for(endpoint, **stand_ins).replace("{", "{{").replace("}", "}}")
    for index, value in enumerate(stand_ins.values()):
        digits = str(value)
        if url.count(digits) != 1:
            return _UNCACHED
        url = url.replace(digits, f"{{{index}}}")
    return url


def template_url_for(endpoint: str, **values) -> str:
    """`url_for` as the templates call it, from a pattern built once per (script root, endpoint, argument names)."""
    if endpoint.startswith(".") or not all(type(v) is int and v >= 0 and k[0] != "_" for k, v in values.items()):
        return url_for(endpoint, **values)
    names = tuple(values)
    patterns = current_app.extensions.setdefault("terrain_url_patterns", {})
    key = (request.script_root, endpoint, names)
    pattern = patterns.get(key)
    if pattern is None:
        pattern = patterns[key] = _pattern(endpoint, names)
    if pattern is _UNCACHED:
        return url_for(endpoint, **values)
    return pattern.format(*values.values())
