"""``decide-sql mcp``: the engine as a Model Context Protocol server for AI assistants.

settings (row cap, cell cut, token) -> tools (the four tools over one Session) ->
server (the SDK's MCPServer: schemas, annotations, resources, prompts) -> run
(stdio or Streamable HTTP, with http's token check). Nothing here bypasses the
validator or the read-only executor: the tools call ``Session.ask`` and
``Instruments.validate``/``.run`` exactly as the CLI does.
"""
