"""Settings, read from the environment (prefix ROSTER_) or a .env file."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

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
    greeting_max_bytes: int = 5 * 1024 * 1024
    avatar_max_bytes: int = 2 * 1024 * 1024
    avatar_max_side: int = 512
    kamailio_rpc_url: str = ""
    kamailio_sip_port: int = 5060
    kamailio_http_port: int = 5071
    kamailio_ws_url: str = ""
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_memory_kib: int = Field(default=19456, ge=1024)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'roster.db').resolve()}"

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
