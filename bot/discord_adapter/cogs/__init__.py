"""Thin cogs: convert the Discord event, call one service, report."""
