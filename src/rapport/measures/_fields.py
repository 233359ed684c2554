"""Typed access to one JSON object of an instrument file, with errors that name the field.

Private helper for ``registry.py``. Every read says which file and which field went wrong
(``phq9.json: items[8].options[2].value: expected a whole number``), because the people
adding an instrument are clinicians and developers editing JSON by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from rapport.measures.errors import InstrumentDefinitionError

__all__ = ["MISSING", "Node"]

T = TypeVar("T")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Node:
    """One JSON object inside an instrument file, at a known path."""

    __slots__ = ("data", "file", "path")

    def __init__(self, data: Any, file: str, path: str = "") -> None:
        if not isinstance(data, Mapping):
            raise InstrumentDefinitionError(file, path or "(top level)", "expected an object")
        self.data: Mapping[str, Any] = data
        self.file = file
        self.path = path

    # -- errors -------------------------------------------------------------------------

    def field(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str | int, problem: str) -> InstrumentDefinitionError:
        return InstrumentDefinitionError(self.file, self.field(key), problem)

    def check_keys(self, allowed: Iterable[str]) -> None:
        """Refuse unknown keys: a typo such as ``max_mising`` must not be silently ignored."""
        allowed_set = set(allowed)
        for key in self.data:
            if key not in allowed_set:
                raise self.error(key, f"unknown field (allowed: {', '.join(sorted(allowed_set))})")

    # -- typed reads --------------------------------------------------------------------

    def _get(self, key: str, default: Any) -> Any:
        if key in self.data:
            return self.data[key]
        if default is MISSING:
            raise self.error(key, "required field is missing")
        return default

    def text(self, key: str, default: Any = MISSING, *, allow_empty: bool = False) -> str:
        value = self._get(key, default)
        if not isinstance(value, str):
            raise self.error(key, "expected a string")
        if not allow_empty and not value.strip():
            raise self.error(key, "must not be empty")
        return value

    def flag(self, key: str, default: Any = MISSING) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, "expected true or false")
        return value

    def number(self, key: str, default: Any = MISSING) -> int | float:
        value = self._get(key, default)
        # bool is a subclass of int in Python; ``true`` is never a valid number here.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, "expected a number")
        return value

    def whole(self, key: str, default: Any = MISSING, *, minimum: int | None = None) -> int:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, "expected a whole number")
        if minimum is not None and value < minimum:
            raise self.error(key, f"must be at least {minimum}")
        return value

    def choice(self, key: str, choices: Iterable[str], default: Any = MISSING) -> str:
        options = tuple(choices)
        value = self.text(key, default)
        if value not in options:
            raise self.error(key, f"must be one of {', '.join(options)}; got {value!r}")
        return value

    def array(self, key: str, default: Any = MISSING) -> list[Any]:
        value = self._get(key, default)
        if not isinstance(value, list):
            raise self.error(key, "expected a list")
        return value

    def strings(self, key: str, default: Any = MISSING) -> tuple[str, ...]:
        values = self.array(key, default)
        for index, value in enumerate(values):
            if not isinstance(value, str) or not value:
                raise InstrumentDefinitionError(
                    self.file, f"{self.field(key)}[{index}]", "expected a non-empty string"
                )
        return tuple(values)

    def child(self, key: str) -> Node:
        return Node(self._get(key, MISSING), self.file, self.field(key))

    def optional_child(self, key: str) -> Node | None:
        if key not in self.data or self.data[key] is None:
            return None
        return self.child(key)

    def children(self, key: str, default: Any = MISSING) -> list[Node]:
        base = self.field(key)
        return [
            Node(value, self.file, f"{base}[{index}]")
            for index, value in enumerate(self.array(key, default))
        ]
