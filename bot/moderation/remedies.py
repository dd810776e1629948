"""The seam for undoing actions on the platform (lift a timeout, unban, restore a removed message).

The Discord side implements `Remedies`; a failure is raised as `RemedyFailed` with a message a moderator
can act on (`unban: 403 Missing Permissions (50013)`).
"""

from __future__ import annotations

from typing import Protocol

from bot.records import Case


class RemedyFailed(Exception):
    pass


class Remedies(Protocol):
    async def lift_timeout(self, guild_id: int, user_id: int, reason: str) -> None: ...

    async def unban(self, guild_id: int, user_id: int, reason: str) -> None: ...

    async def restore(self, case: Case) -> int:
        """Repost a removed message as it was; returns the new message's id."""
        ...


class ThreadRemedies(Protocol):
    """What heat control needs to undo on a thread: read and set its slowmode, unlock it (posting `note` there)."""

    async def slowmode_delay(self, guild_id: int, channel_id: int) -> int:
        """The thread's slowmode now, in seconds (0: none)."""
        ...

    async def set_slowmode(self, guild_id: int, channel_id: int, seconds: int, reason: str) -> None: ...

    async def unlock(self, guild_id: int, channel_id: int, reason: str, note: str | None = None) -> None: ...
