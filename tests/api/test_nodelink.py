"""The bridge's own JSON-RPC connection to the node (api/nodelink.py), against a real HTTP server on 127.0.0.1: kept
alive, reopened when the node closed it, credentials in a header, and no URL or secret in what it says."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from api.chain import ChainView
from api.nodelink import NodeError, NodeLink


class Node(BaseHTTPRequestHandler):
    """Answers a JSON-RPC batch in reverse order (ids decide), counting connections; ``close_after`` closes the
    connection after each answer without saying so, as a node's idle timeout does."""

    protocol_version = "HTTP/1.1"
    seen: list[dict[str, str]] = []
    connections = 0
    close_after = refuse_batches = False
    status = 200

    def setup(self) -> None:  # one handler a connection
        super().setup()
        Node.connections += 1

    def do_POST(self) -> None:
        Node.seen.append(dict(self.headers))
        asked = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body = json.dumps([{"jsonrpc": "2.0", "id": a["id"], "result": a["method"]} for a in reversed(asked)])
        if Node.refuse_batches:  # some providers answer a batch with one error
            body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "no batches"}})
        self.send_response(Node.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())
        if Node.close_after:
            self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def node() -> Iterator[int]:
    Node.seen, Node.connections, Node.close_after, Node.refuse_batches, Node.status = [], 0, False, False, 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), Node)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_a_batch_s_answers_come_back_in_its_order_on_one_kept_connection() -> None:
    with node() as port:
        link = NodeLink(f"http://127.0.0.1:{port}/rpc?key=abc", timeout=5)
        for _ in range(3):
            answers = link.ask([("eth_blockNumber", []), ("eth_chainId", []), ("eth_call", [{}, "latest"])])
            assert [a["result"] for a in answers] == ["eth_blockNumber", "eth_chainId", "eth_call"]
        assert Node.connections == 1  # kept alive: one connection for three round trips
        assert "Authorization" not in Node.seen[0]


def test_a_connection_the_node_closed_is_reopened_once() -> None:
    with node() as port:
        Node.close_after = True
        link = NodeLink(f"http://127.0.0.1:{port}", timeout=5)
        for _ in range(3):
            assert link.ask([("eth_blockNumber", [])])[0]["result"] == "eth_blockNumber"
        assert Node.connections == 3


def test_credentials_in_the_url_go_in_a_header_and_never_in_an_error() -> None:
    with node() as port:
        link = NodeLink(f"http://ost:s3cret%21@127.0.0.1:{port}/", timeout=5)
        link.ask([("eth_blockNumber", [])])
        assert Node.seen[0]["Authorization"] == "Basic b3N0OnMzY3JldCE="  # ost:s3cret!
        Node.status = 401
        with pytest.raises(NodeError) as refused:
            link.ask([("eth_blockNumber", [])])
        assert str(refused.value) == "The node answered HTTP 401."
    with socket.socket() as s:  # a port no one listens on
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    with pytest.raises(NodeError) as down:
        NodeLink(f"http://ost:s3cret@127.0.0.1:{free}/key/s3cret", timeout=5).ask([("eth_blockNumber", [])])
    assert "s3cret" not in str(down.value) and str(free) not in str(down.value)


def test_what_is_not_a_node_url_or_a_json_rpc_answer_is_an_error() -> None:
    with pytest.raises(NodeError):
        NodeLink("ws://127.0.0.1:8545", timeout=5)
    with node() as port:
        Node.refuse_batches = True
        with pytest.raises(NodeError, match="answered a batch of 2 with"):
            NodeLink(f"http://127.0.0.1:{port}", timeout=5).ask([("eth_blockNumber", []), ("eth_chainId", [])])


def test_a_secret_the_node_echoes_is_scrubbed_before_its_words_are_cut() -> None:
    """Found by review: the node's words were cut to 200 characters, then scrubbed; a key echoed across the cut
    survived in part. Now scrubbed first, then cut."""
    url = "https://rpc.example/v3/k3yABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    said = ChainView._said(
        SimpleNamespace(rpc_url=url), "x" * 170 + " no such path /v3/k3yABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    )  # type: ignore[arg-type]
    assert "k3yABCDEF" not in said and len(said) <= 300
