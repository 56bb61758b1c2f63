"""Hosts a workspace configures (SMTP, IMAP, webhook URLs) may not reach our own networks (rule 25).

The check is on the address the name resolves to at connect time, and the connection is made to that
checked address, so a name that resolves to a public address when saved and to 127.0.0.1 later (DNS
rebinding) is still refused. ``settings.ALLOW_PRIVATE_HOSTS`` lifts it (development and tests).
"""

import ipaddress
import socket

from django.conf import settings

# Cloud metadata services that are not in a private or link-local range.
METADATA_ADDRESSES = {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}


class HostRefused(OSError):
    """The host resolves to an address a workspace may not reach, or does not resolve."""


# IPv6 prefixes that carry an IPv4 address a gateway may forward to: NAT64 (RFC 6052) and 6to4 (RFC 3056).
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None and _is_internal(embedded):
            return True
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address in METADATA_ADDRESSES
        or address in ipaddress.ip_network("100.64.0.0/10")
    )


def resolve_public(host: str, port: int) -> list[tuple]:
    """``getaddrinfo`` results for ``host`` (TCP), refused with ``HostRefused`` if any address is internal
    (unless private hosts are allowed). Every address must pass: a name that also points inside is refused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise HostRefused(f"{host} does not resolve.") from exc
    if not settings.ALLOW_PRIVATE_HOSTS:
        for *_, sockaddr in infos:
            address = ipaddress.ip_address(sockaddr[0].split("%")[0])
            if _is_internal(address):
                raise HostRefused(f"{host} resolves to {address}, an internal address, which is not allowed.")
    return infos


def connect_public(host: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to ``host`` on one of its checked addresses (the first that answers)."""
    error: OSError = HostRefused(f"{host} has no address.")
    for family, kind, proto, _, sockaddr in resolve_public(host, port):
        sock = socket.socket(family, kind, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
        except OSError as exc:
            sock.close()
            error = exc
        else:
            return sock
    raise error
