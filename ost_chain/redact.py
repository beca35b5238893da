"""Keep secrets that ride in URLs out of everything a person or a log reads.

A hosted node's URL carries its API key — in the path (``/v3/<key>``), the query (``?apikey=…``)
or as a password (``https://user:<key>@…``). Error messages of HTTP clients repeat the URL, or
its path and query (``… with url: /v3/<key>``). :func:`scrub` removes them from any text;
:func:`redact_url` shows a URL with only its scheme, host and port.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

HIDDEN = "…"
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")
_REQUEST_PATH = re.compile(r"(url: )(/\S*)")


def redact_url(url: str) -> str:
    """``url`` with its credentials, path and query hidden: ``https://node.example:443/…?…``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return HIDDEN
    netloc = (parts.hostname or "") + (f":{port}" if port else "")
    path = "/" + HIDDEN if parts.path not in ("", "/") else parts.path
    return urlunsplit((parts.scheme, netloc, path, HIDDEN if parts.query else "", ""))


def scrub(text: str, *urls: str | None) -> str:
    """``text`` with every secret part of ``urls`` and of any URL it quotes hidden."""
    for url in urls:
        if not url:
            continue
        parts = urlsplit(url)
        secrets = [url, parts.password, parts.query, parts.path if parts.path not in ("", "/") else None]
        for secret in sorted(filter(None, secrets), key=len, reverse=True):
            text = text.replace(secret, HIDDEN)
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    return _REQUEST_PATH.sub(lambda m: m.group(1) + ("/" + HIDDEN if m.group(2) != "/" else "/"), text)
