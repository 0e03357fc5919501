"""The embedded reference target: the five seed systems on one real ASGI server.

Never imports Locust or loadlib's client-side protocol code; it runs as its own
process (``python -m loadlib.sandbox`` / ``loadlib sandbox``).
"""
