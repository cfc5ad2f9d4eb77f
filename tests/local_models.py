"""Which local model a real-model test runs on.

``PRODUCT_MODEL`` is the default a user gets (``local``, the 1.5B model): tests of
answers through the CLI, the API, MCP and the page run on it. ``MECHANICS_MODEL``
(``local:0.5b``) runs the tests of engine mechanics that hold for any model: the
saved prompt state, candidates sharing the cached prompt, the policy under hostile
questions. The smaller model keeps those tests, and CI, short; the ``test`` extra
installs it.
"""

PRODUCT_MODEL = "local"
MECHANICS_MODEL = "local:0.5b"
