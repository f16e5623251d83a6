"""Where the service may send requests of its own (webhook deliveries): never to the machine
itself, the private networks behind it or the cloud's metadata address (SSRF), unless a
setting allows private addresses (tests, development).

A host name is resolved and every address it resolves to is checked; the caller then connects
to the checked address itself (`Destination.address`), so that a name resolving to a public
address when checked and to a private one a moment later (DNS rebinding) gains nothing."""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
RESOLVE_SECONDS = 5


class UnsafeDestination(Exception):
    """The URL may not be called; the message says why (shown to the firm)."""


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    address: Address


def is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def parse(url: str, *, allow_private: bool) -> tuple[str, str, int]:
    """The scheme, host and port of an absolute http(s) URL; only https unless private
    addresses are allowed. No credentials in the URL (they would be sent to the receiver)."""
    if any(c.isspace() or not c.isprintable() for c in url):
        raise UnsafeDestination("the URL must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (parsed on access: a bad port raises here)
    except ValueError:
        raise UnsafeDestination("not a valid URL") from None
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed:
        schemes = " or ".join(f"{s}://" for s in allowed)
        raise UnsafeDestination(f"the URL must start with {schemes}")
    if parts.username or parts.password:
        raise UnsafeDestination("the URL must not carry credentials")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if not parts.hostname:
        raise UnsafeDestination("the URL has no host")
    return parts.scheme, parts.hostname, port


async def resolve(url: str, *, allow_private: bool) -> Destination:
    """The URL's destination, one checked address of its host, or `UnsafeDestination`."""
    scheme, host, port = parse(url, allow_private=allow_private)
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            found = await asyncio.wait_for(
                asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM),
                RESOLVE_SECONDS,
            )
        except (OSError, UnicodeError, TimeoutError):
            raise UnsafeDestination(f"the host {host} does not resolve") from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]
    if not addresses:
        raise UnsafeDestination(f"the host {host} does not resolve")
    if not allow_private:
        refused = sorted({str(a) for a in addresses if not is_public(a)})
        if refused:
            raise UnsafeDestination(
                f"the host {host} resolves to a private, loopback, link-local, multicast or "
                f"reserved address ({', '.join(refused)})"
            )
    return Destination(scheme, host, port, addresses[0])
