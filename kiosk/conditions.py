"""A small, safe expression language for conditional steps and fields.

``motif = 'vol' and not a_ancien_permis`` is tokenised and parsed into a
tree of plain objects, checked against the procedure's fields when the
file is loaded, and evaluated over answers. Nothing is ever ``eval``-ed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class ConditionError(ValueError):
    pass


#: Conditions are short sentences; these bounds keep a hostile one cheap
#: (and the recursive parser far from Python's recursion limit).
MAX_CONDITION_LENGTH = 2000
MAX_DEPTH = 20
MAX_NUMBER_DIGITS = 30


# -- tokens --------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""\s*(?:
      (?P<number>-?\d+(?:\.\d+)?)
    | (?P<string>'[^']*'|"[^"]*")
    | (?P<op><=|>=|!=|==|≠|≤|≥|=|<|>|\(|\)|\[|\]|,)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "is", "empty", "includes", "excludes", "true", "false"}
_OP_ALIASES = {"==": "=", "≠": "!=", "≤": "<=", "≥": ">="}


@dataclass(frozen=True)
class _Token:
    kind: str  # number, string, op, word, keyword, end
    value: str
    pos: int


def _tokenise(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(source):
        if source[pos:].strip() == "":
            break
        m = _TOKEN_RE.match(source, pos)
        if not m or m.end() == pos:
            raise ConditionError(f"unexpected character {source[pos:].strip()[0]!r}")
        kind = m.lastgroup or ""
        value = m.group(kind)
        start = m.start(kind)
        if kind == "word" and value in _KEYWORDS:
            kind = "keyword"
        if kind == "op":
            value = _OP_ALIASES.get(value, value)
        tokens.append(_Token(kind, value, start))
        pos = m.end()
    tokens.append(_Token("end", "", len(source)))
    return tokens


# -- tree ----------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str


@dataclass(frozen=True)
class Literal:
    value: Any  # str, int, float, bool or a tuple of those


@dataclass(frozen=True)
class Compare:
    op: str  # = != < <= > >= in notin includes excludes
    left: Node
    right: Node


@dataclass(frozen=True)
class Empty:
    operand: Node
    negated: bool


@dataclass(frozen=True)
class Truthy:
    field: Field


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class BoolOp:
    op: str  # and, or
    operands: tuple[Node, ...]


Node = Field | Literal | Compare | Empty | Truthy | Not | BoolOp


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokenise(source)
        self.i = 0
        self.depth = 0

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionError(f"nested too deeply (more than {MAX_DEPTH} levels)")

    def peek(self, offset: int = 0) -> _Token:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def accept(self, value: str) -> bool:
        tok = self.peek()
        if tok.kind in ("keyword", "op") and tok.value == value:
            self.i += 1
            return True
        return False

    def expect(self, value: str) -> None:
        if not self.accept(value):
            tok = self.peek()
            found = "the end" if tok.kind == "end" else repr(tok.value)
            raise ConditionError(f"expected '{value}' but found {found}")

    def parse(self) -> Node:
        node = self.or_()
        if self.peek().kind != "end":
            raise ConditionError(f"unexpected {self.peek().value!r}")
        return node

    def or_(self) -> Node:
        items = [self.and_()]
        while self.accept("or"):
            items.append(self.and_())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def and_(self) -> Node:
        items = [self.not_()]
        while self.accept("and"):
            items.append(self.not_())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def not_(self) -> Node:
        if self.accept("not"):
            self.deeper()
            node = Not(self.not_())
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        tok = self.peek()
        if tok.kind == "op" and tok.value in ("=", "!=", "<", "<=", ">", ">="):
            self.take()
            return Compare(tok.value, left, self.operand())
        if self.accept("is"):
            negated = self.accept("not")
            self.expect("empty")
            return Empty(left, negated)
        if self.peek().value == "not" and self.peek(1).value == "in":
            self.i += 2
            return Compare("notin", left, self.operand())
        for word in ("in", "includes", "excludes"):
            if self.accept(word):
                return Compare(word, left, self.operand())
        if isinstance(left, Field):
            return Truthy(left)
        if isinstance(left, BoolOp | Not | Compare | Empty | Truthy):
            return left
        raise ConditionError("a value alone is not a condition")

    def operand(self) -> Node:
        tok = self.take()
        if tok.kind == "word":
            return Field(tok.value)
        if tok.kind == "string":
            return Literal(tok.value[1:-1])
        if tok.kind == "number":
            if sum(c.isdigit() for c in tok.value) > MAX_NUMBER_DIGITS:
                raise ConditionError(f"a number has more than {MAX_NUMBER_DIGITS} digits")
            return Literal(float(tok.value) if "." in tok.value else int(tok.value))
        if tok.kind == "keyword" and tok.value in ("true", "false"):
            return Literal(tok.value == "true")
        if tok.kind == "op" and tok.value == "(":
            self.deeper()
            inner = self.or_()
            self.expect(")")
            self.depth -= 1
            return inner
        if tok.kind == "op" and tok.value == "[":
            self.deeper()
            values: list[Any] = []
            while not self.accept("]"):
                item = self.operand()
                if not isinstance(item, Literal) or isinstance(item.value, tuple):
                    raise ConditionError("a list holds only texts, numbers, true or false")
                values.append(item.value)
                if not self.accept(","):
                    self.expect("]")
                    break
            self.depth -= 1
            return Literal(tuple(values))
        found = "the end" if tok.kind == "end" else repr(tok.value)
        raise ConditionError(f"expected a field name or a value but found {found}")


def parse(source: str) -> Node:
    if not isinstance(source, str) or not source.strip():
        raise ConditionError("a condition cannot be empty")
    if len(source) > MAX_CONDITION_LENGTH:
        raise ConditionError(f"a condition is at most {MAX_CONDITION_LENGTH} characters long")
    return _Parser(source).parse()


def fields_of(node: Node) -> set[str]:
    match node:
        case Field(name):
            return {name}
        case Truthy(field):
            return {field.name}
        case Compare(_, left, right):
            return fields_of(left) | fields_of(right)
        case Empty(operand, _) | Not(operand):
            return fields_of(operand)
        case BoolOp(_, operands):
            return set().union(*(fields_of(o) for o in operands))
    return set()


# -- static checks ---------------------------------------------------------


@dataclass(frozen=True)
class FieldInfo:
    """What the checker knows of a field a condition may use."""

    kind: str  # string, number, boolean, date, list, object, attachment
    choices: frozenset[str] | None = None


_ORDERED = {"number", "date"}


def check(node: Node, known: Mapping[str, FieldInfo]) -> list[str]:
    """Problems that would make the condition never evaluate as meant."""
    problems: list[str] = []

    def literal_fits(info: FieldInfo, name: str, value: Any) -> None:
        if isinstance(value, tuple):
            for v in value:
                literal_fits(info, name, v)
            return
        if info.kind == "boolean" and not isinstance(value, bool):
            problems.append(f"'{name}' is a yes/no answer: compare it with true or false")
        elif info.kind == "number" and (
            isinstance(value, bool) or not isinstance(value, int | float)
        ):
            problems.append(f"'{name}' is a number: compare it with a number, not {value!r}")
        elif info.kind in ("string", "list") and info.choices is not None:
            if value not in info.choices:
                allowed = ", ".join(sorted(info.choices))
                problems.append(f"'{value}' is not a choice of '{name}' (choices: {allowed})")
        elif info.kind in ("string", "date", "list") and not isinstance(value, str):
            problems.append(f"'{name}' holds text: compare it with a quoted value, not {value!r}")
        elif info.kind == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            problems.append(f"'{name}' is a date: compare it with 'YYYY-MM-DD', not {value!r}")
        elif info.kind in ("object", "attachment"):
            problems.append(f"'{name}' can only be tested with 'is empty' or 'is not empty'")

    def visit(n: Node) -> None:
        for name in sorted(fields_of(n)):
            if name not in known:
                problems.append(f"unknown field '{name}' (or it comes later in the procedure)")
        match n:
            case Truthy(field) if field.name in known:
                if known[field.name].kind != "boolean":
                    problems.append(
                        f"'{field.name}' is not a yes/no answer: write '{field.name} is not empty'"
                        " or compare it with a value"
                    )
            case Compare(op, Field(name), Literal(value)) if name in known:
                info = known[name]
                if op in ("<", "<=", ">", ">=") and info.kind not in _ORDERED:
                    problems.append(f"'{name}' has no order: '{op}' cannot compare it")
                if op in ("in", "notin") and not isinstance(value, tuple):
                    problems.append("'in' needs a list, such as ['a', 'b']")
                if op in ("includes", "excludes") and info.kind != "list":
                    problems.append(
                        f"'{op}' works on multiple-choice answers only; '{name}' is not one"
                    )
                if op not in ("in", "notin") and isinstance(value, tuple):
                    problems.append(f"'{op}' cannot compare '{name}' with a list")
                literal_fits(info, name, value)
            case Compare(op, Literal(), Field(name)):
                problems.append(f"write the field first: '{name} {op} …'")
            case Compare(_, Field(), Field()):
                pass
            case Compare(_, left, right) if not isinstance(left, Field | Literal) or not isinstance(
                right, Field | Literal
            ):
                problems.append("a comparison takes a field and a value")
            case Compare(_, Literal(), Literal()):
                problems.append("a comparison needs a field")
            case Empty(operand, _) if not isinstance(operand, Field):
                problems.append("'is empty' applies to a field")
            case Not(operand):
                visit(operand)
            case BoolOp(_, operands):
                for o in operands:
                    visit(o)

    visit(node)
    return list(dict.fromkeys(problems))


# -- evaluation ------------------------------------------------------------


def _value(node: Node, answers: Mapping[str, Any]) -> Any:
    if isinstance(node, Field):
        return answers.get(node.name)
    if isinstance(node, Literal):
        return node.value
    return evaluate(node, answers)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def evaluate(node: Node, answers: Mapping[str, Any]) -> bool:
    """True when the condition holds; a missing answer makes comparisons false."""
    match node:
        case BoolOp("and", operands):
            return all(evaluate(o, answers) for o in operands)
        case BoolOp(_, operands):
            return any(evaluate(o, answers) for o in operands)
        case Not(operand):
            return not evaluate(operand, answers)
        case Truthy(field):
            return answers.get(field.name) is True
        case Empty(operand, negated):
            return _is_empty(_value(operand, answers)) != negated
        case Compare(op, left, right):
            a, b = _value(left, answers), _value(right, answers)
            if _is_empty(a) or b is None:
                return False
            try:
                return _compare(op, a, b)
            except TypeError:
                return False
    return False


def may_hold(node: Node, answers: Mapping[str, Any], unknown: set[str]) -> bool | None:
    """Three-valued ``evaluate``: None when the condition depends on a field in
    ``unknown`` (not answered yet) and the known answers do not settle it."""
    match node:
        case BoolOp("and", operands):
            found = [may_hold(o, answers, unknown) for o in operands]
            return False if False in found else (None if None in found else True)
        case BoolOp(_, operands):
            found = [may_hold(o, answers, unknown) for o in operands]
            return True if True in found else (None if None in found else False)
        case Not(operand):
            inner = may_hold(operand, answers, unknown)
            return None if inner is None else not inner
    if fields_of(node) & unknown:
        return None
    return evaluate(node, answers)


def _compare(op: str, a: Any, b: Any) -> bool:
    if isinstance(a, bool) != isinstance(b, bool) and op in ("=", "!="):
        return False
    match op:
        case "=":
            return bool(a == b)
        case "!=":
            return bool(a != b)
        case "<":
            return bool(a < b)
        case "<=":
            return bool(a <= b)
        case ">":
            return bool(a > b)
        case ">=":
            return bool(a >= b)
        case "in":
            return isinstance(b, tuple) and a in b
        case "notin":
            return isinstance(b, tuple) and a not in b
        case "includes":
            return isinstance(a, list) and b in a
        case "excludes":
            return isinstance(a, list) and b not in a
    return False
