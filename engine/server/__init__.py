"""``decide-sql serve``: the HTTP API and the web page (docs/api.md).

    from engine.server import ServerConfig, create_app
    app = create_app(ServerConfig.load(), Settings.load())   # an ASGI app: uvicorn engine... or server_in_thread(app)
"""

from engine.server.app import create_app
from engine.server.config import ServerConfig
from engine.server.runner import serve_forever, server_in_thread

__all__ = ["ServerConfig", "create_app", "serve_forever", "server_in_thread"]
