"""Hosts on one machine as if on a network: each in its own network namespace, with one link
to PostgreSQL and one to Slack, either of which a test can cut and heal.

For tests of several `convene serve` hosts sharing one PostgreSQL server. The
links are veth pairs into two bridges on the machine: one where a PostgreSQL
server of the test's own listens (`PostgresServer`), one where the sandbox
does (`LinkedSandbox`). Cutting a link sets the machine's end of its veth
down: packets are dropped without a word either way, as when a cable is
pulled, so each side finds out only through its own timeouts. Needs root,
iproute2 and PostgreSQL's server binaries; `unavailable()` says what is missing.
"""

from __future__ import annotations

import ipaddress
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Literal, Self

from bot.devkit.sandbox import Call, SlackSandbox
from bot.devkit.sandbox.records import _Reply
from bot.devkit.sandbox.server import Answer, _Handler, _Server

PG_BIN = Path(os.environ.get("CONVENE_PG_BIN", "/usr/lib/postgresql/15/bin"))
Link = Literal["pg", "slack"]
LINKS: tuple[Link, ...] = ("pg", "slack")


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def unavailable() -> str | None:
    """Why hosts in network namespaces cannot be made here, or None if they can."""
    if os.geteuid() != 0:
        return "making network namespaces needs root"
    if shutil.which("ip") is None:
        return "needs iproute2's `ip` command"
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        return f"needs PostgreSQL's server binaries in {PG_BIN} (set CONVENE_PG_BIN)"
    if shutil.which("runuser") is None:
        return "needs runuser, to start PostgreSQL as the postgres user"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "needs a postgres user to run PostgreSQL as (it refuses to run as root)"
    probe = f"convene-probe-{os.getpid()}"
    try:
        _ip("netns", "add", probe)
        _ip("netns", "del", probe)
        _ip("link", "add", f"cvprobe{os.getpid() % 10000}", "type", "bridge")
        _ip("link", "del", f"cvprobe{os.getpid() % 10000}")
    except subprocess.CalledProcessError as exc:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True)
        return f"`ip {' '.join(exc.cmd[1:3])}` failed: {exc.stderr.strip()}"
    return None


def _free_subnets() -> tuple[ipaddress.IPv4Network, ipaddress.IPv4Network]:
    """Two /24s (for the database's link and Slack's) that no interface on the machine uses."""
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True, check=True).stdout
    while True:
        third = secrets.randbelow(256)
        nets = (ipaddress.IPv4Network(f"10.231.{third}.0/24"), ipaddress.IPv4Network(f"10.232.{third}.0/24"))
        if not any(f" {str(n.network_address)[:-1]}" in used for n in nets):
            return nets


class Network:
    """`hosts` network namespaces, each linked to a database bridge and a Slack bridge.

    Names carry a random tag, so runs side by side never meet; `close()` (or
    leaving the `with` block) removes every namespace, bridge and veth, also
    after a failure half-way through setting them up.
    """

    def __init__(self, hosts: int) -> None:
        self.tag = secrets.token_hex(2)
        self.hosts = hosts
        self.pg_net, self.slack_net = _free_subnets()
        self._made: list[tuple[str, str]] = []  # ("netns" | "link", name), to remove in reverse

    def namespace(self, host: int) -> str:
        return f"convene-{self.tag}-{host}"

    def _veth(self, host: int, link: Link) -> str:
        return f"cv{self.tag}{link[0]}{host}"

    def _bridge(self, link: Link) -> str:
        return f"cv{self.tag}{link[0]}"

    def _net(self, link: Link) -> ipaddress.IPv4Network:
        return self.pg_net if link == "pg" else self.slack_net

    def gateway(self, link: Link) -> str:
        """The machine's address on `link`'s bridge, where PostgreSQL or the sandbox listens."""
        return str(self._net(link).network_address + 1)

    def address(self, host: int, link: Link) -> str:
        """Host `host`'s own address on `link`."""
        return str(self._net(link).network_address + 10 + host)

    def run(self, host: int) -> list[str]:
        """The command prefix that runs a program inside host `host`'s namespace."""
        return ["ip", "netns", "exec", self.namespace(host)]

    def open(self) -> Self:
        try:
            for link in LINKS:
                bridge = self._bridge(link)
                _ip("link", "add", bridge, "type", "bridge")
                self._made.append(("link", bridge))
                _ip("addr", "add", f"{self.gateway(link)}/24", "dev", bridge)
                _ip("link", "set", bridge, "up")
            for host in range(self.hosts):
                ns = self.namespace(host)
                _ip("netns", "add", ns)
                self._made.append(("netns", ns))
                _ip("-n", ns, "link", "set", "lo", "up")
                for link in LINKS:
                    outer, inner = self._veth(host, link), f"cv{self.tag}{link[0]}{host}i"
                    _ip("link", "add", outer, "type", "veth", "peer", "name", inner)
                    self._made.append(("link", outer))
                    _ip("link", "set", inner, "netns", ns)
                    _ip("-n", ns, "link", "set", inner, "name", link)
                    _ip("-n", ns, "addr", "add", f"{self.address(host, link)}/24", "dev", link)
                    _ip("-n", ns, "link", "set", link, "up")
                    _ip("link", "set", outer, "master", self._bridge(link))
                    _ip("link", "set", outer, "up")
        except BaseException:
            self.close()
            raise
        return self

    def cut(self, host: int, link: Link) -> float:
        """Pull host `host`'s cable to `link`; return the moment (time.time()) it was pulled."""
        _ip("link", "set", self._veth(host, link), "down")
        return time.time()

    def heal(self, host: int, link: Link) -> None:
        _ip("link", "set", self._veth(host, link), "up")

    def close(self) -> None:
        while self._made:
            kind, name = self._made.pop()
            # Deleting a namespace deletes the veth ends inside it, and so their peers.
            subprocess.run(["ip", kind, "del", name], capture_output=True)

    def __enter__(self) -> Self:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _free_port(address: str) -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """A PostgreSQL server of the test's own, listening on `address` with trust authentication,
    its data in a temporary directory removed on `stop()`. Runs as the postgres user."""

    def __init__(self, address: str, *, database: str = "convene") -> None:
        self.address = address
        self.database = database
        self.port = _free_port(address)
        self._dir = Path(tempfile.mkdtemp(prefix="convene-pg-"))
        self._started = False

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{self.address}:{self.port}/{self.database}"

    def _as_postgres(self, *command: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(as_postgres, check=True, capture_output=True, text=True)

    def start(self) -> Self:
        try:
            shutil.chown(self._dir, user="postgres")
            data = self._dir / "data"
            initdb = [str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"]
            self._as_postgres(*initdb)
            with (data / "postgresql.conf").open("a") as conf:
                conf.write(
                    f"listen_addresses = '{self.address}'\nport = {self.port}\n"
                    f"unix_socket_directories = '{self._dir}'\nfsync = off\nsynchronous_commit = off\n"
                    "full_page_writes = off\nmax_connections = 200\n"
                )
            with (data / "pg_hba.conf").open("a") as hba:
                hba.write(f"host all all {self.address}/24 trust\n")
            log = self._dir / "server.log"
            self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "start")
            self._started = True
            where = ["-h", str(self._dir), "-p", str(self.port)]
            self._as_postgres(str(PG_BIN / "createdb"), *where, self.database)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._started:
            self._started = False
            stop = [str(PG_BIN / "pg_ctl"), "-D", str(self._dir / "data"), "-m", "immediate", "stop"]
            subprocess.run(["runuser", "-u", "postgres", "--", *stop], capture_output=True)
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class LinkedSandbox(SlackSandbox):
    """The sandbox on `address` rather than loopback, so hosts in other namespaces reach it.

    It also notes where each call came from (`peer_of`), so a test can tell
    which host sent what, and lets a test hold the answer to a call
    (`hold`), so that a cut can come between Slack doing the work and the
    bot hearing that it did.
    """

    def __init__(self, address: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.address = address
        self._peers: dict[int, tuple[str, str]] = {}
        self._current = threading.local()

    def start(self) -> Self:
        with self._lock:
            if self._server is None:
                server = _Server((self.address, 0), _Handler)
                server.sandbox = self
                serve = threading.Thread(target=server.serve_forever, name="slack-sandbox", daemon=True)
                serve.start()
                self._server, self._thread = server, serve
        return self

    @property
    def base_url(self) -> str:
        server = self._server
        if server is None:
            raise RuntimeError("the sandbox is not started; call start() first")
        return f"http://{self.address}:{server.server_address[1]}"

    def _handle_http(self, handler: BaseHTTPRequestHandler) -> Answer | None:
        self._current.peer = (handler.client_address[0], handler.path)
        return super()._handle_http(handler)

    def _record(self, method: str, params: dict[str, Any], reply: _Reply, now: Any) -> Call:
        call = super()._record(method, params, reply, now)
        self._peers[id(call)] = getattr(self._current, "peer", ("", ""))
        return call

    def peer_of(self, call: Call) -> str:
        """The address the call came from."""
        return self._peers.get(id(call), ("", ""))[0]

    def path_of(self, call: Call) -> str:
        """The path the call was made to (for a reply, the response_url it used)."""
        return self._peers.get(id(call), ("", ""))[1]

    def hold(self, matches: Callable[[Call, str], bool]) -> tuple[threading.Event, threading.Event]:
        """Hold the answer to the first call for which `matches(call, peer)` is true, once it is
        done and recorded; return (held, release): `held` is set when it arrives, and the answer
        goes out when the test sets `release`."""
        held, release = threading.Event(), threading.Event()

        def wait(call: Call) -> None:
            if not held.is_set() and matches(call, self.peer_of(call)):
                held.set()
                release.wait(timeout=60)

        self.subscribe(wait)
        return held, release
