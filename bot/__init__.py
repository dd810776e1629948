"""modbot: a Discord comment section for news articles, kept civil."""

__version__ = "0.1.0"
