"""Errors raised at the seams between packages (by storage, caught by services and the adapter)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.records import Appeal, ReviewItem


class DatabaseError(RuntimeError):
    """The database cannot be used: missing, not a modbot database, unreadable, or from a newer modbot.
    The message is one line naming the file and what to do; the CLI prints it as it is and exits 1."""


class CaseNotFound(LookupError):
    pass


class ReviewNotFound(LookupError):
    pass


class ReviewAlreadyDecided(RuntimeError):
    """A second moderator clicked after the first: the first verdict stands."""

    def __init__(self, item: ReviewItem) -> None:
        super().__init__(f"review item {item.id} was already {item.status.value}")
        self.item = item


class AppealNotFound(LookupError):
    pass


class AppealExists(RuntimeError):
    """The case already has an open appeal."""


class AppealAlreadyDecided(RuntimeError):
    def __init__(self, appeal: Appeal) -> None:
        super().__init__(f"appeal {appeal.id} was already {appeal.status.value}")
        self.appeal = appeal
