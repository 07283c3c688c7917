from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from roster.db import Base, Timestamped


class Skill(Timestamped, Base):
    """A skill of the tenant catalogue (FCC-50)."""

    __tablename__ = "skills"
    __audit__ = "skill"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(String(500))


class UserSkill(Base):
    """A user's level in a skill: an association with a rule of its own (level 1-5)."""

    __tablename__ = "user_skills"
    __audit__ = "user_skill"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"),
                                          primary_key=True, index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    level: Mapped[int]
