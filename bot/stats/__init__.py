"""Moderation statistics for `/stats`: figures from the case log and a PNG chart (matplotlib, Agg)."""
