"""Records built from values that are valid by construction, without validation.

The classifier builds tens of Evidence and a few Amount records per item from values it
made itself (spans of the text, codes from the data files); pydantic's validation, and
even ``model_construct``'s per-call bookkeeping, would be most of their cost. The
returned Signal is still validated as a whole.

    >>> from oreradar.records import Evidence
    >>> make = constructor(Evidence, concept="KZ", kind="country", field="title", start=0, end=2, text="KZ")
    >>> make(concept="CN", kind="country", field="body", start=5, end=10, text="China").text
    'China'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import cython
from pydantic import BaseModel

__all__ = ["constructor"]

M = TypeVar("M", bound=BaseModel)

if cython.compiled:  # the C function behind object.__setattr__, without its slot wrapper (~1,000 instructions a call)
    from cython.cimports.cpython.object import PyObject_GenericSetAttr as _set
else:
    _set = object.__setattr__


def constructor(cls: type[M], **sample: Any) -> Callable[..., M]:
    """A fast ``cls.model_construct`` for calls that pass every field by keyword, in the
    order the model declares them. Checked once against pydantic on ``sample``; falls
    back to ``model_construct`` if a pydantic release changed its internals."""
    fields = frozenset(cls.model_fields)
    new = cls.__new__  # looked up once: per call it cost a fifth of the whole construction

    def construct(**values: Any) -> M:
        obj = new(cls)
        _set(obj, "__dict__", values)
        _set(obj, "__pydantic_fields_set__", set(fields))
        _set(obj, "__pydantic_extra__", None)
        _set(obj, "__pydantic_private__", None)
        return obj

    try:
        fast, checked = construct(**sample), cls(**sample)
        if fast == checked and fast.model_dump_json() == checked.model_dump_json():
            return construct
    except Exception:  # pragma: no cover - a pydantic release changed its internals
        pass
    return cls.model_construct  # pragma: no cover
