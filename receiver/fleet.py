"""The fleet in view: every kiosk, when it was last heard of, and what needs attention.

Built from the kiosks' heartbeats (``PUT /v1/kiosks/{id}/heartbeat``) and
the devices given a token: a kiosk that never called in, or went silent,
is a line with its reason, not a silence.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from receiver.store import KioskState, Store

SILENT_AFTER = timedelta(hours=1)
STUCK_AFTER_S = 24 * 3600
DISK_LOW_BYTES = 1024**3  # 1 GiB


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"


def attention(kiosk: KioskState, now: datetime, refused: int = 0) -> list[str]:
    """What a person should look at for this kiosk, in plain words; empty when all is well."""
    reasons = []
    if kiosk.last_seen is None:
        reasons.append("never seen")
    else:
        silent = now - datetime.fromisoformat(kiosk.last_seen)
        if silent > SILENT_AFTER:
            reasons.append(f"not seen for {_ago(silent)}")
    if kiosk.oldest_waiting_s is not None and kiosk.oldest_waiting_s > STUCK_AFTER_S:
        reasons.append(
            f"queue stuck: oldest request waiting {_ago(timedelta(seconds=kiosk.oldest_waiting_s))}"
        )
    if kiosk.needs_person:
        reasons.append(f"{kiosk.needs_person} request(s) refused or failing, need a person")
    if refused:
        reasons.append(f"{refused} request(s) rejected by an agent")
    if kiosk.disk_free_bytes is not None and kiosk.disk_free_bytes < DISK_LOW_BYTES:
        reasons.append(f"disk nearly full ({kiosk.disk_free_bytes // 1024**2} MiB free)")
    if kiosk.bundle_status and kiosk.bundle_status.startswith("refused"):
        reasons.append(f"procedure update {kiosk.bundle_status}")
    return reasons


def fleet(store: Store, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every kiosk as a JSON-ready dict: its last heartbeat's fields and ``attention``."""
    moment = store.clock() if now is None else now
    refused = store.refused_counts()
    return [
        {**asdict(kiosk), "attention": attention(kiosk, moment, refused.get(kiosk.kiosk_id, 0))}
        for kiosk in store.kiosks()
    ]


def fleet_lines(entries: list[dict[str, Any]]) -> list[str]:
    """One line per kiosk for a terminal: those needing attention first."""
    lines = []
    for entry in sorted(entries, key=lambda e: (not e["attention"], e["kiosk_id"])):
        seen = entry["last_seen"] or "never"
        queue = "?" if entry["queue_depth"] is None else entry["queue_depth"]
        state = "; ".join(entry["attention"]) or "ok"
        lines.append(
            f"{entry['kiosk_id']}\tlast seen {seen}\tapp {entry['app_version'] or '?'}"
            f"\tqueue {queue}\t{state}"
        )
    return lines
