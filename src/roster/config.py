"""Settings, read from the environment (prefix ROSTER_) or a .env file."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROSTER_", env_file=".env", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""
    # The key for PIN and password fingerprints. It must live outside the database: a dump of the
    # database alone must not be enough to test PIN guesses offline. When unset it is generated
    # once into <data_dir>/secret.key (mode 0600).
    secret_key: str = ""
    public_base_url: str = "http://127.0.0.1:8000"
    token_ttl_s: int = 8 * 3600
    lockout_attempts: int = 6
    lockout_seconds: int = 300
    address_attempts_per_minute: int = 30
    invitation_ttl_s: int = 72 * 3600
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "roster@localhost"
    # "smtp": mail goes to smtp_host:smtp_port. "console": mail is written to the log instead (a
    # development mode: `roster demo` uses it when no ROSTER_SMTP_HOST is set).
    mail_mode: Literal["smtp", "console"] = "smtp"
    smtp_timeout_s: float = Field(default=15, gt=0)
    # The outbox dispatcher (mail, webhooks): how often it looks for due messages, how long a
    # claimed message is reserved for the dispatcher that claimed it (after that another takes it
    # over: one killed mid-delivery loses nothing), retries with exponential backoff and jitter
    # from outbox_backoff_s up to outbox_backoff_max_s, and the attempts before it gives up.
    outbox_poll_s: float = Field(default=1.0, gt=0)
    outbox_lease_s: float = Field(default=60, gt=0)
    outbox_backoff_s: float = Field(default=2, gt=0)
    outbox_backoff_max_s: float = Field(default=900, gt=0)
    outbox_max_attempts: int = Field(default=10, ge=1)
    # FCC-13: passwords refused because another user holds them, per actor and window.
    password_refusals: int = Field(default=5, ge=1)
    password_refusal_window_s: int = Field(default=15 * 60, ge=1)
    greeting_max_bytes: int = 5 * 1024 * 1024
    avatar_max_bytes: int = 2 * 1024 * 1024
    avatar_max_side: int = 512
    # Kamailio's JSON-RPC (POST .../RPC). Empty: http://127.0.0.1:<kamailio_http_port>/RPC;
    # "off": registrations are not dropped after user changes (tests without Kamailio).
    kamailio_rpc_url: str = ""
    kamailio_sip_port: int = 5060
    kamailio_http_port: int = 5071
    # SIP over WebSocket (plain ws://, on 127.0.0.1). kamailio_ws_url is the address given to web
    # phones (webphone-config); empty: ws://127.0.0.1:<kamailio_ws_port>. Set it to the public
    # address (e.g. a wss:// proxy in front of Kamailio) in a deployment.
    kamailio_ws_port: int = 5066
    kamailio_ws_url: str = ""
    # Bearer secret Kamailio sends to POST /api/v1/sip/feature-code. When unset it is generated
    # once into <data_dir>/sip-callback.key, which `roster sip` renders into Kamailio's config.
    sip_callback_secret: str = ""
    # Where Kamailio reaches Roster's API (http_client); loopback only.
    sip_callback_base_url: str = ""
    # Kamailio worker processes. On SQLite 1 is used whatever this says: db_sqlite 5.6 has no
    # busy timeout, so two Kamailio writers to the same file fail with "database is locked".
    kamailio_children: int = Field(default=4, ge=1, le=32)
    kamailio_runtime_dir: Path | None = None
    kamailio_binary: str = "kamailio"
    kamailio_module_path: str = "/usr/lib/x86_64-linux-gnu/kamailio/modules"
    kamailio_log_level: int = Field(default=2, ge=-5, le=4)
    # Where Kamailio listens: "proto:host:port" entries (udp, tcp, tls, ws, wss), comma-separated.
    # Empty: udp on 127.0.0.1:<kamailio_sip_port> and ws on 127.0.0.1:<kamailio_ws_port>.
    sip_listen: str = ""
    # The address put in Via/Record-Route/Contact instead of the listening one (NAT), "host[:port]".
    sip_advertise: str = ""
    # TLS certificate and key (PEM) for tls/wss listeners.
    sip_tls_certificate: Path | None = None
    sip_tls_private_key: Path | None = None
    # Outbound gateway for forwarding numbers and external calls, e.g. "sip:10.0.0.5:5060";
    # empty: external numbers are not dialled (404).
    sip_gateway: str = ""
    # Kamailio keeps Roster's answers for calls to users this long (0: ask Roster every call);
    # Roster flushes them after every change that could alter one.
    sip_route_cache_s: int = Field(default=60, ge=0, le=3600)
    # Media relaying through rtpengine (NG control socket, e.g. "udp:127.0.0.1:2223"); empty: off.
    sip_rtpengine: str = ""
    # Brute-force defence: a source with this many failed digest authentications within the window
    # is refused for sip_source_ban_s; an account failing this often from anywhere is locked for
    # lockout_seconds, like a panel sign-in.
    sip_source_failures: int = Field(default=10, ge=1)
    sip_source_window_s: int = Field(default=60, ge=1)
    sip_source_ban_s: int = Field(default=300, ge=1)
    sip_account_failures: int = Field(default=20, ge=1)
    sip_account_window_s: int = Field(default=600, ge=1)
    # Queue distribution: how far back a member's offered calls count as its load (OKI-32).
    queue_load_window_s: int = Field(default=3600, ge=60)
    # SIP call-back sign-in (SIPL-20)
    sip_callback_code_ttl_s: int = Field(default=120, ge=10)
    sip_callback_attempts: int = Field(default=3, ge=1)
    sip_callback_per_address_per_hour: int = Field(default=5, ge=1)
    sip_callback_per_source_per_hour: int = Field(default=20, ge=1)
    baresip_binary: str = "baresip"
    espeak_binary: str = "espeak-ng"
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_memory_kib: int = Field(default=19456, ge=1024)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'roster.db').resolve()}"

    def resolved_rpc_url(self) -> str | None:
        if self.kamailio_rpc_url == "off":
            return None
        return self.kamailio_rpc_url or f"http://127.0.0.1:{self.kamailio_http_port}/RPC"

    def resolved_ws_url(self) -> str:
        return self.kamailio_ws_url or f"ws://127.0.0.1:{self.kamailio_ws_port}"

    def resolved_sip_callback_secret(self) -> str:
        if self.sip_callback_secret:
            return self.sip_callback_secret
        path = self.data_dir / "sip-callback.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()

    def resolved_secret_key(self) -> bytes:
        if self.secret_key:
            return self.secret_key.encode()
        path = self.data_dir / "secret.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip().encode()


@lru_cache
def get_settings() -> Settings:
    return Settings()
