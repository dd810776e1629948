"""`modbot serve`: modbot's scorer behind Perspective API's wire format (a local stand-in for Perspective).

Layering: this package speaks HTTP (aiohttp.web) and Perspective JSON, and depends only on the `Scorer`
protocol and on the small protocols in `bot.serve.ports`; the composition (`bot/cli/serve.py`) passes in the
scorer and the suggestion store. It never imports `bot.storage` or a model library.
"""
