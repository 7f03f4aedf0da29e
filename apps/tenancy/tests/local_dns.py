"""A tiny authoritative DNS server on 127.0.0.1 for the domain verification tests (no network).

`records` maps a lowercase name (no trailing dot) to the TXT values served for it, or to SERVFAIL to
make the lookup fail as a broken resolver would. Any other name answers NXDOMAIN.
"""

import socket
import threading
from collections.abc import Iterator

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

SERVFAIL = "SERVFAIL"


class LocalDnsServer:
    def __init__(self) -> None:
        self.records: dict[str, list[str] | str] = {}
        self.queries: list[str] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> "LocalDnsServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, client = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            self.sock.sendto(self._answer(dns.message.from_wire(wire)).to_wire(), client)

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        self.queries.append(name)
        values = self.records.get(name)
        if values == SERVFAIL:
            response.set_rcode(dns.rcode.SERVFAIL)
        elif values is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.TXT and values:
            quoted = [f'"{value}"' for value in values]
            response.answer.append(dns.rrset.from_text(question.name, 300, "IN", "TXT", *quoted))
        return response


def dns_server_running(settings) -> Iterator[LocalDnsServer]:
    """For a `dns_server` fixture: a running local DNS server, and the resolver settings pointed at it."""
    server = LocalDnsServer().start()
    settings.DNS_RESOLVER_NAMESERVERS = ["127.0.0.1"]
    settings.DNS_RESOLVER_PORT = server.port
    settings.DNS_RESOLVER_TIMEOUT_SECONDS = 1.0
    yield server
    server.stop()
