"""The deterministic rewrites a planned query goes through before validation (engine/rewrites/pipeline.py)."""
