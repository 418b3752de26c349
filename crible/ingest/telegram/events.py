"""Reading ijson's basic events: walking objects, skipping values, building bounded ones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ijson

from crible.ingest.telegram.parts import MAX_DEPTH, MAX_TEXT, TOO_DEEP, Cuts, cut_string
from crible.ingest.telegram.stream import Source, events

MAX_VALUES = 100_000
"""Most values (strings, numbers, containers) built for one message; the rest is skipped."""

_OPEN = frozenset({"start_map", "start_array"})
_CLOSE = frozenset({"end_map", "end_array"})


class Truncated(ijson.IncompleteJSONError):  # type: ignore[misc]
    """The events ended inside a value."""


class EventReader:
    """The events of a source, read one value at a time.

    A value is built by ``_build``, which never holds more than ``MAX_VALUES`` values nor
    nests deeper than ``MAX_DEPTH``: what is past those bounds is skipped, not built, and
    noted in ``cuts`` (as are strings cut to ``MAX_TEXT``).
    """

    def __init__(self, source: Source) -> None:
        self.source = source
        self.cuts: Cuts = {}
        self._events: Iterator[tuple[str, Any]] = events(source)

    def _build(self, event: str, value: Any) -> Any:
        """The value an event starts, bounded (see the class docstring); cuts go to ``cuts``."""
        if event not in _OPEN:
            return cut_string(value, MAX_TEXT, "value", self.cuts) if event == "string" else value
        root: Any = {} if event == "start_map" else []
        stack: list[Any] = [root]
        key, field_name, count = "", "value", 0
        for event, value in self._events:
            if event == "map_key":
                key = value
                field_name = value if len(stack) == 1 else field_name
                continue
            if event in _CLOSE:
                stack.pop()
                if not stack:
                    return root
                continue
            count += 1
            if count > MAX_VALUES:
                self._skip_from(event)
                self.cuts.setdefault(
                    field_name, f"more than {MAX_VALUES} values: the rest not kept"
                )
                continue
            item: Any = value
            if event in _OPEN and len(stack) > MAX_DEPTH:
                self._skip_from(event)
                self.cuts.setdefault(
                    field_name, f"nested deeper than {MAX_DEPTH} levels: the rest not kept"
                )
                item = TOO_DEEP
            elif event in _OPEN:
                item = {} if event == "start_map" else []
            elif event == "string":
                item = cut_string(value, MAX_TEXT, field_name, self.cuts)
            parent = stack[-1]
            if type(parent) is dict:
                parent[key] = item
            else:
                parent.append(item)
            if item is not TOO_DEEP and event in _OPEN:
                stack.append(item)
        raise Truncated("premature EOF")

    def _value(self) -> Any:
        """The next value, built."""
        self.cuts = {}
        return self._build(*self._take())

    def _keys(self) -> Iterator[str]:
        """The keys of the object being read; the caller reads each key's value."""
        while (event := self._take())[0] != "end_map":
            yield str(event[1])

    def _skip(self) -> None:
        """Read past the next value without building it."""
        self._skip_from(self._take()[0])

    def _skip_from(self, event: str) -> None:
        """Read past the rest of a value whose first event was ``event``."""
        if event not in _OPEN:
            return
        depth = 1
        for event, _ in self._events:
            if event in _OPEN:
                depth += 1
            elif event in _CLOSE:
                depth -= 1
                if depth == 0:
                    return
        raise Truncated("premature EOF")

    def _take(self) -> tuple[str, Any]:
        """The next event; the end of the events here means the JSON was cut short."""
        event = next(self._events, None)
        if event is None:
            raise Truncated("premature EOF")
        return event
