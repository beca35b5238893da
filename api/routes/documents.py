"""The town's published documents (business plans, investor packs, the 12-month plan), by the SHA-256 of their
bytes, from the content-addressed store beside the town's manifest (``ost deploy`` keeps them there)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from ost_chain.documents import Mismatch, store_folder, stored

from ..deps import ChainDep, IndexDep, ServedDep
from ..i18n import Words
from ..problems import Problem

router = APIRouter(tags=["documents"])


def _media_type(data: bytes) -> str:
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data[:1] in (b"{", b"["):
        return "application/json"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain; charset=utf-8"


@router.get(
    "/v1/documents/{sha256}",
    operation_id="getDocument",
    responses={
        404: {"description": "This town published no document with this SHA-256, or none is kept here."},
        409: {"description": "The kept copy no longer matches its hash: it is not served."},
    },
)
def get_document(sha256: str, chain: ChainDep, index: IndexDep, served: ServedDep) -> Response:
    """A document this town published on chain (a listing's, or its 12-month plan), its bytes checked against their
    SHA-256 before they are served (the reader checks them against the hash on chain too). Immutable: cached for a
    year."""
    digest = sha256.lower().removeprefix("0x")
    published = {d["sha256"] for docs in index.documents().values() for d in docs.values()}
    published.add(chain.town_plan(index.projects_worked())["sha256"])
    if digest not in published:  # the store may hold superseded versions and other towns' documents: not served
        raise Problem(404, Words("This town has published no document {digest}.", digest=digest), kind="not-found")
    try:
        data = stored(store_folder(served.path.parent), digest)
    except Mismatch as exc:
        raise Problem(409, str(exc), kind="document-mismatch") from None
    if data is None:
        raise Problem(
            404, Words("No document {digest} is kept by this town's bridge.", digest=digest), kind="not-found"
        )
    media_type = _media_type(data)
    headers = {
        "Cache-Control": "public, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",  # a document is read, never run
    }
    if not media_type.startswith(("text/plain", "application/json")):
        headers["Content-Disposition"] = f'attachment; filename="{digest[:12]}"'
    return Response(data, media_type=media_type, headers=headers)
