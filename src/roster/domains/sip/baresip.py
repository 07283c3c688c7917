"""A SIP user agent driven over baresip's control interface (ctrl_tcp: netstring-framed JSON on
127.0.0.1). The call-back sign-in robot (SIPL-20) is one; the SIP tests' phones are others.

baresip does SIP, RTP, codecs and RFC 2833 DTMF; this module only starts it with a generated
configuration and exchanges commands and events with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_MODULES = ("g711.so", "aufile.so", "aubridge.so")


def free_port_pair() -> int:
    """A port p with p and p+1 free on 127.0.0.1 (UDP and TCP): baresip listens on p for UDP
    and TCP and on p+1 for TLS."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port > 65000:
            continue
        try:
            for p in (port, port + 1):
                for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                    with socket.socket(socket.AF_INET, kind) as s:
                        s.bind(("127.0.0.1", p))
        except OSError:
            continue
        return port


def _free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Account:
    """A SIP account: ``user@domain`` authenticated with ``password`` through ``proxy``."""

    user: str
    domain: str
    password: str
    proxy: str  # e.g. "sip:127.0.0.1:5060" or "sip:127.0.0.1:5061;transport=tls"
    register: bool = True

    def line(self) -> str:
        regint = 600 if self.register else 0
        return (f"<sip:{self.user}@{self.domain}>;auth_user={self.user};auth_pass={self.password};"
                f"outbound=\"{self.proxy}\";regint={regint};answermode=manual;"
                f"audio_codecs=PCMU,PCMA")


@dataclass
class Baresip:
    """One baresip process. ``audio_source``: the WAV file (8 kHz mono, 16 bit) it sends;
    ``record_dir``: where it writes what it hears (sndfile), or None."""

    workdir: Path
    account: Account
    audio_source: Path
    record_dir: Path | None = None
    binary: str = "baresip"
    events: asyncio.Queue = field(default_factory=asyncio.Queue)
    _proc: asyncio.subprocess.Process | None = None
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None
    _task: asyncio.Task | None = None
    _responses: asyncio.Queue = field(default_factory=asyncio.Queue)

    def _config(self, sip_port: int, ctrl_port: int) -> str:
        modules = list(_MODULES) + (["sndfile.so"] if self.record_dir else [])
        lines = [
            "poll_method epoll",
            f"sip_listen 127.0.0.1:{sip_port}",
            "dns_server 127.0.0.1:53",  # never resolve through another address
            f"audio_source aufile,{self.audio_source}",
            "audio_player aubridge,nowhere",
            "audio_alert aubridge,nowhere",
            "audio_srate 8000",
            "audio_channels 1",
            "rtp_ports 20000-39999",
            f"module_path {self.binary_module_path()}",
            *[f"module {m}" for m in modules],
            "module_app account.so",
            "module_app menu.so",
            "module_app ctrl_tcp.so",
            f"ctrl_tcp_listen 127.0.0.1:{ctrl_port}",
        ]
        if self.record_dir:
            lines.append(f"snd_path {self.record_dir}")
        return "\n".join(lines) + "\n"

    @staticmethod
    def binary_module_path() -> str:
        return "/usr/lib/baresip/modules"

    async def start(self, timeout: float = 10.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.record_dir:
            self.record_dir.mkdir(parents=True, exist_ok=True)
        sip_port, ctrl_port = free_port_pair(), _free_tcp_port()
        (self.workdir / "config").write_text(self._config(sip_port, ctrl_port))
        (self.workdir / "accounts").write_text(self.account.line() + "\n")
        (self.workdir / "accounts").chmod(0o600)
        log = (self.workdir / "baresip.log").open("ab")
        self._proc = await asyncio.create_subprocess_exec(
            self.binary, "-f", str(self.workdir), stdin=asyncio.subprocess.DEVNULL,
            stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._reader, self._writer = await asyncio.open_connection("127.0.0.1", ctrl_port)
                break
            except OSError:
                if self._proc.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"baresip did not start (see {self.workdir}/baresip.log)") from None
                await asyncio.sleep(0.05)
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._reader is not None
        try:
            while True:
                length = await self._reader.readuntil(b":")
                data = await self._reader.readexactly(int(length[:-1]) + 1)
                message = json.loads(data[:-1])
                if message.get("event"):
                    message["at"] = time.monotonic()
                    await self.events.put(message)
                elif message.get("response"):
                    await self._responses.put(message)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            return

    async def command(self, command: str, params: str | None = None, timeout: float = 5) -> str:
        assert self._writer is not None
        body: dict[str, Any] = {"command": command, "token": command}
        if params is not None:
            body["params"] = params
        raw = json.dumps(body).encode()
        self._writer.write(str(len(raw)).encode() + b":" + raw + b",")
        await self._writer.drain()
        answer = await asyncio.wait_for(self._responses.get(), timeout)
        if not answer.get("ok"):
            raise RuntimeError(f"baresip {command}: {answer.get('data')}")
        return answer.get("data", "")

    async def event(self, *types: str, timeout: float = 10.0) -> dict:
        """The next event of one of these types (others are dropped)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {'/'.join(types)} event within {timeout} s")
            message = await asyncio.wait_for(self.events.get(), left)
            if message.get("type") in types:
                return message

    async def registered(self, timeout: float = 10.0) -> None:
        """Wait until the registrar accepted the account (the REGISTER may have been answered
        before the control connection was up, so ask rather than wait for the event)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = await self.command("reginfo")
            if " OK " in info.replace("\x1b[32m", " ").replace("\x1b[;m", " "):
                return
            await asyncio.sleep(0.1)
        raise TimeoutError(f"not registered within {timeout} s: {info!r}")

    async def dial(self, uri: str) -> None:
        await self.command("dial", uri)

    async def accept(self) -> None:
        await self.command("accept")

    async def hangup(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError):
            await self.command("hangup")

    async def send_dtmf(self, digits: str) -> None:
        """RFC 2833 telephone-events, one per digit."""
        for digit in digits:
            await self.command("sndcode", digit)
            await asyncio.sleep(0.25)

    async def stop(self) -> None:
        if self._proc is None:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.command("quit"), 2)
        with contextlib.suppress(ProcessLookupError):
            self._proc.terminate()
        try:
            await asyncio.wait_for(self._proc.wait(), 5)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()
            await self._proc.wait()
        if self._task is not None:
            self._task.cancel()
        if self._writer is not None:
            self._writer.close()
        self._proc = None
