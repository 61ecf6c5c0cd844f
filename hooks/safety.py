"""Which endpoint URLs FirmSync will POST to: http(s) only, and, unless
HOOKS_ALLOW_PRIVATE_URLS is on, never a host that resolves to a private, loopback, link-local or
otherwise internal address (a webhook must not become a way into the network FirmSync runs in).
Checked when a subscription is saved and again before each send (DNS can change)."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

SCHEMES = ("http", "https")


def _internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def url_check(url: str) -> None:
    """Raise ValidationError (in words a person can act on) when `url` may not be used."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise ValidationError({"url": "Use an http:// or https:// URL with a host name."})
    if parts.username or parts.password:
        raise ValidationError({"url": "Leave user names and passwords out of the URL."})
    if settings.HOOKS_ALLOW_PRIVATE_URLS:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as exc:
        raise ValidationError({"url": f"The host {parts.hostname} cannot be found."}) from exc
    if any(_internal(str(info[4][0])) for info in found):
        raise ValidationError(
            {"url": f"{parts.hostname} is a private or local address; use a public one."}
        )
