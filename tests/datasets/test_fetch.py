"""Tests for civicboard.datasets.fetch: safe fetching of catalog documents.

A real http.server runs on 127.0.0.1 in a thread for each test that needs one.
Nothing here talks to any other address: ``guard_connections`` makes every
test fail loudly if code under test tries to open a connection elsewhere.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from civicboard.datasets import fetch as fetch_module
from civicboard.datasets.fetch import (
    DEFAULT_USER_AGENT,
    MAX_REDIRECTS,
    FetchError,
    fetch,
    is_metadata_address,
    is_public_address,
)

# --------------------------------------------------------------------------- #
# A local server
# --------------------------------------------------------------------------- #

TLS_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "tls"
TEST_CERT = TLS_DIR / "catalog-test.crt"
HANDLER_WAIT_LIMIT = 3.0  # no handler runs longer than this, whatever the client does


class CatalogHandler(BaseHTTPRequestHandler):
    """Routes for the tests; each one is bounded in time and bytes."""

    server: LocalHTTPServer

    def log_message(self, format, *args):
        """Keep test output quiet."""

    def do_GET(self):
        """Dispatch on the first path segment."""
        parts = urlsplit(self.path)
        self.server.paths.append(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        route = parts.path.split("/")[1]
        getattr(self, "route_" + route.replace("-", "_"), self.route_missing)(parts.path, query)

    def send_body(self, body: bytes, status: int = 200, content_type: str = "application/json"):
        """Send a complete response with a Content-Length."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str | None, status: int = 302):
        """Send a redirect (without Location when location is None)."""
        self.send_response(status)
        if location is not None:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def route_missing(self, path, query):
        self.send_body(b"not found", status=404, content_type="text/plain")

    def route_ok(self, path, query):
        self.send_body(b'{"dataset": []}')

    def route_echo(self, path, query):
        body = {"path": self.path, "user_agent": self.headers["User-Agent"], "host": self.headers["Host"]}
        self.send_body(json.dumps(body).encode())

    def route_status(self, path, query):
        self.send_body(b"error page", status=int(path.split("/")[2]), content_type="text/plain")

    def route_redirect(self, path, query):
        self.redirect(query.get("to"), status=int(query.get("status", 302)))

    def route_hops(self, path, query):
        left = int(path.split("/")[2])
        if left == 0:
            self.send_body(b'{"hops": "done"}')
        else:
            self.redirect(f"/hops/{left - 1}")

    def route_sized(self, path, query):
        self.send_body(b"x" * int(query["bytes"]))

    def route_declared(self, path, query):
        # Announces far more than it sends: the client must refuse on the header alone.
        self.send_response(200)
        self.send_header("Content-Length", query["bytes"])
        self.end_headers()
        self.wfile.write(b"x" * 10)

    def route_stream(self, path, query):
        """No Content-Length: the client only learns the size by reading."""
        self.send_response(200)
        self.end_headers()
        total, chunk = int(query["bytes"]), b"x" * 16384
        try:
            while self.server.sent < total:
                piece = chunk[: total - self.server.sent]
                self.wfile.write(piece)
                self.server.sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self.server.stream_done.set()

    def route_slow(self, path, query):
        # Answer only when the test ends (or after the limit): a stuck server.
        self.server.release.wait(HANDLER_WAIT_LIMIT)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_body(b'{"dataset": []}')

    def route_trickle(self, path, query):
        """Headers at once, then one byte every 50 ms: every read succeeds, the whole never ends."""
        self.send_response(200)
        self.end_headers()
        deadline = time.monotonic() + HANDLER_WAIT_LIMIT
        try:
            while time.monotonic() < deadline and not self.server.release.is_set():
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            pass


class LocalHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that records what it was asked for."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), CatalogHandler)
        self.paths: list[str] = []
        self.sent = 0
        self.stream_done = threading.Event()
        self.release = threading.Event()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
def server():
    """A local catalog server for one test, shut down afterwards."""
    yield from run_server(LocalHTTPServer())


@pytest.fixture
def tls_server():
    """The same server speaking HTTPS with the test certificate for catalog.test."""
    httpd = LocalHTTPServer()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TEST_CERT, TLS_DIR / "catalog-test.key")
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    yield from run_server(httpd)


def run_server(httpd: LocalHTTPServer):
    """Serve in a thread while the test runs, then stop and close."""
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def guard_connections(monkeypatch):
    """Fail any attempt by the code under test to connect beyond the loopback interface."""
    real_create_connection = socket.create_connection

    def loopback_only(address, *args, **kwargs):
        host = address[0]
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"test tried to connect to {host}")
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", loopback_only)


def fake_dns(monkeypatch, answers: dict[str, list[list[str]]]) -> list[str]:
    """Make getaddrinfo answer for the names in ``answers``; returns the names looked up.

    Each name maps to successive answers, the last one repeating, so a test can
    play a rebinding DNS server that changes its answer after the first lookup.
    """
    real_getaddrinfo = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        successive = answers[host]
        addresses = successive[min(lookups.count(host), len(successive)) - 1]
        return [
            (socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
            for ip in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


# --------------------------------------------------------------------------- #
# Address policy
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "ip",
    [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.216.34",
        "151.101.1.69",
        "2606:4700:4700::1111",
        "2001:4860:4860::8888",
        "::ffff:8.8.8.8",  # mapped form of a public address
    ],
)
def test_global_unicast_addresses_are_public(ip):
    assert is_public_address(ip)


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1",
        "127.8.9.10",
        "0.0.0.0",
        "0.1.2.3",
        "10.0.0.1",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.1",
        "100.64.0.1",  # carrier-grade NAT
        "169.254.1.1",
        "169.254.169.254",
        "192.0.0.192",
        "100.100.100.200",
        "168.63.129.16",  # Azure WireServer, public range but a platform endpoint
        "192.0.2.10",
        "198.51.100.7",
        "203.0.113.9",
        "198.18.0.1",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "fe80::1",
        "fe80::1%eth0",
        "fc00::1",
        "fd12:3456::1",
        "fd00:ec2::254",
        "ff02::1",
        "2001:db8::1",
        "2001::1",  # Teredo
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:0:7f00:1",  # IPv4-translated
        "::127.0.0.1",  # IPv4-compatible (deprecated)
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
    ],
)
def test_special_purpose_addresses_are_not_public(ip):
    assert not is_public_address(ip)


@pytest.mark.parametrize("value", ["", "localhost", "example.org", "999.1.1.1", "1.2.3", "::g"])
def test_things_that_are_not_addresses_are_not_public(value):
    assert not is_public_address(value)


@pytest.mark.parametrize(
    "ip",
    [
        "169.254.169.254",
        "169.254.170.2",
        "fd00:ec2::254",
        "::ffff:169.254.169.254",
        "::ffff:a9fe:a9fe",
        "64:ff9b::a9fe:a9fe",
        "168.63.129.16",
        "100.100.100.200",
        "192.0.0.192",
    ],
)
def test_cloud_metadata_addresses_are_recognised(ip):
    assert is_metadata_address(ip)


@pytest.mark.parametrize("ip", ["127.0.0.1", "10.0.0.1", "8.8.8.8", "::1", "fd00::254", "not an ip"])
def test_other_addresses_are_not_metadata(ip):
    assert not is_metadata_address(ip)


# --------------------------------------------------------------------------- #
# Schemes and URLs
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://ftp.example.org/data.json",
        "gopher://example.org/",
        "javascript:alert(1)",
        "data:application/json,{}",
        "//example.org/data.json",
        "example.org/data.json",
    ],
)
def test_non_http_schemes_are_refused(url):
    with pytest.raises(FetchError, match="only http and https are allowed"):
        fetch(url, allow_private=True)


@pytest.mark.parametrize("url", ["http:///data.json", "http://127.0.0.1:99999/", "http://[::1/"])
def test_urls_without_a_usable_host_or_port_are_refused(url):
    with pytest.raises(FetchError, match="invalid URL"):
        fetch(url, allow_private=True)


def test_credentials_in_the_url_are_refused(server):
    with pytest.raises(FetchError, match="credentials"):
        fetch(server.url("/ok", host="user:secret@127.0.0.1"), allow_private=True)
    assert server.paths == []


# --------------------------------------------------------------------------- #
# Private addresses
# --------------------------------------------------------------------------- #


def test_loopback_server_is_refused_by_default(server):
    with pytest.raises(FetchError, match=re.escape("127.0.0.1: not a public address")):
        fetch(server.url("/ok"))
    assert server.paths == []


def test_localhost_name_is_refused_by_default(server):
    with pytest.raises(FetchError, match="not a public address"):
        fetch(server.url("/ok", host="localhost"))
    assert server.paths == []


def test_loopback_server_is_served_with_allow_private(server):
    assert fetch(server.url("/ok"), allow_private=True) == b'{"dataset": []}'


def test_metadata_address_is_refused_even_with_allow_private():
    with pytest.raises(FetchError, match=re.escape("169.254.169.254: a cloud metadata or link-local address")):
        fetch("http://169.254.169.254/latest/meta-data/", allow_private=True)


def test_a_name_resolving_to_any_private_address_is_refused_before_connecting(monkeypatch):
    fake_dns(monkeypatch, {"mixed.test": [["93.184.216.34", "10.0.0.5"]]})

    with pytest.raises(FetchError, match=re.escape("10.0.0.5: not a public address")):
        fetch("http://mixed.test/data.json")


def test_connection_goes_to_the_vetted_address_not_a_second_lookup(monkeypatch, server):
    # A rebinding DNS server answers 127.0.0.1 first, then the metadata address.
    lookups = fake_dns(monkeypatch, {"rebind.test": [["127.0.0.1"], ["169.254.169.254"]]})

    body = json.loads(fetch(server.url("/echo", host="rebind.test"), allow_private=True))

    assert lookups == ["rebind.test"]
    assert body["host"] == f"rebind.test:{server.port}"


def test_peer_address_of_the_socket_is_checked(monkeypatch, server):
    # DNS says public, but the connection lands on loopback (as a rebinding or
    # interception would make it): the peer check must catch it.
    fake_dns(monkeypatch, {"public.test": [["93.184.216.34"]]})
    real_create_connection = socket.create_connection

    def land_on_loopback(address, *args, **kwargs):
        return real_create_connection(("127.0.0.1", server.port), *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", land_on_loopback)

    with pytest.raises(FetchError, match=re.escape("127.0.0.1: not a public address")):
        fetch(f"http://public.test:{server.port}/ok")
    time.sleep(0.05)  # give the server a moment to log a request, had one been sent
    assert server.paths == []


# --------------------------------------------------------------------------- #
# Redirects
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
    ],
)
def test_redirect_to_metadata_is_refused_even_with_allow_private(server, target):
    with pytest.raises(FetchError, match="cloud metadata") as caught:
        fetch(server.url(f"/redirect?to={target}"), allow_private=True)
    assert caught.value.url == target


def test_redirect_to_a_private_address_is_refused(monkeypatch, server):
    # Pretend 127.0.0.1 is public so the first hop is allowed without allow_private;
    # the redirect to [::1] must then be checked on its own.
    real_is_public = fetch_module.is_public_address
    monkeypatch.setattr(fetch_module, "is_public_address", lambda ip: ip == "127.0.0.1" or real_is_public(ip))

    with pytest.raises(FetchError, match="::1: not a public address"):
        fetch(server.url(f"/redirect?to=http://[::1]:{server.port}/ok"))
    assert server.paths == [f"/redirect?to=http://[::1]:{server.port}/ok"]


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://ftp.example.org/x"])
def test_redirect_to_a_non_http_scheme_is_refused(server, target):
    with pytest.raises(FetchError, match="only http and https are allowed"):
        fetch(server.url(f"/redirect?to={target}"), allow_private=True)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_followed(server, status):
    body = fetch(server.url(f"/redirect?status={status}&to=/ok"), allow_private=True)

    assert body == b'{"dataset": []}'


def test_up_to_the_redirect_cap_is_followed(server):
    assert fetch(server.url(f"/hops/{MAX_REDIRECTS}"), allow_private=True) == b'{"hops": "done"}'


def test_too_many_redirects_are_refused(server):
    with pytest.raises(FetchError, match="too many redirects"):
        fetch(server.url(f"/hops/{MAX_REDIRECTS + 1}"), allow_private=True)
    assert len(server.paths) == MAX_REDIRECTS + 1


def test_redirect_without_location_is_an_error(server):
    with pytest.raises(FetchError, match="has no Location"):
        fetch(server.url("/redirect"), allow_private=True)


# --------------------------------------------------------------------------- #
# Responses
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("status", [400, 404, 410, 500, 503])
def test_http_error_status_raises_with_the_status(server, status):
    with pytest.raises(FetchError, match=f"HTTP {status}") as caught:
        fetch(server.url(f"/status/{status}"), allow_private=True)
    assert caught.value.status == status


def test_sends_the_civicboard_user_agent_by_default(server):
    body = json.loads(fetch(server.url("/echo"), allow_private=True))

    assert body["user_agent"] == DEFAULT_USER_AGENT == "CivicBoard catalog importer"


def test_sends_a_custom_user_agent(server):
    body = json.loads(fetch(server.url("/echo"), allow_private=True, user_agent="CivicBoard/test"))

    assert body["user_agent"] == "CivicBoard/test"


def test_non_ascii_path_is_percent_encoded(server):
    body = json.loads(fetch(server.url("/echo/données ouvertes?q=é"), allow_private=True))

    assert body["path"] == "/echo/donn%C3%A9es%20ouvertes?q=%C3%A9"


@pytest.fixture
def trust_test_certificate(monkeypatch):
    """Make fetch trust the test certificate (and nothing else), as a real CA would be trusted."""
    real_create_default_context = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda: real_create_default_context(cafile=TEST_CERT))


def test_https_is_fetched_from_the_pinned_address_with_the_name_verified(
    monkeypatch, tls_server, trust_test_certificate
):
    lookups = fake_dns(monkeypatch, {"catalog.test": [["127.0.0.1"], ["169.254.169.254"]]})

    body = json.loads(fetch(f"https://catalog.test:{tls_server.port}/echo", allow_private=True))

    assert body["host"] == f"catalog.test:{tls_server.port}"
    assert lookups == ["catalog.test"]


def test_https_certificate_for_another_name_is_refused(monkeypatch, tls_server, trust_test_certificate):
    fake_dns(monkeypatch, {"other.test": [["127.0.0.1"]]})

    with pytest.raises(FetchError, match=r"TLS failure talking to other\.test: .*certificate"):
        fetch(f"https://other.test:{tls_server.port}/ok", allow_private=True)


def test_https_certificate_from_an_untrusted_issuer_is_refused(monkeypatch, tls_server):
    fake_dns(monkeypatch, {"catalog.test": [["127.0.0.1"]]})

    with pytest.raises(FetchError, match="certificate verify failed"):
        fetch(f"https://catalog.test:{tls_server.port}/ok", allow_private=True)


def test_https_to_a_plain_http_server_is_a_tls_failure(server):
    with pytest.raises(FetchError, match="TLS failure"):
        fetch(f"https://127.0.0.1:{server.port}/ok", allow_private=True)


def test_refused_connection_is_a_fetch_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    with pytest.raises(FetchError, match="could not connect"):
        fetch(f"http://127.0.0.1:{free_port}/", allow_private=True)


# --------------------------------------------------------------------------- #
# Size and time limits
# --------------------------------------------------------------------------- #


def test_body_at_exactly_the_cap_is_accepted(server):
    assert len(fetch(server.url("/sized?bytes=1000"), allow_private=True, max_bytes=1000)) == 1000


def test_too_large_content_length_is_refused_before_reading(server):
    with pytest.raises(FetchError, match="1000000000 bytes declared, limit 1000"):
        fetch(server.url("/declared?bytes=1000000000"), allow_private=True, max_bytes=1000)


def test_streamed_body_without_length_is_cut_off_at_the_cap(server):
    with pytest.raises(FetchError, match="more than 1000 bytes"):
        fetch(server.url("/stream?bytes=1001"), allow_private=True, max_bytes=1000)


def test_size_cap_stops_reading_a_huge_stream_early(server):
    huge = 200 * 1024 * 1024
    started = time.monotonic()

    with pytest.raises(FetchError, match="too large"):
        fetch(server.url(f"/stream?bytes={huge}"), allow_private=True, max_bytes=64 * 1024)

    assert time.monotonic() - started < 2
    assert server.stream_done.wait(HANDLER_WAIT_LIMIT)
    # The server hit a closed connection long before it could send it all.
    assert server.sent < huge


def test_stuck_server_times_out_quickly(server):
    started = time.monotonic()

    with pytest.raises(FetchError, match="timed out"):
        fetch(server.url("/slow"), allow_private=True, timeout=(1, 0.3))

    assert time.monotonic() - started < 2


def test_trickling_server_hits_the_total_timeout(server):
    started = time.monotonic()

    with pytest.raises(FetchError, match=re.escape("no complete answer within 0.4 s")):
        fetch(server.url("/trickle"), allow_private=True, timeout=(1, 1), total_timeout=0.4)

    assert time.monotonic() - started < 2


def test_single_number_timeout_is_accepted(server):
    assert fetch(server.url("/ok"), allow_private=True, timeout=2) == b'{"dataset": []}'
