"""Heat control's undos, kept in storage so that they survive a restart: unlock a thread when its `lock 2h` ends,
and, when a heat case is reversed, unlock now or set the slowmode back to what it was before.

At start `start()` runs the overdue undos at once and schedules the others: one asyncio task per undo that sleeps
until it is due (no polling). `sleep` and `clock` are ports, so tests move time themselves. Each undo is recorded
on its case as a note (in the case log's hash chain) and reported to the mod log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.durations import format_duration
from bot.moderation.ports import CaseNotes, TimedActionStore
from bot.moderation.remedies import RemedyFailed, ThreadRemedies
from bot.protocols import Clock
from bot.records import HEAT_USER_ID, ActionKind, Case, TimedAction, TimedKind

log = logging.getLogger("modbot.decision")

Sleep = Callable[[float], Awaitable[None]]
Report = Callable[[str], Awaitable[object]]
RETRY_S = 300.0  # a refused undo is tried again this much later ...
RETRIES = 3  # ... this many times in all


class TimedCases(CaseNotes, Protocol):
    async def get_by_id(self, case_id: int) -> Case: ...


class TimedActions:
    def __init__(
        self,
        store: TimedActionStore,
        remedies: ThreadRemedies,
        cases: TimedCases,
        clock: Clock,
        *,
        sleep: Sleep = asyncio.sleep,
        report: Report | None = None,
    ) -> None:
        self._store = store
        self._remedies = remedies
        self._cases = cases
        self._clock = clock
        self._sleep = sleep
        self._report = report
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._finished: set[int] = set()  # this process's: the store is the record across restarts
        self._busy: set[int] = set()

    @property
    def scheduled(self) -> int:
        return len(self._tasks)

    async def plan(
        self, case: Case, kind: TimedKind, due_at: datetime | None, value: int | None = None
    ) -> TimedAction:
        """Record an undo of `case` (and schedule it when it has a time)."""
        action = await self._store.add(case.guild_id, case.id, case.channel_id, kind, due_at, value)
        if due_at is not None:
            self.schedule(action)
        return action

    async def cancel(self, action: TimedAction, why: str) -> None:
        """The action it would undo never happened (Discord refused it): nothing to undo."""
        self._drop_task(action.id)
        self._finished.add(action.id)
        await self._store.finish(action.id, f"cancelled: {why}", self._clock())

    async def start(self) -> list[TimedAction]:
        """Run the overdue undos now and schedule the rest; returns those run now."""
        ran: list[TimedAction] = []
        now = self._clock()
        for action in await self._store.pending():
            if action.due_at is not None and action.due_at <= now:
                error = await self._run(action, "done", None, final=False)
                if error == "":
                    ran.append(action)
                elif error:
                    self._start_task(action, RETRY_S, RETRIES - 1)
            else:
                self.schedule(action)
        log.info("timed actions started overdue_run=%d scheduled=%d", len(ran), len(self._tasks))
        return ran

    def schedule(self, action: TimedAction) -> None:
        if action.due_at is None:
            return
        self._start_task(action, max(0.0, (action.due_at - self._clock()).total_seconds()), RETRIES)

    def _start_task(self, action: TimedAction, delay: float, tries: int) -> None:
        if action.id in self._tasks or action.id in self._finished or tries < 1:
            return
        task = asyncio.create_task(self._later(action, delay, tries), name=f"modbot-timed-{action.id}")
        self._tasks[action.id] = task

    async def _later(self, action: TimedAction, delay: float, tries: int) -> None:
        """Sleep until due, then run; a refused undo (a 5xx, a dropped connection) is tried again RETRY_S later,
        `tries` times in all, the last failure recorded on the case and reported."""
        await self._sleep(delay)
        try:
            for attempt in range(1, tries + 1):
                error = await self._run(action, "done", None, final=attempt == tries)
                if not error:
                    break
                await self._sleep(RETRY_S)
        except Exception:  # a database problem: logged; the undo stays pending for the next start
            log.exception("timed action failed id=%s case_id=%s", action.id, action.case_id)
        finally:
            if self._tasks.get(action.id) is asyncio.current_task():
                del self._tasks[action.id]

    async def run(self, action: TimedAction, outcome: str = "done", reason: str | None = None) -> bool:
        """Carry the undo out and record it; True when it ran without error (each undo runs once)."""
        return (await self._run(action, outcome, reason)) == ""

    async def _run(self, action: TimedAction, outcome: str, reason: str | None, *, final: bool = True) -> str | None:
        """None: it had already run (or is running); "": done; else what failed. A failure that is not `final`
        leaves the undo pending, to be tried again."""
        if action.id in self._finished or action.id in self._busy:
            return None
        self._busy.add(action.id)
        try:
            case = await self._cases.get_by_id(action.case_id)
            why = reason or self._why(action, case)
            error = ""
            try:
                await self._undo(action, case, why, note=reason is None)
            except RemedyFailed as exc:
                error = str(exc)
            if error and not final:
                log.warning("timed action refused, will retry guild=%s case=%s kind=%s error=%r", case.guild_id,
                            case.number, action.kind.value, error)
                return error
            self._finished.add(action.id)
            if not await self._store.finish(action.id, error or outcome, self._clock()):
                return None
            done = self._done_text(action)
            body = f"{done}: {why}" if not error else f"Could not undo ({action.kind.value}): {error}"
            await self._cases.add_note(case.id, HEAT_USER_ID, body, self._clock())
            log.info("timed action guild=%s case=%s kind=%s channel=%s outcome=%r", case.guild_id, case.number,
                     action.kind.value, action.channel_id, error or outcome)
            if self._report is not None and reason is None:  # a reversal reports itself
                await self._report(f"Case #{case.number}: {body} (<#{action.channel_id}>)")
            return error
        finally:
            self._busy.discard(action.id)

    async def undo_case(self, case: Case, reason: str) -> tuple[list[str], list[str]]:
        """A heat case reversed: run its pending undos now. Returns (what was undone, what failed)."""
        undone: list[str] = []
        errors: list[str] = []
        for action in await self._store.for_case(case.id):
            self._drop_task(action.id)
            error = await self._run(action, "reversed", reason)
            if error == "":
                undone.append(self._done_text(action).lower())
            elif error:
                errors.append(error)
        return undone, errors

    async def stop(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()

    def _drop_task(self, action_id: int) -> None:
        task = self._tasks.pop(action_id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _undo(self, action: TimedAction, case: Case, why: str, *, note: bool) -> None:
        reason = f"modbot case #{case.number}: {why}"
        if action.kind is TimedKind.UNLOCK:
            text = f"🔓 This thread is unlocked again ({why})." if note else None
            await self._remedies.unlock(case.guild_id, action.channel_id, reason, text)
        else:
            await self._remedies.set_slowmode(case.guild_id, action.channel_id, action.value or 0, reason)

    @staticmethod
    def _done_text(action: TimedAction) -> str:
        if action.kind is TimedKind.UNLOCK:
            return "Thread unlocked"
        return f"Slowmode set back to {format_duration_s(action.value or 0)}"

    @staticmethod
    def _why(action: TimedAction, case: Case) -> str:
        lock = next((str(a) for a in case.actions if a.kind is ActionKind.LOCK), "lock")
        return f"the {lock} ended" if action.kind is TimedKind.UNLOCK else "the slowmode ended"


def format_duration_s(seconds: int) -> str:
    """`30` -> `30s`; `0` -> `off`."""
    return format_duration(timedelta(seconds=seconds)) if seconds > 0 else "off"
