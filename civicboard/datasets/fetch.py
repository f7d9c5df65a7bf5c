"""Fetch a catalog document over HTTP(S) without letting a URL reach internal services.

Catalog URLs are typed in by users, so a fetch is a server-side request forgery
risk: ``http://169.254.169.254/`` would read the cloud metadata service and
``http://localhost:6379/`` would talk to Redis. :func:`fetch` therefore:

* accepts only ``http`` and ``https`` URLs, on every redirect hop;
* resolves the host once, refuses the hop if *any* address is not public
  (:func:`is_public_address`), then connects to the vetted address itself and
  checks the socket's peer address, so a DNS answer that changes between check
  and connect (DNS rebinding) cannot slip through;
* follows at most :data:`MAX_REDIRECTS` redirects, itself, re-checking each;
* caps the body size (early on ``Content-Length``, and while streaming) and
  the time spent (connect, each read, and the whole fetch).

``allow_private=True`` lifts the public-address rule for development and
tests against a local server; cloud metadata addresses
(:func:`is_metadata_address`) stay refused even then.

Only the standard library is used: ``http.client`` lets us choose the address
we connect to, and unlike ``urllib.request`` it never consults proxy settings
from the environment, which would move the connection out of our control.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

__all__ = [
    "DEFAULT_USER_AGENT",
    "MAX_REDIRECTS",
    "FetchError",
    "fetch",
    "is_metadata_address",
    "is_public_address",
]

#: Redirect hops followed before giving up.
MAX_REDIRECTS = 5
DEFAULT_USER_AGENT = "CivicBoard catalog importer"

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK_SIZE = 64 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata and platform endpoints. The whole IPv4 link-local range is in
# here because AWS, GCP, Azure, OpenStack and ECS all serve metadata from it.
_METADATA_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "169.254.0.0/16",  # link-local: 169.254.169.254 (most clouds), 169.254.170.2 (ECS)
        "fd00:ec2::/32",  # AWS IMDS over IPv6 (fd00:ec2::254)
        "168.63.129.16/32",  # Azure WireServer: a public address, so list it explicitly
        "100.100.100.200/32",  # Alibaba Cloud metadata
        "192.0.0.192/32",  # Oracle Cloud metadata
    )
)

# IANA special-purpose ranges, spelled out rather than trusting only
# ipaddress.is_global, whose tables differ between Python patch releases.
_NON_PUBLIC_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/8",  # unspecified, loopback, IPv4-compatible and other reserved forms
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",  # IETF protocol assignments, Teredo included
        "2001:db8::/32",
        "3fff::/20",
        "5f00::/16",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)

_NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")


class FetchError(Exception):
    """A catalog could not be fetched, or was refused; the message says why.

    ``url`` is the URL of the hop that failed (after redirects, it differs from
    the one asked for) and ``status`` the HTTP status when the server answered
    with an error.
    """

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


# --------------------------------------------------------------------------- #
# Address policy
# --------------------------------------------------------------------------- #


def _as_address(ip: str | IPAddress) -> IPAddress:
    """Parse an address, dropping an IPv6 zone (``%eth0``), which says nothing about the range."""
    if isinstance(ip, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return ip
    return ipaddress.ip_address(str(ip).split("%", 1)[0])


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64 or 6to4), if any.

    ``::ffff:127.0.0.1`` reaches 127.0.0.1, so it must be judged as 127.0.0.1.
    """
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def is_metadata_address(ip: str | IPAddress) -> bool:
    """True for cloud metadata / link-local addresses, which are never fetched from.

    IPv4 addresses wrapped in IPv6 (``::ffff:169.254.169.254``) count too.
    A string that is not an IP address is not one.
    """
    try:
        address = _as_address(ip)
    except ValueError:
        return False
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        address = embedded
    return any(address in net for net in _METADATA_NETWORKS)


def is_public_address(ip: str | IPAddress) -> bool:
    """True only for a globally routable unicast address that is not a metadata endpoint.

    Loopback, private, shared (CGNAT), link-local, multicast, reserved,
    documentation, unspecified and metadata addresses are not public, nor are
    IPv6 forms that embed such an IPv4 address. A string that is not an IP
    address is not public either.
    """
    try:
        address = _as_address(ip)
    except ValueError:
        return False
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return is_public_address(embedded)
    if is_metadata_address(address) or any(address in net for net in _NON_PUBLIC_NETWORKS):
        return False
    special = (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )
    return address.is_global and not special


def _check_address(ip: str, *, allow_private: bool, url: str) -> None:
    """Raise FetchError unless the policy lets us connect to ``ip``."""
    try:
        _as_address(ip)
    except ValueError as exc:
        raise FetchError(f"refusing to connect to {ip!r}: not an IP address", url=url) from exc
    if is_metadata_address(ip):
        raise FetchError(f"refusing to connect to {ip}: a cloud metadata or link-local address", url=url)
    if not allow_private and not is_public_address(ip):
        raise FetchError(f"refusing to connect to {ip}: not a public address", url=url)


# --------------------------------------------------------------------------- #
# One hop
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class _Target:
    """The parts of a URL one request needs."""

    url: str
    scheme: str
    host: str
    port: int
    path: str


_UNSAFE_PATH_CHARS = re.compile(r"[^\x21-\x7e]")


def _parse_target(url: str) -> _Target:
    """Split and check a URL: http(s) only, a host, no credentials."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"invalid URL {url!r}: {exc}", url=url) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"refusing {scheme or 'scheme-less'} URL {url!r}: only http and https are allowed", url=url)
    if not parts.hostname:
        raise FetchError(f"invalid URL {url!r}: no host", url=url)
    if parts.username is not None or parts.password is not None:
        # They would be sent nowhere useful and could leak across redirects.
        raise FetchError(f"refusing URL {url!r}: credentials in URLs are not supported", url=url)
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise FetchError(f"invalid host in URL {url!r}: {exc}", url=url) from exc
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    # The request line must be ASCII without spaces: percent-encode the rest.
    path = _UNSAFE_PATH_CHARS.sub(lambda m: quote(m.group(), safe=""), path)
    default_port = 443 if scheme == "https" else 80
    return _Target(url=url, scheme=scheme, host=host, port=port or default_port, path=path)


def _resolve(target: _Target, *, allow_private: bool) -> list[str]:
    """Resolve the host once and vet every address; one bad address refuses the hop.

    Refusing on any bad answer (rather than picking a good one) is the simple,
    strict reading: a public name has no business resolving to 10.0.0.1.
    """
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {target.host}: {exc}", url=target.url) from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise FetchError(f"cannot resolve {target.host}: no addresses", url=target.url)
    for ip in addresses:
        _check_address(ip, allow_private=allow_private, url=target.url)
    return addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to vetted addresses, sending the URL's host name as Host.

    ``http.client`` would resolve the name again in ``connect()``; here we
    connect to the addresses vetted by :func:`_resolve` instead, and check the
    peer address of the connected socket before a byte is sent.
    """

    def __init__(
        self,
        target: _Target,
        addresses: list[str],
        *,
        connect_timeout: float,
        check_peer: Callable[[str], None],
    ) -> None:
        super().__init__(target.host, target.port, timeout=connect_timeout)
        self._url = target.url
        self._addresses = addresses
        self._check_peer = check_peer
        # http.client drops self.sock once the response is read to the end of
        # the headers on a closing connection; keep our own handle for timeouts.
        self.pinned_socket: socket.socket | None = None

    def open(self) -> socket.socket:
        """Connect now and return the socket, rather than letting http.client connect lazily."""
        sock = self._establish()
        self.sock = self.pinned_socket = sock
        return sock

    def connect(self) -> None:
        """http.client's hook for (re)connecting: go through the same vetted path."""
        self.open()

    def _establish(self) -> socket.socket:
        """The connected socket this flavour of connection talks over."""
        return self._open_socket()

    def _open_socket(self) -> socket.socket:
        """Try each vetted address in turn, as socket.create_connection does with names."""
        last_error: OSError | None = None
        for ip in self._addresses:
            try:
                sock = socket.create_connection((ip, self.port), self.timeout)
            except TimeoutError as exc:
                raise FetchError(f"timed out connecting to {self.host} ({ip})", url=self._url) from exc
            except OSError as exc:
                last_error = exc
                continue
            try:
                self._check_peer(str(sock.getpeername()[0]))
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except BaseException:
                sock.close()
                raise
            return sock
        raise FetchError(f"could not connect to {self.host}: {last_error}", url=self._url)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """The HTTPS flavour: TLS is verified against the URL's host name, not the address."""

    default_port = 443

    def __init__(
        self,
        target: _Target,
        addresses: list[str],
        *,
        connect_timeout: float,
        check_peer: Callable[[str], None],
        ssl_context: ssl.SSLContext,
    ) -> None:
        super().__init__(target, addresses, connect_timeout=connect_timeout, check_peer=check_peer)
        self._ssl_context = ssl_context

    def _establish(self) -> socket.socket:
        """Open the socket, then the TLS session (the handshake runs under the connect timeout)."""
        sock = self._open_socket()
        try:
            return self._ssl_context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def _open_connection(
    target: _Target,
    addresses: list[str],
    *,
    connect_timeout: float,
    allow_private: bool,
    ssl_context: ssl.SSLContext,
) -> _PinnedHTTPConnection:
    """A not-yet-connected connection for the target, pinned to its vetted addresses."""

    def check_peer(ip: str) -> None:
        _check_address(ip, allow_private=allow_private, url=target.url)

    if target.scheme == "https":
        return _PinnedHTTPSConnection(
            target, addresses, connect_timeout=connect_timeout, check_peer=check_peer, ssl_context=ssl_context
        )
    return _PinnedHTTPConnection(target, addresses, connect_timeout=connect_timeout, check_peer=check_peer)


@dataclass
class _Budget:
    """The time a whole fetch may take, redirects included."""

    total: float
    deadline: float

    @classmethod
    def start(cls, total: float) -> _Budget:
        """A budget of ``total`` seconds from now."""
        return cls(total=total, deadline=time.monotonic() + total)

    def expired(self) -> bool:
        """Whether the time is up."""
        return time.monotonic() >= self.deadline

    def exhausted(self, url: str) -> FetchError:
        """The error for a fetch that ran out of time."""
        return FetchError(f"gave up on {url}: no complete answer within {self.total:g} s", url=url)

    def cap(self, timeout: float, url: str) -> float:
        """``timeout``, shortened to what is left; raise once nothing is."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self.exhausted(url)
        return min(timeout, left)


def _read_body(
    response: http.client.HTTPResponse,
    sock: socket.socket,
    *,
    url: str,
    max_bytes: int,
    read_timeout: float,
    budget: _Budget,
) -> bytes:
    """Read the body in chunks, stopping as soon as it exceeds ``max_bytes`` or time runs out."""
    declared = response.getheader("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise FetchError(f"{url} is too large: {int(declared)} bytes declared, limit {max_bytes}", url=url)
    chunks: list[bytes] = []
    size = 0
    while True:
        # read1 returns after one socket read, so a server trickling bytes
        # cannot keep a single call alive past the deadline.
        sock.settimeout(budget.cap(read_timeout, url))
        chunk = response.read1(_CHUNK_SIZE)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{url} is too large: more than {max_bytes} bytes", url=url)
        chunks.append(chunk)


def _redirect_location(response: http.client.HTTPResponse, url: str) -> str:
    """The absolute URL a redirect points to, without its fragment."""
    location = response.getheader("Location")
    if not location or not location.strip():
        raise FetchError(f"redirect from {url} has no Location", url=url, status=response.status)
    return urljoin(url, location.strip()).split("#", 1)[0]


def _send(
    conn: _PinnedHTTPConnection, target: _Target, *, user_agent: str, read_timeout: float
) -> tuple[http.client.HTTPResponse, socket.socket]:
    """Connect, send the GET and read the status line and headers.

    Returns the response and the socket it reads from, whose timeout the body
    reader keeps adjusting.
    """
    sock = conn.open()
    sock.settimeout(read_timeout)
    conn.request(
        "GET",
        target.path,
        headers={
            "User-Agent": user_agent,
            "Accept": "application/json, */*;q=0.5",
            # We do not decompress, so ask for the body as it is.
            "Accept-Encoding": "identity",
            "Connection": "close",
        },
    )
    return conn.getresponse(), sock


@dataclass(frozen=True)
class _Options:
    """The settings of one fetch call, shared by its hops."""

    connect_timeout: float
    read_timeout: float
    max_bytes: int
    allow_private: bool
    user_agent: str
    budget: _Budget
    ssl_context: ssl.SSLContext


def _fetch_hop(url: str, options: _Options) -> bytes | str:
    """One request: the body of a 2xx answer (bytes), or where a redirect points (str)."""
    target = _parse_target(url)
    addresses = _resolve(target, allow_private=options.allow_private)
    budget = options.budget
    conn = _open_connection(
        target,
        addresses,
        connect_timeout=budget.cap(options.connect_timeout, url),
        allow_private=options.allow_private,
        ssl_context=options.ssl_context,
    )
    try:
        response, sock = _send(
            conn, target, user_agent=options.user_agent, read_timeout=budget.cap(options.read_timeout, url)
        )
        if response.status in _REDIRECT_STATUSES:
            return _redirect_location(response, url)
        if not 200 <= response.status < 300:
            message = f"{url} answered HTTP {response.status} {response.reason}".rstrip()
            raise FetchError(message, url=url, status=response.status)
        return _read_body(
            response,
            sock,
            url=url,
            max_bytes=options.max_bytes,
            read_timeout=options.read_timeout,
            budget=budget,
        )
    except TimeoutError as exc:
        if budget.expired():
            # The socket timeout had been shortened to fit the budget: the budget ran out.
            raise budget.exhausted(url) from exc
        raise FetchError(f"timed out waiting for {target.host}", url=url) from exc
    except ssl.SSLError as exc:
        raise FetchError(f"TLS failure talking to {target.host}: {exc}", url=url) from exc
    except (http.client.HTTPException, OSError) as exc:
        raise FetchError(f"bad answer from {target.host}: {exc!r}", url=url) from exc
    finally:
        conn.close()
        if conn.pinned_socket is not None:
            conn.pinned_socket.close()


# --------------------------------------------------------------------------- #
# Entry point
# --------------------------------------------------------------------------- #


def fetch(
    url: str,
    *,
    timeout: float | tuple[float, float] = (5, 30),
    max_bytes: int = 50 * 1024 * 1024,
    allow_private: bool = False,
    user_agent: str = DEFAULT_USER_AGENT,
    total_timeout: float = 120.0,
) -> bytes:
    """GET ``url`` and return the body, refusing anything unsafe; raises :class:`FetchError`.

    ``timeout`` is ``(connect, read)`` seconds, or one number for both; the
    read timeout applies to each wait for data, and ``total_timeout`` bounds
    the whole fetch, redirects included, so a server trickling bytes cannot
    hold a worker. Bodies over ``max_bytes`` are refused. ``allow_private``
    permits loopback and private addresses (never metadata endpoints).

    Only a 2xx answer returns; redirects (301, 302, 303, 307, 308) are
    followed up to :data:`MAX_REDIRECTS` times, each hop checked like the first.
    """
    connect_timeout, read_timeout = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    options = _Options(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_bytes=max_bytes,
        allow_private=allow_private,
        user_agent=user_agent,
        budget=_Budget.start(total_timeout),
        ssl_context=ssl.create_default_context(),
    )
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        outcome = _fetch_hop(current, options)
        if isinstance(outcome, bytes):
            return outcome
        current = outcome
    raise FetchError(f"too many redirects: more than {MAX_REDIRECTS}, last to {current}", url=current)
