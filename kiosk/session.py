"""One person's way through one procedure, without any screen.

Everything a person can do on the kiosk goes through a ``Session``: answer,
continue (only when the step is valid), go back (answers kept), jump from
the review to one answer and come back, switch language, finalize. The UI
renders a session; tests drive it directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk import clock, conditions, protocol
from kiosk.fields import AttachmentValue, FieldError, FieldSpec, FieldType
from kiosk.i18n import LOCALES, pick
from kiosk.kinds import ANSWERED_KINDS, KioskIdentity, Mode, StepKind
from kiosk.procedure import Procedure, Step
from kiosk.submission import (
    AttachmentBlob,
    Submission,
    TrainingSubmission,
    canonical_json,
    new_local_reference,
)


class SessionError(RuntimeError):
    """A misuse of the session by the program (not a person's mistake)."""


@dataclass(frozen=True)
class ReviewLine:
    step: Step
    field: FieldSpec
    label: str
    shown: str


class Session:
    def __init__(
        self,
        procedure: Procedure,
        *,
        locale: str = "fr",
        mode: Mode | str = Mode.SELF_SERVICE,
        mediator_id: str | None = None,
        kiosk: KioskIdentity | None = None,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self.procedure = procedure
        self.mode = Mode(mode)
        if self.mode is Mode.ASSISTED and not mediator_id:
            raise SessionError("an assisted session needs the mediator's id")
        if self.mode is not Mode.ASSISTED and mediator_id:
            raise SessionError("only an assisted session has a mediator")
        self.mediator_id = mediator_id
        self.kiosk = kiosk or KioskIdentity()
        self._now = now
        self.locale = "fr"
        self.set_locale(locale)
        self._raw: dict[str, Any] = {}
        self._consent_at: dict[str, str] = {}
        self.errors: dict[str, FieldError] = {}
        self._index = 0
        self._edit_snapshot: dict[str, Any] | None = None
        self.result: Submission | TrainingSubmission | None = None
        self._types: dict[str, FieldType] = procedure.field_types
        self._index = self._visible_indexes()[0]

    # -- language ----------------------------------------------------------
    def set_locale(self, locale: str) -> None:
        if locale not in LOCALES or locale not in self.procedure.locales:
            raise SessionError(f"unknown locale {locale!r}")
        self.locale = locale

    def t(self, text: Any) -> str:
        return pick(text, self.locale)

    # -- visibility ----------------------------------------------------------
    def _walk(self) -> Iterator[tuple[int, Step, list[FieldSpec]]]:
        """Visible steps with their visible fields, in order.

        Visibility cascades: a condition sees only answers of fields that
        are themselves visible, so hiding a step hides what depends on it.
        """
        seen: dict[str, Any] = {}
        for i, step in enumerate(self.procedure.steps):
            if step.when and not self._holds(step.when, seen):
                continue
            fields = []
            for f in step.fields:
                if f.when and not self._holds(f.when, seen):
                    continue
                fields.append(f)
                value = self._try_clean(f)
                if value is not None:
                    seen[f.id] = self._types[f.id].condition_value(value)
            yield i, step, fields

    def _holds(self, source: str, answers: dict[str, Any]) -> bool:
        return conditions.evaluate(self.procedure.conditions[source], answers)

    def _try_clean(self, f: FieldSpec) -> Any:
        try:
            return self._types[f.id].clean(self._raw.get(f.id))
        except FieldError:
            return None

    def _visible_indexes(self) -> list[int]:
        return [i for i, _, _ in self._walk()]

    def visible_steps(self) -> list[Step]:
        return [step for _, step, _ in self._walk()]

    def visible_fields(self, step: Step | None = None) -> list[FieldSpec]:
        target = step or self.current_step
        for _, s, fields in self._walk():
            if s.id == target.id:
                return fields
        return []

    # -- where we are ----------------------------------------------------------
    @property
    def current_step(self) -> Step:
        return self.procedure.steps[self._index]

    @property
    def finished(self) -> bool:
        return self.result is not None

    @property
    def progress(self) -> tuple[int, int]:
        """(i, n) for "Étape i sur n", over the steps before the confirmation.

        ``n`` counts the steps ahead that may still be asked: a step whose
        condition waits on a question not answered yet counts. So the total
        only goes down as the person answers ("2 sur 22", then "3 sur 20"),
        never up, which read as if the procedure were growing.
        """
        counted = [
            i
            for i in self._possible_indexes()
            if self.procedure.steps[i].kind != StepKind.CONFIRMATION
        ]
        if self._index not in counted:
            return len(counted), len(counted)
        return counted.index(self._index) + 1, len(counted)

    def _possible_indexes(self) -> list[int]:
        """The visible steps up to here, then every step that may still be shown."""
        seen: dict[str, Any] = {}
        unknown: set[str] = set()
        found: list[int] = []
        for i, step in enumerate(self.procedure.steps):
            ahead = i >= self._index
            shown = self._may_show(step.when, seen, unknown) if step.when else True
            if shown is False:
                continue
            found.append(i)
            if shown and step.stop:
                break  # the procedure ends here: what follows is never asked
            for f in step.fields:
                value = self._try_clean(f) if shown else None
                field_shown = self._may_show(f.when, seen, unknown) if f.when else True
                if shown and field_shown and value is not None:
                    seen[f.id] = self._types[f.id].condition_value(value)
                elif ahead or shown is None or field_shown is None:
                    unknown.add(f.id)
        return found

    def _may_show(self, source: str, seen: dict[str, Any], unknown: set[str]) -> bool | None:
        return conditions.may_hold(self.procedure.conditions[source], seen, unknown)

    @property
    def can_go_back(self) -> bool:
        if self.finished:
            return False
        return self._edit_snapshot is not None or self._index != self._visible_indexes()[0]

    @property
    def editing_from_review(self) -> bool:
        return self._edit_snapshot is not None

    # -- answers ---------------------------------------------------------------
    def answer(self, field_id: str, raw: Any) -> None:
        """Record what the person typed or picked; checked when they continue."""
        if self.finished:
            raise SessionError("this session is finalized")
        if field_id not in self._types:
            raise SessionError(f"unknown field {field_id!r}")
        self._raw[field_id] = raw
        self.errors.pop(field_id, None)
        if self._types[field_id].records_consent:
            self._consent_at[field_id] = clock.rfc3339(self._now())

    def raw(self, field_id: str) -> Any:
        return self._raw.get(field_id)

    def check_field(self, field_id: str) -> FieldError | None:
        """The field's error now, without moving (for live feedback)."""
        try:
            self._types[field_id].clean(self._raw.get(field_id))
        except FieldError as e:
            return e
        return None

    def value(self, field_id: str) -> Any:
        return self._try_clean(self.procedure.fields[field_id])

    def field_type(self, field_id: str) -> FieldType:
        return self._types[field_id]

    def display(self, field_id: str) -> str:
        value = self.value(field_id)
        return "" if value is None else self._types[field_id].display(value, self.locale)

    def _validate(self, fields: list[FieldSpec]) -> dict[str, FieldError]:
        errors: dict[str, FieldError] = {}
        for f in fields:
            try:
                self._types[f.id].clean(self._raw.get(f.id))
            except FieldError as e:
                errors[f.id] = e
        return errors

    def error_text(self, field_id: str) -> str | None:
        e = self.errors.get(field_id)
        return None if e is None else e.text(self.locale)

    # -- moving ----------------------------------------------------------------
    def next(self) -> bool:
        """Continue if the current step is valid; otherwise fill ``errors``."""
        if self.finished:
            return False
        step = self.current_step
        if step.kind == StepKind.DECLARATION:
            raise SessionError("the declaration step is finished with finalize()")
        if step.stop:
            return False
        self.errors = self._validate(self.visible_fields(step))
        if self.errors:
            return False
        indexes = self._visible_indexes()
        later = [i for i in indexes if i > self._index]
        if self._edit_snapshot is not None:
            # Back to the review, unless the change opened questions not yet answered.
            pending = [
                i
                for i in later
                if self.procedure.steps[i].kind in ANSWERED_KINDS
                and self._validate(self.visible_fields(self.procedure.steps[i]))
            ]
            if pending:
                self._index = pending[0]
                return True
            self._edit_snapshot = None
            self._index = self._review_index()
            return True
        self._index = later[0]
        return True

    def back(self) -> bool:
        """The previous visible step, answers kept; from an edit, the review."""
        if self.finished:
            return False
        self.errors = {}
        if self._edit_snapshot is not None:
            # "Retour" during an edit cancels it.
            self._raw.update(self._edit_snapshot)
            self._edit_snapshot = None
            self._index = self._review_index()
            return True
        earlier = [i for i in self._visible_indexes() if i < self._index]
        if not earlier:
            return False
        self._index = earlier[-1]
        return True

    def edit(self, field_id: str) -> None:
        """From the review: go to the question holding that answer, then come back."""
        if self.current_step.kind != StepKind.REVIEW:
            raise SessionError("edit() is for the review step")
        step = self.procedure.step_of_field[field_id]
        if step not in self.visible_steps():
            raise SessionError(f"field {field_id!r} is not visible")
        self._edit_snapshot = {f.id: self._raw.get(f.id) for f in step.fields}
        self.errors = {}
        self._index = self.procedure.steps.index(step)

    def _review_index(self) -> int:
        return next(i for i, s in enumerate(self.procedure.steps) if s.kind == StepKind.REVIEW)

    def go_to_review(self) -> bool:
        """Jump to the review if every earlier question is answered."""
        for i, step, fields in self._walk():
            if step.kind == StepKind.REVIEW:
                self._index = i
                return True
            errors = self._validate(fields)
            if errors:
                self._index, self.errors = i, errors
                return False
        return False

    # -- review ---------------------------------------------------------------
    def review_lines(self) -> list[ReviewLine]:
        lines = []
        for _, step, fields in self._walk():
            for f in fields:
                if self._types[f.id].records_consent:
                    continue
                shown = self.display(f.id)
                if not shown:
                    shown = pick({"fr": "Pas de réponse", "en": "No answer"}, self.locale)
                elif f.secret:
                    # On a public screen, and read aloud from it: never the code itself.
                    shown = pick({"fr": "•••••• (caché)", "en": "•••••• (hidden)"}, self.locale)
                lines.append(ReviewLine(step, f, self.t(f.label), shown))
        return lines

    # -- finalize ---------------------------------------------------------------
    def finalize(self) -> Submission | TrainingSubmission:
        """Freeze the answers. The person must be on the declaration, all valid."""
        if self.finished:
            raise SessionError("this session is already finalized")
        if self.current_step.kind != StepKind.DECLARATION:
            raise SessionError("finalize() is the declaration step's action")
        walked = list(self._walk())
        for i, step, fields in walked:
            errors = self._validate(fields)
            if errors:
                self._index, self.errors = i, errors
                return_to_step = step.kind != StepKind.DECLARATION
                raise FinalizeRefused(step, errors, moved=return_to_step)
        answers: dict[str, Any] = {}
        attachments: list[AttachmentBlob] = []
        consent: dict[str, str] | None = None
        for _, step, fields in walked:
            for f in fields:
                ftype = self._types[f.id]
                value = ftype.clean(self._raw.get(f.id))
                if value is None:
                    continue
                if isinstance(value, AttachmentValue):
                    attachments.append(
                        AttachmentBlob(
                            f.id,
                            value.sha256,
                            value.size,
                            value.media_type,
                            value.filename,
                            value.data,
                        )
                    )
                elif ftype.records_consent and step.kind == StepKind.DECLARATION:
                    consent = {
                        "text_id": step.consent_id or step.id,
                        "accepted_at": self._consent_at.get(f.id) or clock.rfc3339(self._now()),
                    }
                else:
                    answers[f.id] = ftype.to_json(value)
        created_at = clock.rfc3339(self._now())
        reference = new_local_reference()
        if self.mode is Mode.TRAINING:
            self.result = TrainingSubmission(
                reference, self.procedure.id, self.procedure.version, created_at, answers
            )
        else:
            document = protocol.submission_document(
                submission_id=str(uuid.uuid4()),
                procedure=(self.procedure.id, self.procedure.version),
                created_at=created_at,
                kiosk=(self.kiosk.kiosk_id, self.kiosk.app_version),
                locale=self.locale,
                mode=self.mode.value,
                mediator_id=self.mediator_id,
                answers=answers,
                attachments=[
                    {
                        "field": a.field,
                        "sha256": a.sha256,
                        "size": a.size,
                        "media_type": a.media_type,
                        "filename": a.filename,
                    }
                    for a in attachments
                ],
                consent=consent,
            )
            problems = protocol.submission_problems(document)
            if problems:
                # A bug of the kiosk, not the person's: never freeze a body the
                # back-office would refuse.
                raise SessionError(f"the submission would be refused: {problems}")
            self.result = Submission(
                id=document["id"],
                local_reference=reference,
                procedure_id=self.procedure.id,
                procedure_version=self.procedure.version,
                created_at=created_at,
                mode=self.mode.value,
                body=canonical_json(document),
                attachments=tuple(attachments),
            )
        self.errors = {}
        self._index = next(
            i for i, s in enumerate(self.procedure.steps) if s.kind == StepKind.CONFIRMATION
        )
        return self.result

    # -- privacy ---------------------------------------------------------------
    def wipe(self) -> None:
        """Forget everything the person gave (end of session, idle timeout)."""
        self._raw.clear()
        self._consent_at.clear()
        self.errors = {}
        self._edit_snapshot = None
        self.result = None
        self._index = self._visible_indexes()[0]


class FinalizeRefused(Exception):
    """Some answer is missing or wrong; the session now shows that step."""

    def __init__(self, step: Step, errors: dict[str, FieldError], moved: bool) -> None:
        super().__init__(f"step {step.id!r} has errors: {', '.join(errors)}")
        self.step = step
        self.errors = errors
        self.moved = moved
