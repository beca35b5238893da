"""A member's printed card: the town's name, the member's address, and a QR code of their page on the town's bridge
(``/m/<address>``), so a member without a wallet app scans it, or bookmarks it, to see their INF and profit."""

from __future__ import annotations

import html
import io

import segno


def member_card(town: str, address: str, page_url: str) -> str:
    """A printable HTML page (one card, about A6) for ``address`` of ``town``; ``page_url`` is the town page."""
    link = f"{page_url.rstrip('/')}/m/{address}"
    qr = io.BytesIO()
    segno.make(link, error="m").save(qr, kind="svg", scale=6, border=2, xmldecl=False, svgns=True, title=link)
    svg = qr.getvalue().decode()
    t, a, u = html.escape(town), html.escape(address), html.escape(link)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{t}: member card</title>
<style>
  @page {{ size: A6; margin: 8mm; }}
  body {{ font-family: system-ui, sans-serif; color: #1b1f24; margin: 0; }}
  .card {{ border: 1px solid #c9d0d8; border-radius: 4mm; padding: 6mm; max-width: 105mm; }}
  h1 {{ font-size: 16pt; margin: 0 0 2mm; }}
  .address {{ font-family: ui-monospace, monospace; font-size: 9pt; overflow-wrap: anywhere; }}
  svg {{ width: 45mm; height: 45mm; display: block; margin: 4mm 0; }}
  p {{ margin: 1mm 0; font-size: 10pt; }}
</style>
</head>
<body>
<div class="card">
  <h1>{t}</h1>
  <p>Member of One Small Town</p>
  {svg}
  <p>Scan this code to see your INF, your profit and your history on the town's page:</p>
  <p class="address">{u}</p>
  <p>Your address: <span class="address">{a}</span></p>
</div>
</body>
</html>
"""
