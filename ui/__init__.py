"""The kiosk's screens (PySide6). They render a ``kiosk.session.Session``
and pass the person's input to it; no rule about answers lives here."""
