"""Runtime exemptions (/exempt add|remove), per server, merged into the rules at decision time.

`decide` stays pure: the merge builds a new RuleSet whose exempt sets are the file's plus the ones stored for
the message's server, and no other server's. The merged set is cached per (rules, server) so a message costs
no rebuild.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Protocol

from bot.moderation.rules import RuleSet
from bot.protocols import Clock
from bot.records import ExemptKind, GuildExemptions


class ExemptionStore(Protocol):
    async def add(self, guild_id: int, kind: ExemptKind, target_id: int, added_by: int, at: datetime) -> bool: ...

    async def remove(self, guild_id: int, kind: ExemptKind, target_id: int) -> bool: ...

    async def all_guilds(self) -> dict[int, GuildExemptions]: ...


class RulesInForce(Protocol):
    @property
    def current(self) -> RuleSet: ...


def merge_exemptions(rules: RuleSet, extra: GuildExemptions) -> RuleSet:
    if not extra.roles and not extra.users:
        return rules
    return dataclasses.replace(
        rules, exempt_roles=rules.exempt_roles | extra.roles, exempt_users=rules.exempt_users | extra.users
    )


class RuntimeExemptions:
    """Holds the stored exemptions in memory; `for_guild(id)` is the rules the pipeline applies in that server."""

    def __init__(self, base: RulesInForce, store: ExemptionStore, clock: Clock) -> None:
        self._base = base
        self._store = store
        self._clock = clock
        self._by_guild: dict[int, GuildExemptions] = {}
        self._cache: dict[int, tuple[RuleSet, GuildExemptions, RuleSet]] = {}

    def of(self, guild_id: int) -> GuildExemptions:
        return self._by_guild.get(guild_id, GuildExemptions())

    async def load(self) -> None:
        self._by_guild = await self._store.all_guilds()

    async def add(self, guild_id: int, kind: ExemptKind, target_id: int, added_by: int) -> bool:
        added = await self._store.add(guild_id, kind, target_id, added_by, self._clock())
        await self.load()
        return added

    async def remove(self, guild_id: int, kind: ExemptKind, target_id: int) -> bool:
        removed = await self._store.remove(guild_id, kind, target_id)
        await self.load()
        return removed

    def for_guild(self, guild_id: int) -> RuleSet:
        base = self._base.current
        extra = self.of(guild_id)
        cached = self._cache.get(guild_id)
        if cached is not None and cached[0] is base and cached[1] == extra:
            return cached[2]
        merged = merge_exemptions(base, extra)
        self._cache[guild_id] = (base, extra, merged)
        return merged
