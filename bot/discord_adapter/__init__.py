"""Everything that touches discord.py: the client, its cogs, and the Discord side of actions."""
