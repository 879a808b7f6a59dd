"""kiosk: a guided, offline-capable kiosk for French administrative procedures.

This package is the Qt-free core: procedures, field types, sessions,
submissions. The screens live in ``ui/`` and only render what this core
decides.
"""

__version__ = "0.1.0"
