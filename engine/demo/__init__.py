"""The embedded PostgreSQL server and the generated demo retail database."""
