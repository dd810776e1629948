"""Runtime exemptions (/exempt add|remove) merged into the rules at decision time.

`decide` stays pure: the merge builds a new RuleSet whose exempt sets are the file's plus the stored ones.
The merged set is cached per (rules, snapshot) so a message costs no rebuild.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Protocol

from bot.moderation.rules import RuleSet
from bot.storage.exemptions import ExemptionSnapshot, ExemptKind


class ExemptionSource(Protocol):
    async def add(self, guild_id: int, kind: ExemptKind, target_id: int, added_by: int) -> bool: ...

    async def remove(self, guild_id: int, kind: ExemptKind, target_id: int) -> bool: ...

    async def snapshot(self) -> ExemptionSnapshot: ...


def merge_exemptions(rules: RuleSet, extra: ExemptionSnapshot) -> RuleSet:
    if not extra.roles and not extra.users:
        return rules
    return dataclasses.replace(
        rules, exempt_roles=rules.exempt_roles | extra.roles, exempt_users=rules.exempt_users | extra.users
    )


class RuntimeExemptions:
    """Holds the stored exemptions in memory; `rules()` is the pipeline's rules callable."""

    def __init__(self, base: Callable[[], RuleSet], store: ExemptionSource) -> None:
        self._base = base
        self._store = store
        self._snapshot = ExemptionSnapshot()
        self._cache: tuple[RuleSet, ExemptionSnapshot, RuleSet] | None = None

    @property
    def snapshot(self) -> ExemptionSnapshot:
        return self._snapshot

    async def load(self) -> ExemptionSnapshot:
        self._snapshot = await self._store.snapshot()
        return self._snapshot

    async def add(self, guild_id: int, kind: ExemptKind, target_id: int, added_by: int) -> bool:
        added = await self._store.add(guild_id, kind, target_id, added_by)
        await self.load()
        return added

    async def remove(self, guild_id: int, kind: ExemptKind, target_id: int) -> bool:
        removed = await self._store.remove(guild_id, kind, target_id)
        await self.load()
        return removed

    def rules(self) -> RuleSet:
        base = self._base()
        cached = self._cache
        if cached is not None and cached[0] is base and cached[1] == self._snapshot:
            return cached[2]
        merged = merge_exemptions(base, self._snapshot)
        self._cache = (base, self._snapshot, merged)
        return merged
