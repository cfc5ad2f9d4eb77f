"""The decide-sql command line (Typer): a thin layer over engine.Session and engine.instruments."""

from engine.cli.app import app, main

__all__ = ["app", "main"]
