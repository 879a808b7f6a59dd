"""Field types. Importing this package registers every type in ``REGISTRY``."""

from kiosk.fields import attachment, basic, dates, identifiers, phone, places
from kiosk.fields.attachment import AttachmentValue
from kiosk.fields.base import (
    REGISTRY,
    REQUIRED,
    Choice,
    FieldError,
    FieldSpec,
    FieldType,
    make_field_type,
)

__all__ = [
    "REGISTRY",
    "REQUIRED",
    "AttachmentValue",
    "Choice",
    "FieldError",
    "FieldSpec",
    "FieldType",
    "attachment",
    "basic",
    "dates",
    "identifiers",
    "make_field_type",
    "phone",
    "places",
]
