"""The launch process on record: each listing's business plan and investor pack, and the town's 12-month plan,
published on chain as the SHA-256 of their bytes with a URI to fetch them.

A document given as a local file is kept in the town's content-addressed store, beside its manifest
(``deployments/<chain-id>/documents/<sha256>``), which the town's bridge serves at ``/v1/documents/<sha256>``; a
document given by URI (``ipfs://…``, ``https://…``) is recorded with the hash the plan gives. Whoever fetches a
document checks its bytes against the hash on chain: a document that does not match is refused, by ``ost deploy``
and by the bridge alike.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from web3.contract import Contract

from .enums import DocumentKind
from .exceptions import ConfigError
from .plan import BusinessPlan, DocumentPlan, TownPlan

if TYPE_CHECKING:
    from .deploy import Deployment

STORE = "documents"
_checked: dict[str, tuple[int, int]] = {}  # digest → the stored file's (mtime, size) when its bytes last matched
MAX_BYTES = 20 * 1024 * 1024  # a business plan or investor pack, not a video


@dataclass(frozen=True)
class Published:
    """A document as the chain records it: the SHA-256 of its bytes (hex) and where to fetch them."""

    sha256: str
    uri: str


class Mismatch(ConfigError):
    """A document's bytes do not hash to what was published."""


def store_folder(manifest_folder: Path) -> Path:
    return manifest_folder / STORE


def bridge_uri(digest: str) -> str:
    """Where the town's bridge serves a stored document (relative to the bridge)."""
    return f"/v1/documents/{digest}"


def keep(store: Path, data: bytes) -> str:
    """``data`` in the content-addressed ``store`` (written once; a stored copy that no longer matches its name is
    replaced by the true bytes); its SHA-256."""
    digest = hashlib.sha256(data).hexdigest()
    path = store / digest
    if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
        store.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    return digest


def stored(store: Path, digest: str) -> bytes | None:
    """The stored bytes of ``digest``; None when absent; :class:`Mismatch` when they no longer hash to it."""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        return None
    path = store / digest
    if not path.is_file() or path.stat().st_size > MAX_BYTES:
        return None
    stat = path.stat()
    data = path.read_bytes()
    if _checked.get(digest) != (stat.st_mtime_ns, stat.st_size):  # hashed again only when the file changed
        if hashlib.sha256(data).hexdigest() != digest:
            raise Mismatch(
                f"The stored document {digest} does not match its hash: it was changed after it was published."
            )
        _checked[digest] = (stat.st_mtime_ns, stat.st_size)
    return data


def _read(document: DocumentPlan, folder: Path) -> tuple[Path, bytes | None, str]:
    """A document's file (relative to ``folder``): its path, and its bytes, or None and why they cannot be published
    (the system's reason, or its size)."""
    path = folder / str(document.file)
    try:
        if path.stat().st_size > MAX_BYTES:
            return path, None, f"over {MAX_BYTES // 1024 // 1024} MB"
        return path, path.read_bytes(), ""
    except OSError as exc:
        return path, None, str(exc.strerror)


def _given(document: DocumentPlan) -> str | None:
    """The sha256 the plan gives for ``document`` (hex, without 0x), if any."""
    return document.sha256.lower().removeprefix("0x") if document.sha256 else None


def resolve(document: DocumentPlan, folder: Path, store: Path, what: str) -> Published:
    """``document`` as it will be published: a file read (relative to ``folder``), checked against the sha256 the
    plan gives, and kept in ``store``; or a URI with its given hash."""
    given = _given(document)
    if document.uri is not None:
        assert given is not None  # the plan requires it with a URI
        return Published(given, document.uri)
    path, data, why = _read(document, folder)
    if data is None:
        raise ConfigError(f"The {what} ({path}) cannot be published: {why}.")
    digest = hashlib.sha256(data).hexdigest()
    if given is not None and given != digest:
        raise Mismatch(
            f"The {what} ({path}) does not match the sha256 the plan gives: its bytes hash to {digest}, the plan says "
            f"{given}. Nothing was published; give the file the plan means, or correct the hash."
        )
    keep(store, data)
    return Published(digest, bridge_uri(digest))


def canonical_plan(milestones: list[dict[str, Any]]) -> bytes:
    """The 12-month plan as the bytes whose hash is published: JSON, keys sorted, no spaces, UTF-8."""
    return json.dumps(milestones, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def published(town: Any) -> dict[int, dict[str, dict[str, Any]]]:
    """Every listing's documents as the chain has them (latest versions), in one batch of calls: business id →
    kind (``business_plan``, ``investor_pack``) → ``{"sha256", "version", "uri"}``; a listing with none is left out."""
    count = int(town.factory.functions.businessCount().call())
    kinds = list(DocumentKind)
    calls = [town.factory.functions.document(i, kind) for i in range(count) for kind in kinds]
    found: dict[int, dict[str, dict[str, Any]]] = {}
    for n, (digest, version, uri) in enumerate(town.client.call_many(calls) if calls else []):
        if version:
            business_id, kind = divmod(n, len(kinds))
            entry = {"sha256": bytes(digest).hex(), "version": int(version), "uri": uri}
            found.setdefault(business_id, {})[kinds[kind].name.lower()] = entry
    return found


def check_documents(plan: TownPlan) -> None:
    """Every document file the plan names readable, and the same as the sha256 it gives: checked before anything is
    sent (a deployment stopped half-way at a missing file otherwise). One sentence naming every problem."""
    problems, mismatched = [], False
    for business in plan.businesses:
        for field, document in business.documents().items():
            if document.uri is not None:
                continue
            path, data, why = _read(document, plan.folder)
            which = f"the {field.replace('_', ' ')} of {business.symbol} ({path})"
            given = _given(document)
            if data is None:
                problems.append(f"{which}: {why}")
            elif given is not None and given != (digest := hashlib.sha256(data).hexdigest()):
                mismatched = True
                problems.append(f"{which}: its bytes hash to {digest}, the plan says {given}")
    if problems:
        raise (Mismatch if mismatched else ConfigError)(
            f"The plan's documents cannot all be read: {'; '.join(problems)}. Nothing is sent until they can; the "
            "files are read beside the plan (copy its documents folder with it)."
        )


# ── deployment steps ──


def publish_business_documents(
    d: Deployment, factory: Contract, business_id: int, business: BusinessPlan, ambassador: str
) -> None:
    """Each document of ``business``: published unless the chain has it already (a changed one as a new version)."""
    store = store_folder(d.manifest.path.parent)
    for field, document in business.documents().items():
        kind = DocumentKind[field.upper()]
        what = f"{field.replace('_', ' ')} of {business.symbol}"
        published = resolve(document, d.plan.folder, store, what)
        digest = bytes.fromhex(published.sha256)

        def current(kind: DocumentKind = kind, digest: bytes = digest, uri: str = published.uri) -> bool:
            recorded = factory.functions.document(business_id, kind).call()
            return bool(recorded[0] == digest and recorded[2] == uri)

        d.step(
            f"document:{business.symbol}:{field}:{published.sha256}",
            factory.functions.publishDocument(business_id, kind, digest, published.uri),
            ambassador,
            done=current,
        )


def publish_town_plan(d: Deployment, registry: Contract, ambassador: str) -> None:
    """The town's 12-month plan, kept in the store and its hash published (a changed plan as a new version)."""
    if not d.plan.twelve_month_plan:
        d.progress.advance("12-month plan")
        return
    data = canonical_plan([m.model_dump(mode="json") for m in d.plan.twelve_month_plan])
    digest = keep(store_folder(d.manifest.path.parent), data)
    d.step(
        f"town-plan:{digest}",
        registry.functions.publishTownPlan(bytes.fromhex(digest), bridge_uri(digest)),
        ambassador,
        done=lambda: bytes(registry.functions.townPlan().call()[0]) == bytes.fromhex(digest),
    )


def publish_town_page(d: Deployment, registry: Contract, ambassador: str) -> None:
    """Where the town's page is, published when the plan names it (so the network's list links to it)."""
    url = d.plan.page_url
    if url is None:
        d.progress.advance("town page")
        return
    d.step(
        f"town-page:{url}",
        registry.functions.setTownPage(url),
        ambassador,
        done=lambda: registry.functions.townPage().call() == url,
        ensure=True,
    )


def document_count(plan: Any) -> int:
    """The deployment steps the plan's documents take (one per document, the 12-month plan, the town's page)."""
    return sum(len(b.documents()) for b in plan.businesses) + 2
