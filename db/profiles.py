"""The applicant profile that /plan remembers: all SQL for ``applicant_profiles``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from bot.advice.planner import Profile
from db.database import Database


class ApplicantProfile(BaseModel):
    user_id: int
    profile: Profile | None = None
    reapplying: bool = False
    clinically_active: bool = True


async def get_profile(db: Database, user_id: int) -> ApplicantProfile:
    row = await db.fetchone(
        "SELECT profile, reapplying, clinically_active FROM applicant_profiles WHERE user_id = ?", (user_id,)
    )
    if row is None:
        return ApplicantProfile(user_id=user_id)
    return ApplicantProfile(
        user_id=user_id,
        profile=Profile(row["profile"]) if row["profile"] else None,
        reapplying=bool(row["reapplying"]),
        clinically_active=bool(row["clinically_active"]),
    )


async def save_profile(db: Database, profile: ApplicantProfile, *, now: datetime) -> None:
    await db.execute(
        "INSERT INTO applicant_profiles (user_id, profile, reapplying, clinically_active, updated_at)"
        " VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(user_id) DO UPDATE SET profile = excluded.profile, reapplying = excluded.reapplying,"
        " clinically_active = excluded.clinically_active, updated_at = excluded.updated_at",
        (
            profile.user_id,
            profile.profile.value if profile.profile else None,
            int(profile.reapplying),
            int(profile.clinically_active),
            now.isoformat(),
        ),
    )
