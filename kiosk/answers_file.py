"""Answers files: what a person would type, written down in advance.

``{"answers": {field id: raw input}, "attachments": {field id: path}}``.
The shipped examples feed the tests, the training mode and the demo, and
``kiosk procedures try`` drives a session with them exactly as the screens
would: step by step, through the same checks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.fields import FieldError
from kiosk.kinds import StepKind
from kiosk.session import FinalizeRefused, Session
from kiosk.submission import Submission, TrainingSubmission


class AnswersFileError(ValueError):
    pass


#: Answers are a few kilobytes of text (attachments are separate files).
MAX_FILE_BYTES = 1 << 20
#: An answer is a text, a list of texts or a mapping of parts: a handful of levels.
MAX_DEPTH = 10
MAX_NUMBER_DIGITS = 30
_LONG_NUMBER = re.compile(rf"\d{{{MAX_NUMBER_DIGITS + 1},}}")


def _line_at(source: str, index: int) -> int:
    return source.count("\n", 0, index) + 1


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _TooLong
    return int(digits)


class _TooLong(ValueError):
    pass


def _parse_json(path: Path, source: str) -> Any:
    """JSON with bounded numbers and nesting; every problem is ``path:line: message``."""
    depth = 0
    deepest = 0
    deepest_at = 0
    in_string = escaped = False
    for i, c in enumerate(source):  # nesting, before the recursive parser sees it
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            if depth > deepest:
                deepest, deepest_at = depth, i
        elif c in "]}":
            depth -= 1
    if deepest > MAX_DEPTH + 1:
        raise AnswersFileError(
            f"{path}:{_line_at(source, deepest_at)}: nested too deeply "
            f"(more than {MAX_DEPTH} levels)"
        )
    try:
        return json.loads(source, parse_int=_parse_int)
    except _TooLong:
        m = _LONG_NUMBER.search(source)
        line = _line_at(source, m.start()) if m else 1
        raise AnswersFileError(
            f"{path}:{line}: a number has more than {MAX_NUMBER_DIGITS} digits"
        ) from None
    except json.JSONDecodeError as e:
        raise AnswersFileError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None
    except (ValueError, RecursionError) as e:
        raise AnswersFileError(f"{path}:1: cannot be read ({type(e).__name__})") from None


@dataclass
class AnswersFile:
    answers: dict[str, Any]
    attachments: dict[str, Path] = field(default_factory=dict)


def read_answers_file(
    path: Path | str, extra_attachments: dict[str, str] | None = None
) -> AnswersFile:
    path = Path(path)
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise AnswersFileError(
                f"{path}:1: the file is too large for an answers file "
                f"(over {MAX_FILE_BYTES // 1024} KiB)"
            )
        source = raw.decode("utf-8")
    except FileNotFoundError:
        raise AnswersFileError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise AnswersFileError(f"{path}: cannot read the file ({e})") from None
    data = _parse_json(path, source)
    if not isinstance(data, dict) or not isinstance(data.get("answers", {}), dict):
        raise AnswersFileError(f'{path}: expected {{"answers": {{...}}, "attachments": {{...}}}}')
    unknown = set(data) - {"answers", "attachments", "comment"}
    if unknown:
        raise AnswersFileError(f"{path}: unknown key(s): {', '.join(sorted(unknown))}")
    attachments_raw = data.get("attachments") or {}
    if not isinstance(attachments_raw, dict):
        raise AnswersFileError(f"{path}: 'attachments' must map field ids to file paths")
    attachments = {str(k): path.parent / str(v) for k, v in attachments_raw.items()}
    for spec, target in (extra_attachments or {}).items():
        attachments[spec] = Path(target)
    return AnswersFile(dict(data.get("answers") or {}), attachments)


@dataclass
class Outcome:
    result: Submission | TrainingSubmission | None
    errors: list[tuple[str, str]]  # (field id, message)
    ignored: list[str]  # answers for fields that stayed hidden
    stopped: bool = False  # the answers lead to a step that ends the procedure
    unknown: list[str] = field(default_factory=list)  # ids that are no field of the procedure


def play(session: Session, answers: AnswersFile) -> Outcome:
    """Walk the session through every visible step with the file's answers."""
    given = {**answers.answers, **{k: str(v) for k, v in answers.attachments.items()}}
    unknown = [k for k in given if k not in session.procedure.fields]
    if unknown:
        return Outcome(None, [], [], unknown=unknown)
    used: set[str] = set()
    for _ in range(len(session.procedure.steps) * 2 + 2):
        step = session.current_step
        for f in session.visible_fields():
            if f.id in given:
                session.answer(f.id, given[f.id])
                used.add(f.id)
        if step.stop:
            return Outcome(None, [], [], stopped=True)
        if step.kind == StepKind.DECLARATION:
            try:
                result = session.finalize()
            except FinalizeRefused as refused:
                return Outcome(None, _errors(session, refused.errors), [])
            return Outcome(result, [], sorted(set(given) - used))
        if not session.next():
            return Outcome(None, _errors(session, session.errors), [])
    return Outcome(None, [("-", "the procedure never reached its declaration")], [])


def _errors(session: Session, errors: dict[str, FieldError]) -> list[tuple[str, str]]:
    out = []
    for field_id, error in errors.items():
        where = f"{field_id}.{error.part}" if error.part else field_id
        out.append((where, error.text(session.locale)))
    return out
