"""Secrets riding in node URLs are hidden from every message."""

from __future__ import annotations

from ost_chain.redact import redact_url, scrub


def test_a_url_keeps_only_scheme_host_and_port() -> None:
    assert (
        redact_url("https://ops:pw@mainnet.example.io:8443/v3/abcdef?apikey=xyz")
        == "https://mainnet.example.io:8443/…?…"
    )
    assert redact_url("http://127.0.0.1:8545") == "http://127.0.0.1:8545"


def test_every_secret_part_is_scrubbed_from_a_client_error() -> None:
    url = "https://ops:pw-123@node.example/v3/KEY-abc?apikey=QK-9"
    message = (
        "HTTPSConnectionPool(host='node.example', port=443): Max retries exceeded with url: /v3/KEY-abc?apikey=QK-9 "
        f"(calling {url})"
    )
    cleaned = scrub(message, url)
    for secret in ("pw-123", "KEY-abc", "QK-9"):
        assert secret not in cleaned
    assert "node.example" in cleaned


def test_urls_the_text_quotes_are_redacted_even_when_not_named() -> None:
    assert "SECRET" not in scrub("failed: https://x.example/v3/SECRET and url: /rpc/SECRET")
