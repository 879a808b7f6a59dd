"""The one place the core asks for the time, so tests can set it."""

from datetime import date, datetime


def now() -> datetime:
    """The kiosk's local time, with its UTC offset (RFC 3339 needs one)."""
    return datetime.now().astimezone()


def today() -> date:
    return now().date()


def rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
