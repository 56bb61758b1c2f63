"""Rule 25's address check (core.hosts): which resolved addresses a workspace's SMTP, IMAP and webhook
hosts may not reach while private hosts are not allowed (production)."""

import pytest

from core.hosts import HostRefused, resolve_public

INTERNAL = [
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata, link-local
    "100.64.0.1",  # carrier-grade NAT
    "100.100.100.200",  # a cloud's metadata service
    "0.0.0.0",  # noqa: S104 - an address to refuse, not one to bind
    "::1",
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "fd00::1",  # unique local
    "fe80::1",  # link-local
    "fd00:ec2::254",  # a cloud's metadata service over IPv6
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
]
# NAT64 addresses are all refused: Python counts 64:ff9b::/96 as reserved (inside ::/8).
PUBLIC = ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "2002:5db8:d70e::1"]


@pytest.fixture
def production(settings):
    settings.ALLOW_PRIVATE_HOSTS = False


@pytest.mark.parametrize("address", INTERNAL)
def test_an_internal_address_is_refused(production, address):
    with pytest.raises(HostRefused):
        resolve_public(address, 443)


@pytest.mark.parametrize("address", PUBLIC)
def test_a_public_address_passes(production, address):
    assert resolve_public(address, 443)


def test_everything_passes_while_private_hosts_are_allowed(settings):
    settings.ALLOW_PRIVATE_HOSTS = True
    assert resolve_public("127.0.0.1", 25)
