"""Procedure definitions: loading, checking and the immutable model.

A procedure file is YAML. It is read with line numbers kept, checked
against ``procedure.schema.json``, then against the rules a schema cannot
say (unique ids, known field types, conditions over earlier fields, every
text translated). Every problem is reported as ``path:line: message``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import __version__, conditions
from kiosk.fields import REGISTRY, Choice, FieldSpec, FieldType, make_field_type
from kiosk.i18n import LOCALES, Text, text
from kiosk.kinds import CLOSING_KINDS, StepKind
from kiosk.resources import procedures_dirs, resource_path

if TYPE_CHECKING:  # imported when a file is read: the screens start without them
    import jsonschema
    import yaml

log = logging.getLogger(__name__)

STEP_KINDS = tuple(k.value for k in StepKind)
_CLOSING = CLOSING_KINDS


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ProcedureError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Fee:
    label: Text
    amount_eur: float | None
    note: Text | None
    confirmed: bool


@dataclass(frozen=True)
class Step:
    id: str
    kind: StepKind
    title: Text | None = None
    text: Text | None = None
    picture: str | None = None
    stop: bool = False  # an information step that ends the procedure here
    fields: tuple[FieldSpec, ...] = ()
    when: str | None = None
    consent_id: str | None = None
    next_steps: tuple[Text, ...] = ()
    delay: Text | None = None
    contact: Text | None = None
    line: int = 0

    @property
    def heading(self) -> Text:
        """The screen's heading: its title, else its (first) question."""
        if self.title:
            return self.title
        if self.fields:
            return self.fields[0].label
        return text("", "")


@dataclass(frozen=True)
class Procedure:
    id: str
    version: str
    category: str
    checked: str
    sources: tuple[str, ...]
    title: Text
    summary: Text
    duration_minutes: int
    fees: tuple[Fee, ...]
    prepare: tuple[Text, ...]
    steps: tuple[Step, ...]
    locales: tuple[str, ...] = LOCALES
    path: Path | None = field(default=None, compare=False)

    @cached_property
    def fields(self) -> dict[str, FieldSpec]:
        return {f.id: f for step in self.steps for f in step.fields}

    @cached_property
    def field_types(self) -> dict[str, FieldType]:
        return {f.id: make_field_type(f) for f in self.fields.values()}

    @cached_property
    def step_of_field(self) -> dict[str, Step]:
        return {f.id: step for step in self.steps for f in step.fields}

    @cached_property
    def conditions(self) -> dict[str, conditions.Node]:
        sources = [s.when for s in self.steps] + [f.when for f in self.fields.values()]
        return {src: conditions.parse(src) for src in sources if src}

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)


# -- reading YAML with line numbers ------------------------------------------

Path_ = tuple[str | int, ...]


#: A procedure file is a few tens of kilobytes; anything near this is not one.
MAX_FILE_BYTES = 512 * 1024
#: Deeper than any real procedure (about 8 levels); bounds recursion and memory.
MAX_YAML_DEPTH = 32
#: More digits than any count or amount in a procedure (and far below Python's
#: conversion limit, which ends in a ValueError deep in the YAML library).
MAX_NUMBER_DIGITS = 30

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"


class _BadYaml(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _LineLoader:
    """YAML to plain data, remembering the line of every node.

    Hostile files must come back as one problem, quickly and in bounded
    memory: aliases are refused (the composer shares nodes, so an alias bomb
    costs nothing until it is *converted*; a node met twice is an alias),
    mapping keys must be plain scalars, numbers have a digit limit and the
    nesting a depth limit.
    """

    def __init__(self, source: str) -> None:
        # libyaml's parser when PyYAML was built with it (about half the time
        # of reading the shipped procedures); the pure-Python one otherwise.
        import yaml

        self.yaml = yaml
        loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        self.loader = loader_class(source)
        self.lines: dict[Path_, int] = {}
        self.duplicates: list[tuple[int, str]] = []
        self._seen: set[int] = set()

    def load(self) -> Any:
        try:
            node = self.loader.get_single_node()
            return None if node is None else self._convert(node, (), 0)
        finally:
            self.loader.dispose()

    def _scalar(self, node: yaml.Node) -> Any:
        line = node.start_mark.line + 1
        if node.tag in (_INT_TAG, _FLOAT_TAG):
            digits = sum(c.isdigit() for c in str(node.value))
            if digits > MAX_NUMBER_DIGITS:
                raise _BadYaml(line, f"a number has more than {MAX_NUMBER_DIGITS} digits")
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, TypeError, OverflowError, self.yaml.YAMLError) as e:
            raise _BadYaml(line, f"this value cannot be read ({type(e).__name__})") from None

    def _convert(self, node: yaml.Node, path: Path_, depth: int, used_at: int = 0) -> Any:
        """``used_at``: the line where this node is used (an alias's own line, near enough)."""
        yaml = self.yaml
        line = node.start_mark.line + 1
        if id(node) in self._seen:
            raise _BadYaml(
                used_at or line,
                "anchors and aliases (&name, *name) are not accepted in procedure files"
                f" (this one repeats line {line})",
            )
        if depth > MAX_YAML_DEPTH:
            raise _BadYaml(line, f"nested too deeply (more than {MAX_YAML_DEPTH} levels)")
        self._seen.add(id(node))
        self.lines[path] = line
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key_line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode) or id(key_node) in self._seen:
                    raise _BadYaml(key_line, "a key must be a plain word, not a list or a mapping")
                self._seen.add(id(key_node))
                key = self._scalar(key_node)
                if not isinstance(key, str | int | float | bool) and key is not None:
                    key = str(key)
                if key in result:
                    self.duplicates.append((key_line, str(key)))
                result[key] = self._convert(value_node, (*path, key), depth + 1, key_line)
                self.lines.setdefault((*path, key), key_line)
            return result
        if isinstance(node, yaml.SequenceNode):
            items = []
            where = line
            for i, item in enumerate(node.value):
                items.append(self._convert(item, (*path, i), depth + 1, where))
                where = item.end_mark.line + 1
            return items
        return self._scalar(node)


def _control_character(source: str) -> tuple[int, str] | None:
    """The line and a message for the first character YAML does not accept, if any.

    The YAML reader reports these with a character offset that is then
    shown at the wrong line, twice; this says it once, at its line.
    """
    m = _NOT_YAML.search(source)
    if m is None:
        return None
    line = source.count("\n", 0, m.start()) + 1
    column = m.start() - (source.rfind("\n", 0, m.start()) + 1) + 1
    return line, (
        f"the file holds an invisible control character (U+{ord(m.group()):04X}) at column"
        f" {column}: remove it"
    )


# What YAML 1.1 accepts: tab, newlines and printable characters (PyYAML's reader).
_NOT_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@cache
def _schema_validator() -> jsonschema.protocols.Validator:
    import jsonschema

    schema = json.loads((Path(__file__).parent / "procedure.schema.json").read_text("utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator: jsonschema.protocols.Validator = cls(schema)
    return validator


class _Checker:
    def __init__(self, path: Path, data: dict[str, Any], lines: dict[Path_, int]) -> None:
        self.path = path
        self.data = data
        self.lines = lines
        self.problems: list[Problem] = []

    def line(self, at: Path_) -> int:
        while at:
            if at in self.lines:
                return self.lines[at]
            at = at[:-1]
        return self.lines.get((), 1)

    def add(self, at: Path_, message: str) -> None:
        self.problems.append(Problem(str(self.path), self.line(at), message))

    # The schema says the shape; this says the rest.
    def check(self) -> None:
        data = self.data
        if data["id"] != self.path.stem:
            self.add(("id",), f"the id '{data['id']}' must equal the file name '{self.path.stem}'")
        locales = tuple(data.get("locales", LOCALES))
        if "fr" not in locales:
            self.add(("locales",), "French ('fr') is required")
        self._texts(data, (), locales)
        self._steps(data["steps"])

    def _texts(self, node: Any, at: Path_, locales: tuple[str, ...]) -> None:
        if isinstance(node, dict):
            if _is_text(node):
                for loc in locales:
                    if not node.get(loc, "").strip():
                        self.add(at, f"missing translation '{loc}'")
                return
            for k, v in node.items():
                if k not in ("constraints",):
                    self._texts(v, (*at, k), locales)
            if "constraints" in node and isinstance(node["constraints"], dict):
                message = node["constraints"].get("pattern_message")
                if isinstance(message, dict):
                    self._texts(message, (*at, "constraints", "pattern_message"), locales)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                self._texts(v, (*at, i), locales)

    def _steps(self, steps: list[dict[str, Any]]) -> None:
        seen_steps: set[str] = set()
        known: dict[str, conditions.FieldInfo] = {}
        kinds = [s["kind"] for s in steps]
        tail = [k for k in kinds if k in _CLOSING]
        if tail != list(_CLOSING) or kinds[-3:] != list(_CLOSING):
            self.add(
                ("steps",),
                "a procedure ends with exactly one 'review', one 'declaration' and one"
                " 'confirmation' step, in that order",
            )
        for i, step in enumerate(steps):
            at: Path_ = ("steps", i)
            if step["id"] in seen_steps:
                self.add((*at, "id"), f"duplicate step id '{step['id']}'")
            seen_steps.add(step["id"])
            if step.get("when"):
                if step["kind"] in _CLOSING:
                    self.add(
                        (*at, "when"), f"a '{step['kind']}' step is always shown: remove 'when'"
                    )
                self._condition(step["when"], (*at, "when"), known)
            if step.get("picture") and not resource_path("pictures", step["picture"]).is_file():
                self.add(
                    (*at, "picture"), f"picture not found: resources/pictures/{step['picture']}"
                )
            fields = step.get("fields", [])
            if step["kind"] == "declaration":
                consents = [f for f in fields if f["type"] == "consent"]
                if len(fields) != 1 or len(consents) != 1:
                    self.add(
                        (*at, "fields"), "a declaration has exactly one field, of type 'consent'"
                    )
            for j, f in enumerate(fields):
                self._field(f, (*at, "fields", j), step["kind"], known)

    def _field(
        self, f: dict[str, Any], at: Path_, step_kind: str, known: dict[str, conditions.FieldInfo]
    ) -> None:
        if f["id"] in known:
            self.add((*at, "id"), f"duplicate field id '{f['id']}'")
        cls = REGISTRY.get(f["type"])
        if cls is None:
            self.add(
                (*at, "type"),
                f"unknown field type '{f['type']}' (known: {', '.join(sorted(REGISTRY))})",
            )
            return
        if step_kind == "documents" and cls.name != "attachment":
            self.add((*at, "type"), "a 'documents' step holds only 'attachment' fields")
        if cls.name == "attachment" and step_kind != "documents":
            self.add((*at, "type"), "'attachment' fields belong in a 'documents' step")
        if cls.name == "consent" and step_kind != "declaration":
            self.add((*at, "type"), "'consent' fields belong in a 'declaration' step")
        if f.get("secret") and cls.widget != "line":
            self.add((*at, "secret"), "'secret' is for an answer typed on one line")
        spec = _field_spec(f, self.line(at))
        for message in cls.check_spec(spec):
            named = re.search(r"constraint '(\w+)'", message)
            if named and named.group(1) in f.get("constraints", {}):
                self.add((*at, "constraints", named.group(1)), message)
            else:
                self.add((*at, "constraints") if "constraint" in message else at, message)
        if cls.has_format and not f.get("example"):
            self.add(at, f"field '{f['id']}': add an 'example' (this answer has a format)")
        if f.get("when"):
            self._condition(f["when"], (*at, "when"), known)
        choices = frozenset(c["value"] for c in f.get("choices", [])) or None
        known[f["id"]] = conditions.FieldInfo(cls.value_kind, choices)

    def _condition(self, source: str, at: Path_, known: Mapping[str, conditions.FieldInfo]) -> None:
        try:
            node = conditions.parse(source)
        except conditions.ConditionError as e:
            self.add(at, f"condition '{source}': {e}")
            return
        for message in conditions.check(node, known):
            self.add(at, f"condition '{source}': {message}")


def _is_text(node: dict[str, Any]) -> bool:
    return bool(node) and "fr" in node and all(isinstance(v, str) for v in node.values())


def _t(node: Any) -> Text | None:
    return None if node is None else dict(node)


def _texts(node: Any) -> tuple[Text, ...]:
    """One text or a list of texts, as a tuple (the confirmation's next steps)."""
    if node is None:
        return ()
    return tuple(dict(t) for t in (node if isinstance(node, list) else [node]))


def _field_spec(f: dict[str, Any], line: int) -> FieldSpec:
    return FieldSpec(
        id=f["id"],
        type=f["type"],
        label=dict(f["label"]),
        help=_t(f.get("help")),
        example=_t(f.get("example")),
        required=f.get("required", True),
        constraints=dict(f.get("constraints") or {}),
        choices=tuple(Choice(c["value"], dict(c["label"])) for c in f.get("choices", [])),
        when=f.get("when"),
        line=line,
        secret=bool(f.get("secret", False)),
    )


def _build(path: Path, data: dict[str, Any], lines: dict[Path_, int]) -> Procedure:
    steps = []
    for i, s in enumerate(data["steps"]):
        steps.append(
            Step(
                id=s["id"],
                kind=StepKind(s["kind"]),
                title=_t(s.get("title")),
                text=_t(s.get("text")),
                picture=s.get("picture"),
                stop=s.get("stop", False),
                fields=tuple(
                    _field_spec(f, lines.get(("steps", i, "fields", j), 0))
                    for j, f in enumerate(s.get("fields", []))
                ),
                when=s.get("when"),
                consent_id=s.get("consent_id"),
                next_steps=_texts(s.get("next_steps")),
                delay=_t(s.get("delay")),
                contact=_t(s.get("contact")),
                line=lines.get(("steps", i), 0),
            )
        )
    return Procedure(
        id=data["id"],
        version=data["version"],
        category=data["category"],
        checked=data["checked"],
        sources=tuple(data["sources"]),
        title=dict(data["title"]),
        summary=dict(data["summary"]),
        duration_minutes=data["duration_minutes"],
        fees=tuple(
            Fee(dict(f["label"]), f.get("amount_eur"), _t(f.get("note")), f["confirmed"])
            for f in data["fees"]
        ),
        prepare=tuple(dict(p) for p in data["prepare"]),
        steps=tuple(steps),
        locales=tuple(data.get("locales", LOCALES)),
        path=path,
    )


def load_procedure(path: Path | str) -> Procedure:
    """Read and check one procedure file; ``ProcedureError`` lists every problem.

    A file unchanged since it was last read (same size and modification
    time) is not parsed again: procedures are immutable, and every new
    window or session would otherwise re-read all of them.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return _load_procedure(path)
    return _load_unchanged(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _load_unchanged(path: str, mtime_ns: int, size: int) -> Procedure:
    return _load_procedure(Path(path))


def _load_procedure(path: Path) -> Procedure:
    shown = str(path)
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise ProcedureError([Problem(shown, 1, f"cannot read the file ({e.strerror})")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ProcedureError(
            [
                Problem(
                    shown,
                    1,
                    f"the file is too large for a procedure (over {MAX_FILE_BYTES // 1024} KiB)",
                )
            ]
        )
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise ProcedureError([Problem(shown, line, "the file is not UTF-8 text")]) from None
    bad = _control_character(source)
    if bad is not None:
        raise ProcedureError([Problem(shown, *bad)])
    cache = _CheckedCache.for_file(path, raw)
    cached = cache.get() if cache is not None else None
    if cached is not None:
        try:
            return _build(path, *cached)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            log.info("procedure cache entry for %s ignored (not a procedure)", path.name)
    data, lines = _check_source(path, source)
    if cache is not None:
        cache.put(data, lines)
    return _build(path, data, lines)


def _check_source(path: Path, source: str) -> tuple[dict[str, Any], dict[Path_, int]]:
    """Parse and check a file's text: its data and line numbers, or ``ProcedureError``."""
    shown = str(path)
    import yaml

    reader = _LineLoader(source)
    try:
        data = reader.load()
    except _BadYaml as e:
        raise ProcedureError([Problem(shown, e.line, e.message)]) from None
    except RecursionError:
        raise ProcedureError([Problem(shown, 1, "nested too deeply")]) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(e, "problem", None) or str(e)
        raise ProcedureError([Problem(shown, line, f"YAML syntax: {problem}")]) from None
    problems = [Problem(shown, line, f"duplicate key '{key}'") for line, key in reader.duplicates]
    if not isinstance(data, dict):
        raise ProcedureError([*problems, Problem(shown, 1, "a procedure file is a YAML mapping")])
    checker = _Checker(path, data, reader.lines)
    for error in sorted(
        _schema_validator().iter_errors(data), key=lambda e: list(map(str, e.path))
    ):
        where = "/".join(str(p) for p in error.absolute_path)
        checker.add(tuple(error.absolute_path), f"{where + ': ' if where else ''}{error.message}")
    if not checker.problems:
        checker.check()
    problems += checker.problems
    if problems:
        raise ProcedureError(sorted(set(problems), key=lambda p: (p.line, p.message)))
    return data, reader.lines


# -- the cache of checked procedures -----------------------------------------------------------
#
# Checking a file (YAML with line numbers, the JSON schema, the rules) takes
# 25-45 ms; with 200 procedures the kiosk would wait seconds at every start.
# A file that passed is remembered in the user's cache folder as the data it
# was checked into, under a name made of its content's SHA-256 and its file
# name, in a folder named after the cache format, the app's version and the
# schema's digest: any change to the file, its name, the app or the schema
# misses the cache and checks again. Pictures a procedure names are looked
# for again at every load (they are other files). A cache file that cannot
# be read, or does not hold what it should, is ignored and rewritten; one
# that cannot be written only costs the check next time.

CACHE_FORMAT = 1
CACHE_ENV = "KIOSK_CACHE_DIR"


def _cache_folder() -> Path | None:
    base = os.environ.get(CACHE_ENV)
    if not base:
        try:
            import platformdirs  # only when no cache folder is set: its lookups cost a start

            base = platformdirs.user_cache_dir("kiosk", appauthor=False)
        except Exception:  # pragma: no cover - no home folder at all
            return None
    version = _cache_version()
    return None if version is None else Path(base) / "procedures" / version


@cache
def _cache_version() -> str | None:
    """The cache folder's name: format, app version, schema digest."""
    try:
        schema = (Path(__file__).parent / "procedure.schema.json").read_bytes()
    except OSError:  # pragma: no cover - a broken installation: no cache
        return None
    return f"v{CACHE_FORMAT}-{__version__}-{hashlib.sha256(schema).hexdigest()[:16]}"


def _built_from(at: Path_) -> bool:
    """Whether ``_build`` reads the line of ``at`` (steps and fields: what errors point to)."""
    return len(at) in (2, 4) and at[0] == "steps" and (len(at) == 2 or at[2] == "fields")


class _CheckedCache:
    """One checked file's entry in the cache."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_file(cls, path: Path, raw: bytes) -> _CheckedCache | None:
        folder = _cache_folder()
        if folder is None:
            return None
        key = hashlib.sha256(path.name.encode() + b"\0" + raw).hexdigest()
        return cls(folder / f"{key}.json")

    def get(self) -> tuple[dict[str, Any], dict[Path_, int]] | None:
        try:
            entry = json.loads(self.path.read_text(encoding="utf-8"))
            data = entry["data"]
            lines = {tuple(at): int(line) for at, line in entry["lines"]}
            if not isinstance(data, dict):
                return None
            for step in data["steps"]:
                if step.get("picture") and not resource_path("pictures", step["picture"]).is_file():
                    return None  # check again: the check says which picture is missing
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            if not isinstance(e, FileNotFoundError):
                log.info("procedure cache entry %s ignored (%s)", self.path.name, type(e).__name__)
            return None
        return data, lines

    def put(self, data: dict[str, Any], lines: dict[Path_, int]) -> None:
        try:
            kept = [[list(k), v] for k, v in lines.items() if _built_from(k)]
            text = json.dumps({"data": data, "lines": kept})
            if json.loads(text)["data"] != data:
                return  # not plain JSON (a YAML date, say): never cached, always checked
        except (TypeError, ValueError):
            return
        temporary = self.path.with_name(f"{self.path.name}.{secrets.token_hex(4)}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError as e:
            log.info("procedure cache not written (%s)", e.strerror)
            with contextlib.suppress(OSError):
                temporary.unlink()


def procedure_files(paths: Iterable[Path | str] | None = None) -> list[Path]:
    """The .yaml files named or found in the folders named.

    By default, the shipped procedures with the administrator's procedures
    folder laid over them: a file there with the same name (the id) replaces
    the shipped one.
    """
    if paths is None:
        by_id: dict[str, Path] = {}
        for folder in procedures_dirs():
            if folder.is_dir():
                for p in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
                    by_id[p.stem] = p
            else:
                log.warning("the procedures folder %s is not a folder", folder)
        return sorted(by_id.values(), key=lambda p: p.stem)
    found: list[Path] = []
    for p in [Path(p) for p in paths]:
        if p.is_dir():
            found.extend(sorted([*p.glob("*.yaml"), *p.glob("*.yml")]))
        else:
            found.append(p)
    return found


def load_all(paths: Iterable[Path | str] | None = None) -> tuple[list[Procedure], list[Problem]]:
    """Every procedure that loads, and the problems of those that do not."""
    procedures: list[Procedure] = []
    problems: list[Problem] = []
    ids: dict[str, Path] = {}
    for path in procedure_files(paths):
        try:
            proc = load_procedure(path)
        except ProcedureError as e:
            log.warning("procedure file refused: %s", e)
            problems.extend(e.problems)
            continue
        if proc.id in ids:
            problems.append(Problem(str(path), 1, f"id '{proc.id}' is also used by {ids[proc.id]}"))
            continue
        ids[proc.id] = path
        procedures.append(proc)
    return procedures, problems


class ProcedureNotFound(LookupError):
    pass


def find_procedure(procedure_id: str, paths: Iterable[Path | str] | None = None) -> Procedure:
    for path in procedure_files(paths):
        if path.stem == procedure_id:
            return load_procedure(path)
    raise ProcedureNotFound(procedure_id)
