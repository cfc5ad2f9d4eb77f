"""``python -m engine.cli``: the same as the ``decide-sql`` command."""

from engine.cli.app import main

main()
