"""The only package that speaks SQL. One aiosqlite connection, owned by the app, migrated on open."""

from bot.storage.database import Database, MigrationError

__all__ = ["Database", "MigrationError"]
