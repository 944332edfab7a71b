"""The one condition language: data over session variables, parsed and checked, never eval'd.

Protocol transitions (`when:` of a step's transition) and persona trajectory events (`when:`
of an event) are written in it, over the one set of variables in `variables.yaml`.

A condition is one of:
  - text: `"suds <= 30"`, `"risk >= high"`, `"suds <= suds_peak - 20"`, `"step_done"`,
    `"not step_done"` (operators == != < <= > >=; the right side is a number, true/false,
    a risk level, or another variable with an optional `+ N` / `- N` offset);
  - a comparison mapping: `{var: suds, op: "<=", value: 30}` or
    `{var: suds, op: "<=", ref: suds_peak, offset: -20}`;
  - a combination: `{all: [...]}`, `{any: [...]}`, `{not: condition}` (`not` with a list
    means "none of"; `not_any: [...]` says the same).
A variable missing from the values (or None) makes its comparison unknown; `all`/`any`/`not`
follow three-valued logic, and a condition holds only when it is definitely true.
"""

from __future__ import annotations

import difflib
import math
import numbers
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from vocabulary.errors import InputProblem
from vocabulary.issues import Issue, Path
from vocabulary.variables import VariableSpec, session_variables

OPERATORS = ("==", "!=", "<", "<=", ">", ">=")
COMBINATORS = ("all", "any", "not", "not_any")
_COMPARISON_KEYS = {"var", "op", "value", "ref", "offset"}
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_NUMBER = r"-?\d+(?:\.\d+)?"


class ConditionError(InputProblem):
    """A condition that cannot be compiled (each problem names what is wrong with it)."""


@dataclass(frozen=True)
class Ref:
    """Another variable's value plus an offset, e.g. `suds_peak - 20`."""

    name: str
    offset: float = 0

    def __str__(self) -> str:
        if not self.offset:
            return self.name
        sign = "-" if self.offset < 0 else "+"
        return f"{self.name} {sign} {_number_text(abs(self.offset))}"


Value = bool | int | float | str | Ref


@dataclass(frozen=True)
class Compare:
    var: str
    op: str
    value: Value


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class NotOf:
    item: Condition


Condition = Compare | AllOf | AnyOf | NotOf
COMPILED = (Compare, AllOf, AnyOf, NotOf)


# ---------------------------------------------------------------- compiling


def compile_condition(
    raw: Any, path: Path = (), allowed: Collection[str] | None = None
) -> tuple[Condition | None, list[Issue]]:
    """Parse and type-check `raw`. `allowed` limits the variables (a protocol's `variables`)."""
    compiler = _Compiler(allowed)
    condition = compiler.condition(raw, path)
    return (condition if not compiler.issues else None), compiler.issues


def parse_condition(raw: Any) -> Condition:
    """Compile `raw` or raise ConditionError listing what is wrong with it."""
    condition, issues = compile_condition(raw)
    if condition is None:
        raise ConditionError([f"condition {raw!r}: {issue.message}" for issue in issues])
    return condition


class _Compiler:
    def __init__(self, allowed: Collection[str] | None):
        self.known = session_variables()
        self.allowed = set(allowed) if allowed is not None else None
        self.issues: list[Issue] = []

    def fail(self, path: Path, message: str) -> None:
        self.issues.append(Issue(path, message))

    def condition(self, raw: Any, path: Path) -> Condition | None:
        if isinstance(raw, str):
            return self.text(raw, path)
        if isinstance(raw, Mapping):
            return self.mapping(raw, path)
        self.fail(
            path,
            f"a condition is text such as 'suds <= 30' or a mapping (all / any / not / var), "
            f"not {_kind(raw)}; omit `when` for a transition that always applies",
        )
        return None

    def mapping(self, raw: Mapping[Any, Any], path: Path) -> Condition | None:
        keys = set(raw)
        if not keys:
            self.fail(path, "empty condition; omit `when` for a transition that always applies")
            return None
        combinators = keys & set(COMBINATORS)
        if combinators:
            if len(keys) > 1:
                self.fail(
                    path,
                    f"a condition mapping holds exactly one of all / any / not, got {_listing(keys)}",
                )
                return None
            key = next(iter(combinators))
            return self.combination(key, raw[key], path + (key,))
        unknown = keys - _COMPARISON_KEYS
        if unknown:
            name = str(sorted(unknown, key=str)[0])
            hint = ""
            if name in self.known:
                hint = (
                    f"; to compare it write '{name} <= 30' or {{var: {name}, op: '<=', value: 30}}"
                )
            self.fail(
                path + (name,),
                f"unknown key '{name}' in a condition (use all, any, not, or var/op/value){hint}",
            )
            return None
        return self.comparison_mapping(raw, path)

    def combination(self, key: str, raw: Any, path: Path) -> Condition | None:
        if key == "not_any":
            key = "not"  # `not_any: [...]` is `not: [...]`: none of them holds
        if key == "not" and not isinstance(raw, list):
            inner = self.condition(raw, path)
            return NotOf(inner) if inner is not None else None
        if not isinstance(raw, list) or not raw:
            self.fail(path, f"`{key}` takes a non-empty list of conditions")
            return None
        items = [self.condition(item, path + (index,)) for index, item in enumerate(raw)]
        if any(item is None for item in items):
            return None
        parts = tuple(item for item in items if item is not None)
        if key == "all":
            return AllOf(parts)
        if key == "any":
            return AnyOf(parts)
        return NotOf(AnyOf(parts))

    def comparison_mapping(self, raw: Mapping[str, Any], path: Path) -> Condition | None:
        for needed in ("var", "op"):
            if needed not in raw:
                self.fail(
                    path, f"a comparison needs `{needed}` (e.g. {{var: suds, op: '<=', value: 30}})"
                )
                return None
        if ("value" in raw) == ("ref" in raw):
            self.fail(path, "a comparison needs exactly one of `value` or `ref`")
            return None
        if "offset" in raw and "ref" not in raw:
            self.fail(path + ("offset",), "`offset` only goes with `ref`")
            return None
        name, op = raw["var"], raw["op"]
        if not isinstance(name, str):
            self.fail(path + ("var",), f"`var` is a variable name, not {_kind(name)}")
            return None
        if op not in OPERATORS:
            self.fail(
                path + ("op",), f"unknown operator {_show(op)} (use one of {' '.join(OPERATORS)})"
            )
            return None
        spec = self.variable(name, path + ("var",))
        if spec is None:
            return None
        if "ref" in raw:
            ref_name, offset = raw["ref"], raw.get("offset", 0)
            if not isinstance(ref_name, str):
                self.fail(path + ("ref",), f"`ref` is a variable name, not {_kind(ref_name)}")
                return None
            if not _is_number(offset):
                self.fail(path + ("offset",), f"`offset` is a number, not {_kind(offset)}")
                return None
            value: Value | None = self.reference(spec, op, Ref(ref_name, offset), path + ("ref",))
        else:
            value = self.literal(spec, op, raw["value"], path + ("value",))
        return Compare(name, op, value) if value is not None else None

    def text(self, raw: str, path: Path) -> Condition | None:
        text = raw.strip()
        if text.startswith("not "):
            inner = self.text(text[4:], path)
            return NotOf(inner) if inner is not None else None
        match = re.fullmatch(rf"({_NAME})\s*(.*)", text, re.DOTALL)
        if match is None:
            self.fail(
                path, f"cannot read condition {raw!r}: write VARIABLE OP VALUE, e.g. 'suds <= 30'"
            )
            return None
        name, rest = match.groups()
        if not rest:  # a bare name: a boolean that must be true
            spec = self.variable(name, path)
            if spec is None:
                return None
            if spec.type != "boolean":
                self.fail(
                    path,
                    f"'{name}' alone is a condition only for true/false variables; compare it, e.g. '{name} >= {_example(spec)}'",
                )
                return None
            return Compare(name, "==", True)
        op_match = re.match(r"(==|!=|<=|>=|<|>)\s*(.*)", rest, re.DOTALL)
        if op_match is None or not op_match.group(2):
            if op_match is None:
                token = rest.split()[0]
                self.fail(
                    path,
                    f"unknown operator {token!r} in {raw!r} (use one of {' '.join(OPERATORS)})",
                )
            else:
                self.fail(
                    path,
                    f"condition {raw!r} has nothing to compare with after {op_match.group(1)!r}",
                )
            return None
        op, operand = op_match.group(1), op_match.group(2).strip()
        spec = self.variable(name, path)
        if spec is None:
            return None
        quoted = re.fullmatch(r"(['\"])(.*)\1", operand)
        if quoted:
            operand = quoted.group(2)
        if operand in ("true", "false"):
            return self.compare(spec, op, operand == "true", path)
        if re.fullmatch(_NUMBER, operand):
            number = float(operand)
            return self.compare(spec, op, int(number) if number.is_integer() else number, path)
        ref = re.fullmatch(rf"({_NAME})(?:\s*([+-])\s*({_NUMBER}))?", operand)
        if ref is None:
            self.fail(path, f"cannot read the value {operand!r} in {raw!r}")
            return None
        word, sign, amount = ref.groups()
        if spec.type == "level" and word in spec.levels and sign is not None:
            self.fail(path, f"an offset (+ / -) only applies to numbers, not to '{spec.name}'")
            return None
        if spec.type == "level" and sign is None and word not in self.known:
            return self.compare(spec, op, word, path)
        offset = 0.0 if sign is None else float(amount) * (-1 if sign == "-" else 1)
        value = self.reference(
            spec, op, Ref(word, int(offset) if offset.is_integer() else offset), path
        )
        return Compare(name, op, value) if value is not None else None

    def compare(self, spec: VariableSpec, op: str, value: Any, path: Path) -> Condition | None:
        checked = self.literal(spec, op, value, path)
        return Compare(spec.name, op, checked) if checked is not None else None

    def variable(self, name: str, path: Path) -> VariableSpec | None:
        spec = self.known.get(name)
        if spec is None:
            self.fail(path, f"unknown variable '{name}'{_suggest(name, self.known)}")
            return None
        if self.allowed is not None and name not in self.allowed:
            self.fail(
                path, f"variable '{name}' is not listed in the protocol's `variables`; add it there"
            )
            return None
        return spec

    def literal(self, spec: VariableSpec, op: str, value: Any, path: Path) -> Value | None:
        if not self.operator_fits(spec, op, path):
            return None
        if spec.type == "boolean":
            if isinstance(value, bool):
                return value
            self.fail(path, f"'{spec.name}' is true or false, not {_show(value)}")
            return None
        if spec.type == "level":
            if isinstance(value, str) and value in spec.levels:
                return value
            hint = _suggest(str(value), spec.levels, list_all=False)
            self.fail(
                path,
                f"'{spec.name}' is a level ({', '.join(spec.levels)}), not {_show(value)}{hint}",
            )
            return None
        if not _is_number(value):
            self.fail(path, f"'{spec.name}' is {_numeric_range(spec)}, not {_show(value)}")
            return None
        if (spec.min is not None and value < spec.min) or (
            spec.max is not None and value > spec.max
        ):
            self.fail(
                path, f"'{spec.name}' is {_numeric_range(spec)}; {_show(value)} is out of range"
            )
            return None
        return value

    def reference(self, spec: VariableSpec, op: str, ref: Ref, path: Path) -> Ref | None:
        if not self.operator_fits(spec, op, path):
            return None
        other = self.variable(ref.name, path)
        if other is None:
            return None
        same_kind = (spec.is_numeric and other.is_numeric) or (
            spec.type == other.type and spec.levels == other.levels
        )
        if not same_kind:
            self.fail(
                path,
                f"cannot compare '{spec.name}' ({spec.type}) with '{other.name}' ({other.type})",
            )
            return None
        if ref.offset and not spec.is_numeric:
            self.fail(path, f"an offset (+ / -) only applies to numbers, not to '{spec.name}'")
            return None
        return ref

    def operator_fits(self, spec: VariableSpec, op: str, path: Path) -> bool:
        if spec.type == "boolean" and op not in ("==", "!="):
            self.fail(path, f"'{spec.name}' is true or false: compare it with == or != only")
            return False
        return True


# ---------------------------------------------------------------- evaluating


def evaluate(condition: Condition | Any, variables: Mapping[str, Any]) -> bool:
    """True when `condition` definitely holds for `variables` (unknown counts as not holding).

    `condition` is a compiled Condition or raw condition data (raising ConditionError if bad).
    A value of the wrong type or out of range is a bug in the caller: ValueError.
    """
    compiled = condition if isinstance(condition, COMPILED) else parse_condition(condition)
    return truth(compiled, variables) is True


def truth(condition: Condition, variables: Mapping[str, Any]) -> bool | None:
    """Three-valued truth: True, False, or None when it depends on a missing value."""
    if isinstance(condition, Compare):
        return _compare(condition, variables)
    if isinstance(condition, NotOf):
        inner = truth(condition.item, variables)
        return None if inner is None else not inner
    results = [truth(item, variables) for item in condition.items]
    if isinstance(condition, AllOf):
        if False in results:
            return False
        return None if None in results else True
    if True in results:
        return True
    return None if None in results else False


def _compare(condition: Compare, variables: Mapping[str, Any]) -> bool | None:
    spec = session_variables()[condition.var]
    left = _runtime_value(spec, variables.get(condition.var))
    if isinstance(condition.value, Ref):
        other = session_variables()[condition.value.name]
        right = _runtime_value(other, variables.get(condition.value.name))
        if right is None:
            return None
        if condition.value.offset:
            right = right + condition.value.offset
    else:
        right = spec.rank(condition.value) if spec.type == "level" else condition.value
    if left is None:
        return None
    return _apply(condition.op, left, right)


def _runtime_value(spec: VariableSpec, value: Any) -> Any:
    """The comparable form of a supplied value (a level becomes its rank); None if missing."""
    if value is None:
        return None
    if spec.type == "boolean":
        if isinstance(value, bool):
            return value
        raise ValueError(f"session variable '{spec.name}' should be true or false, got {value!r}")
    if spec.type == "level":
        level = str(value).strip().lower()
        if level not in spec.levels:
            raise ValueError(
                f"session variable '{spec.name}' should be one of {', '.join(spec.levels)}, got {value!r}"
            )
        return spec.rank(level)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise ValueError(f"session variable '{spec.name}' should be a number, got {value!r}")
    if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
        raise ValueError(f"session variable '{spec.name}' is {_numeric_range(spec)}, got {value!r}")
    return value


def _apply(op: str, left: Any, right: Any) -> bool:
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


# ---------------------------------------------------------------- describing


def describe(condition: Condition | None) -> str:
    """Readable text, e.g. `step_done or turns_in_step >= 8`; `always` for no condition."""
    if condition is None:
        return "always"
    if isinstance(condition, Compare):
        if isinstance(condition.value, bool) and condition.op in ("==", "!="):
            positive = condition.value == (condition.op == "==")
            return condition.var if positive else f"not {condition.var}"
        value = (
            str(condition.value).lower() if isinstance(condition.value, bool) else condition.value
        )
        if isinstance(value, float):
            value = _number_text(value)
        return f"{condition.var} {condition.op} {value}"
    if isinstance(condition, NotOf):
        return f"not {_grouped(condition.item)}"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    return joiner.join(_grouped(item) for item in condition.items)


def as_data(condition: Condition) -> str | dict:
    """The condition as data the compiler reads back to an equal condition (for storing)."""
    if isinstance(condition, Compare):
        value = condition.value
        text = str(value).lower() if isinstance(value, bool) else value
        return f"{condition.var} {condition.op} {_number_text(text) if isinstance(text, float) else text}"
    if isinstance(condition, NotOf):
        inner = condition.item
        if isinstance(inner, AnyOf):
            return {"not": [as_data(item) for item in inner.items]}
        return {"not": as_data(inner)}
    key = "all" if isinstance(condition, AllOf) else "any"
    return {key: [as_data(item) for item in condition.items]}


def variables_read(condition: Condition | None) -> set[str]:
    """Every variable the condition reads."""
    if condition is None:
        return set()
    if isinstance(condition, Compare):
        names = {condition.var}
        if isinstance(condition.value, Ref):
            names.add(condition.value.name)
        return names
    if isinstance(condition, NotOf):
        return variables_read(condition.item)
    return set().union(*(variables_read(item) for item in condition.items))


def _grouped(condition: Condition) -> str:
    text = describe(condition)
    return f"({text})" if isinstance(condition, (AllOf, AnyOf)) else text


# ---------------------------------------------------------------- small helpers


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _numeric_range(spec: VariableSpec) -> str:
    kind = "a whole number" if spec.type == "integer" else "a number"
    if spec.min is not None and spec.max is not None:
        return f"{kind} from {_number_text(spec.min)} to {_number_text(spec.max)}"
    if spec.min is not None:
        return f"{kind} of at least {_number_text(spec.min)}"
    return kind


def _example(spec: VariableSpec) -> str:
    if spec.type == "level":
        return spec.levels[len(spec.levels) // 2]
    return _number_text(spec.max if spec.max is not None else 3)


def _suggest(word: str, choices: Collection[str], list_all: bool = True) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (known: {', '.join(choices)})" if list_all else ""


def _kind(value: Any) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return _show(value)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _listing(keys: Collection[Any]) -> str:
    return ", ".join(sorted(str(key) for key in keys))
