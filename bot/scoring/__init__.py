"""Scoring: detoxify run locally (batched, optionally int8) behind `bot.protocols.Scorer`.

Only this package imports detoxify, torch, transformers and onnx, and only inside functions: importing
`bot.scoring` costs nothing. Entry points: `bot.scoring.factory.open_scorer` and `known_labels`.
"""
