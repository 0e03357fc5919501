"""The embedded reference target: the five seed systems on one real ASGI server.

Never imports Locust or loadlib's client-side protocol code; it runs as its own
process (``python -m loadlib.sandbox`` / ``loadlib sandbox``) on uvicorn with
httptools and uvloop, its state in one SQLite (WAL) file.

- ``app.create_app(cfg)``: the Starlette app; each system ``loadlib.sandbox.<name>``
  (tribble, mina, escrow, fluxgate, rsolv) contributes ``build``, ``audit`` and
  ``openapi_paths`` and is mounted at ``/<name>``; plus ``/health``, ``/ready``,
  ``/audit`` and ``/openapi.json``.
- ``server``: the runner that announces ``LOADLIB_SANDBOX_URL=...`` once it serves.
- ``web``: JSON errors and body/field parsing shared by every system, so bad input
  is a 4xx, never a 500.

Contracts a workload codes against: docs/api/{tribble,mina,escrow,fluxgate,rsolv}.md.
"""
