"""The names the core and the screens share: step kinds, session modes,
procedure categories, and who the kiosk is.

This module imports nothing heavy: the home screen is drawn from it before
the procedures, the field types and the sessions are loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from kiosk import __version__
from kiosk.i18n import Text, text


class StepKind(StrEnum):
    INFORMATION = "information"
    QUESTION = "question"
    DOCUMENTS = "documents"
    REVIEW = "review"
    DECLARATION = "declaration"
    CONFIRMATION = "confirmation"


#: the three steps that close every procedure, in this order
CLOSING_KINDS = (StepKind.REVIEW, StepKind.DECLARATION, StepKind.CONFIRMATION)
#: steps where a person gives answers (an edit from the review may open new ones)
ANSWERED_KINDS = (StepKind.QUESTION, StepKind.DOCUMENTS)


class Mode(StrEnum):
    SELF_SERVICE = "self_service"
    ASSISTED = "assisted"
    TRAINING = "training"


@dataclass(frozen=True)
class KioskIdentity:
    kiosk_id: str = "kiosk-local"
    app_version: str = __version__


CATEGORIES: Mapping[str, Text] = {
    "permis": text("Permis de conduire", "Driving licence"),
    "vehicule": text("Carte grise et véhicule", "Vehicle registration"),
    "identite": text("Carte d'identité et passeport", "Identity card and passport"),
    "aide": text("Être aidé", "Get help"),
}
