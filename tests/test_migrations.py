"""The schema is made only by migrations: they match the models and go down and up cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parents[1]


def _config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = url
    return cfg


def test_migrations_match_models_and_round_trip(tmp_path):
    cfg = _config(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    command.upgrade(cfg, "head")
    command.check(cfg)  # raises if the models and the migrated schema differ
    command.downgrade(cfg, "base")
    command.upgrade(cfg, "head")
    command.check(cfg)


def test_migrated_schema_matches_models(backend):
    """Runs once per backend (the suite's databases are migrated at session start)."""
    command.check(_config(backend.url))
