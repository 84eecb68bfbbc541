"""Running the server: uvicorn on the app of one store, until interrupted."""

from __future__ import annotations

import logging

import uvicorn

from harmtrace.server.app import create_app
from harmtrace.server.config import ServerConfig


def serve(config: ServerConfig) -> None:
    """Serve `config.db` on `config.host`:`config.port` until Ctrl-C (or SIGTERM)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    uvicorn.run(create_app(config), host=config.host, port=config.port, log_level="info",
                access_log=True, server_header=False, proxy_headers=False)  # fmt: skip
