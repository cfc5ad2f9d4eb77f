"""decide-sql engine: instruments (schema, validator, executor), backends and the orchestrator."""
