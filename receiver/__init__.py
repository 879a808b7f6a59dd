"""The reference back-office receiver for the kiosk's sync protocol v1.

A small WSGI application over SQLite, served by waitress. It imports only
``kiosk.protocol`` from the kiosk: the contract, not the client.

``receiver.server.start_in_thread(db_path)`` runs one for tests and demos;
``python -m receiver serve --db PATH`` runs one for real.
"""

from receiver.store import Store

__all__ = ["Store"]
