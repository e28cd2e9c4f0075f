"""Behind a reverse proxy: the client's address and scheme as the proxy reports them — believed
only from a proxy named in ADVISOR_TRUSTED_PROXIES.

nginx in front of `advisor serve` connects from its own address, so to the app every client is
the proxy: POST /api/v1/ask's loopback check must refuse them all (json_api.authorize), the
console's login throttle counts every client as one, and the access log names nobody.
X-Forwarded-For says who the client is, but anyone can send it. So it is read only when the peer
that connected is a trusted proxy, from the right (the entries the proxies appended) leftwards,
up to the first address that is not itself a trusted proxy: a client's own forged entries, further
left, are never reached. (werkzeug's ProxyFix trusts a fixed number of hops from whoever
connects; it cannot tell a proxy from a client that reached gunicorn's port directly.)

The environ is rewritten in place, so gunicorn's access log (which reads it after the app) names
the client too. A request rewritten here loses the two headers it was rewritten from; a request
from any other peer is passed on untouched, and json_api still refuses a loopback caller that
carries forwarding headers.
"""
from __future__ import annotations

import ipaddress
from typing import Iterable

from flask import Flask

from knowledge import settings

FORWARDED_FOR, FORWARDED_PROTO = "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO"
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def init_app(app: Flask) -> None:
    """Wrap the app in TrustedProxies when ADVISOR_TRUSTED_PROXIES names any proxy; else nothing."""
    trusted = app.config.get("ADVISOR_TRUSTED_PROXIES") or ()
    networks = settings.proxy_networks(trusted) if isinstance(trusted, str) else tuple(trusted)
    if networks:
        app.wsgi_app = TrustedProxies(app.wsgi_app, networks)


def address(text: str | None) -> Address | None:
    """The IP address in `text` (an IPv4-mapped IPv6 one as IPv4), None when it is not one."""
    try:
        parsed = ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None
    return getattr(parsed, "ipv4_mapped", None) or parsed


class TrustedProxies:
    """WSGI middleware: REMOTE_ADDR and wsgi.url_scheme from a trusted proxy's forwarding headers."""

    def __init__(self, app, networks: Iterable[Network]):
        self.app = app
        self.networks = tuple(networks)

    def __call__(self, environ: dict, start_response):
        if self.trusted(address(environ.get("REMOTE_ADDR"))):
            self._apply(environ)
        return self.app(environ, start_response)

    def trusted(self, peer: Address | None) -> bool:
        return peer is not None and any(peer in network for network in self.networks)

    def client(self, forwarded_for: str, peer: str) -> str | None:
        """The rightmost hop that is not a trusted proxy (the leftmost when all are, the peer when
        none is named); None when a hop the walk reaches is not an address — then nobody is believed."""
        found = peer
        for hop in reversed([hop for hop in forwarded_for.split(",") if hop.strip()]):
            hop_address = address(hop)
            if hop_address is None:
                return None
            found = str(hop_address)
            if not self.trusted(hop_address):
                break
        return found

    def _apply(self, environ: dict) -> None:
        client = self.client(environ.get(FORWARDED_FOR, ""), environ["REMOTE_ADDR"])
        if client is None:
            return
        scheme = environ.get(FORWARDED_PROTO, "").rsplit(",", 1)[-1].strip().lower()  # what our peer saw
        environ["REMOTE_ADDR"] = client
        if scheme in ("http", "https"):
            environ["wsgi.url_scheme"] = scheme
        environ.pop(FORWARDED_FOR, None)
        environ.pop(FORWARDED_PROTO, None)
