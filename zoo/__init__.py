"""The kerasgan zoo: one folder per entry (config.json, card.json, weights).

Installed as the package data `kerasgan.zoo`; read through `kerasgan.presets`.
"""
