"""Records packed column by column, to send a few hundred thousand of them to another process fast.

Pickling a list of records pickles every date, datetime and Decimal in it one by one (about 2 µs
each), while a column of a big sheet holds few different ones: a few hundred days, a few hundred
amounts. A packed column is its distinct values once and, per row, the index of its value (an
``array``, pickled as raw bytes). Values are told apart by identity for Decimals (``Decimal("1.0")``
and ``Decimal("1.00")`` are equal but print differently) and by value for dates and times, and a
column of datetimes travels as its dates and its times. Columns of text, numbers and enums are sent
as they are: pickle already sends a repeated object once.

``unpack(pack(records))`` gives records equal to the ones packed, of the same type.

:func:`fields_reducer` is for objects sent one by one: a frozen dataclass with slots is pickled as
its field values and rebuilt without running ``__init__`` (pickle's own way calls Python code that
walks the class's fields for every object). :func:`pack_objects` is for many such objects at once
(a refresh's 100,000 members' segments): they travel as one column per field and are rebuilt field
by field in C, about ten times faster than one by one.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time
from decimal import Decimal
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

_tuple_new = tuple.__new__
_combine = datetime.combine
_PLAIN_DATES = frozenset({date, time})  # hashable values whose equality is identity of content
_NONE = type(None)
_TZINFO = attrgetter("tzinfo")


@dataclass(frozen=True)
class _Table:
    """A column as its distinct values and each row's index among them."""

    values: list[Any]
    index: array[int]

    def unpack(self) -> list[Any]:
        return list(map(self.values.__getitem__, self.index))


@dataclass(frozen=True)
class _Moments:
    """A column of naive datetimes (and Nones) as their dates and their times of day."""

    days: Any
    times: Any

    def unpack(self) -> list[Any]:
        days, times = _unpack_column(self.days), _unpack_column(self.times)
        if None in days:
            return [None if d is None else _combine(d, t) for d, t in zip(days, times, strict=True)]
        return list(map(_combine, days, times))


def _table(column: Sequence[Any], key: Callable[[Any], Any] | None) -> _Table | None:
    """The column as a table of distinct values (told apart by ``key``, or by value); None when that
    saves little."""
    keys = column if key is None else list(map(key, column))
    first = dict(zip(keys, column, strict=True))
    if len(first) * 4 > len(column):
        return None
    position = {k: i for i, k in enumerate(first)}
    code = "B" if len(first) <= 0xFF else "H" if len(first) <= 0xFFFF else "L"
    return _Table(list(first.values()), array(code, map(position.__getitem__, keys)))


def _naive(column: Sequence[Any], with_none: bool) -> bool:
    moments = [v for v in column if v is not None] if with_none else column
    return set(map(_TZINFO, moments)) == {None}


def _pack_column(column: Sequence[Any]) -> Any:
    types = set(map(type, column))
    if types <= {datetime, _NONE} and datetime in types and _naive(column, _NONE in types):
        if _NONE in types:
            days = [None if v is None else v.date() for v in column]
            times = [None if v is None else v.time() for v in column]
        else:
            days, times = list(map(datetime.date, column)), list(map(datetime.time, column))
        return _Moments(_pack_column(days), _pack_column(times))
    if types <= _PLAIN_DATES | {_NONE} and types - {_NONE}:
        return _table(column, None) or list(column)
    if Decimal in types:
        return _table(column, id) or list(column)
    return list(column)


def _unpack_column(packed: Any) -> list[Any]:
    if isinstance(packed, _Table | _Moments):
        return packed.unpack()
    return packed  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Packed:
    """Records of one NamedTuple type, packed column by column."""

    kind: type
    count: int
    columns: tuple[Any, ...]


def pack(records: Sequence[NamedTuple], kind: type) -> Packed:
    """``records`` (all of type ``kind``, a NamedTuple) packed to pickle fast."""
    if not records:
        return Packed(kind, 0, ())
    width = len(records[0])
    return Packed(kind, len(records), tuple(_pack_column(list(map(itemgetter(i), records))) for i in range(width)))


def unpack(packed: Packed) -> list[Any]:
    """The records :func:`pack` was given."""
    if not packed.count:
        return []
    columns = [_unpack_column(c) for c in packed.columns]
    return list(map(_tuple_new, repeat(packed.kind, packed.count), zip(*columns, strict=True)))


_SETTERS: dict[type, tuple[Callable[[Any, Any], None], ...]] = {}


def _rebuild(kind: type, values: tuple[Any, ...]) -> Any:
    """An object of ``kind`` (a frozen dataclass with slots) holding ``values``, its fields in order."""
    obj: Any = object.__new__(kind)
    for put, value in zip(_SETTERS[kind], values, strict=True):
        put(obj, value)
    return obj


def fields_reducer(kind: type, change: Callable[[Any, list[Any]], None] | None = None) -> Callable[[Any], Any]:
    """A reduce function (for a pickler's ``dispatch_table``) that sends a ``kind`` object as its field
    values, which ``change(obj, values)`` may alter first (to leave out what the receiver never reads)."""
    names = [f.name for f in fields(kind)]
    if not hasattr(kind, "__slots__"):
        raise TypeError(f"{kind.__name__} has no slots")
    _SETTERS[kind] = tuple(getattr(kind, name).__set__ for name in names)  # the slots' own descriptors
    get = attrgetter(*names)
    if len(names) == 1:
        return lambda obj: (_rebuild, (kind, (get(obj),)))
    if change is None:
        return lambda obj: (_rebuild, (kind, get(obj)))

    def reduce(obj: Any) -> Any:
        values = list(get(obj))
        change(obj, values)
        return _rebuild, (kind, tuple(values))

    return reduce


# A change to packed columns before they travel (field name -> the column of the distinct objects'
# values): to leave out what the receiver never reads, or to make equal values one object.
ColumnsChange = Callable[[dict[str, list[Any]]], None]


@dataclass(frozen=True)
class PackedObjects:
    """Objects of one frozen dataclass with slots (and Nones), packed column by column: the distinct
    objects' field values, and each position's object among them (``index``: 0 is None, i is the
    i-th distinct object; None when every position holds an object of its own)."""

    kind: type
    columns: tuple[Any, ...]  # per field: its values packed as a Packed's column, or a PackedObjects
    index: array[int] | None


@dataclass(frozen=True)
class Nested:
    """How to pack a field that holds objects of a frozen dataclass with slots (see :func:`pack_objects`)."""

    kind: type
    change: ColumnsChange | None = None
    nested: Mapping[str, Nested] | None = None


def pack_objects(objects: Sequence[Any], kind: type, change: ColumnsChange | None = None,
                 nested: Mapping[str, Nested] | None = None) -> PackedObjects:
    """``objects`` (each a ``kind``, a frozen dataclass with slots, or None) packed to pickle fast.

    ``change`` may alter the columns first; a field named in ``nested`` holds objects packed the same
    way. An object at several positions is packed once (told apart by identity), and comes back as
    one object at those positions."""
    names = [f.name for f in fields(kind)]
    if not hasattr(kind, "__slots__"):
        raise TypeError(f"{kind.__name__} has no slots")
    distinct = list({id(o): o for o in objects if o is not None}.values())
    index: array[int] | None = None
    if len(distinct) != len(objects):
        position = {id(o): i for i, o in enumerate(distinct, start=1)}
        position[id(None)] = 0
        code = "B" if len(distinct) < 0xFF else "H" if len(distinct) < 0xFFFF else "L"
        index = array(code, map(position.__getitem__, map(id, objects)))
    columns = {name: list(map(attrgetter(name), distinct)) for name in names}
    if change is not None:
        change(columns)
    packed: list[Any] = []
    for name in names:
        inner = nested.get(name) if nested else None
        column = columns[name]
        packed.append(_pack_column(column) if inner is None
                      else pack_objects(column, inner.kind, inner.change, inner.nested))
    return PackedObjects(kind, tuple(packed), index)


def unpack_objects(packed: PackedObjects) -> list[Any]:
    """The objects :func:`pack_objects` was given (equal to them, less what its change left out)."""
    kind = packed.kind
    columns = [unpack_objects(c) if isinstance(c, PackedObjects) else _unpack_column(c) for c in packed.columns]
    count = len(columns[0]) if columns else 0
    objects: list[Any] = list(map(object.__new__, repeat(kind, count)))
    for name, column in zip([f.name for f in fields(kind)], columns, strict=True):
        deque(map(getattr(kind, name).__set__, objects, column), maxlen=0)  # each slot set in C
    if packed.index is None:
        return objects
    return list(map([None, *objects].__getitem__, packed.index))
