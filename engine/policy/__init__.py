"""The read-only SQL policy: the validator (sqlglot), its allow-listed functions and its model-ready refusal texts."""
