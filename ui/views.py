"""The screens the main window can show."""

from enum import StrEnum


class View(StrEnum):
    HOME = "home"
    CATEGORIES = "categories"
    PROCEDURES = "procedures"
    PREPARE = "prepare"
    STEP = "step"
    REVIEW = "review"
    CONFIRMATION = "confirmation"
