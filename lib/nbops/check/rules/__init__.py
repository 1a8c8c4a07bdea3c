"""The leakage rules, one module per code: each reads the engine's neutral facts (`engine.py`)
and owns its conditions, its message and its fix sentence."""
