"""The executor instrument: connection URLs, connections, read-only execution, JSON-safe values, a read-only role."""
