"""Where a webhook may be sent (SSRF guard) and the one POST, to the address that was checked.

A URL is refused unless it is http(s) and every address its host resolves to is public: not private, loopback,
link-local, multicast, reserved or unspecified (IPv4, IPv6, IPv4-mapped IPv6). Ops may allow private networks
(``WEBHOOKS_ALLOW_PRIVATE_NETWORKS``) or some hosts and networks (``WEBHOOKS_ALLOWED_HOSTS``). The check runs when
an endpoint is saved and again before each attempt (DNS may have changed); the request then goes to the address
that passed, so a second lookup cannot point it elsewhere."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings

EXCERPT_BYTES = 500


class RefusedURL(ValueError):
    pass


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    excerpt: str
    error: str


def _blocked(address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast or address.is_reserved or address.is_unspecified


def _allowed(host: str, address) -> bool:
    if settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS:
        return True
    for entry in settings.WEBHOOKS_ALLOWED_HOSTS:
        if entry.lower() == host:
            return True
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def resolve(url: str) -> Target:
    """The URL's target with the address to connect to; ``RefusedURL`` saying why not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise RefusedURL("Only http and https URLs are allowed.")
    host = (parts.hostname or "").lower()
    if not host:
        raise RefusedURL("The URL has no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise RefusedURL("The URL's port is not a number from 0 to 65535.") from None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise RefusedURL(f"The host “{host}” does not resolve.") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    for address in addresses:
        if _blocked(address) and not _allowed(host, address):
            raise RefusedURL(
                f"“{host}” resolves to {address}, a private, loopback, link-local, multicast or reserved address; "
                "webhooks go to public addresses only."
            )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, str(addresses[0]))


def post(target: Target, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to the checked address (TLS still verifies the host name); no redirect is followed."""
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    timeout = urllib3.Timeout(connect=settings.WEBHOOKS_CONNECT_TIMEOUT, read=settings.WEBHOOKS_READ_TIMEOUT)
    options = {"timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address, target.port, server_hostname=target.host, assert_hostname=target.host, **options
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, **options)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": host_header},
            redirect=False,
            preload_content=False,
        )
        try:
            excerpt = response.read(EXCERPT_BYTES, decode_content=False).decode("utf-8", "replace")
        finally:
            response.release_conn()
        return Answer(response.status, excerpt, "")
    except urllib3.exceptions.HTTPError as error:
        return Answer(None, "", _describe(error))
    finally:
        pool.close()


def _describe(error) -> str:
    if isinstance(error, urllib3.exceptions.TimeoutError):
        return "Timed out."
    reason = getattr(error, "reason", None) or error
    return f"{type(reason).__name__}: {reason}"[:300]
