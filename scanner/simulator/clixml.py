"""A fast CLIXML serializer for the plain values a simulated host returns (dict -> Hashtable,
list -> ArrayList, str, int, bool, None), producing byte for byte what psrpcore's serializer produces
(a test holds it to that). psrpcore's general serializer builds an ElementTree and costs about a third
of the simulator's CPU per session; this writes the string directly. Anything else returns None and the
caller lets psrpcore serialize it."""

from __future__ import annotations

import functools
from typing import Any

from psrpcore.types._serializer import _serialize_string

_INT32_MAX = 2147483647
_TYPES = {
    "H": ("System.Collections.Hashtable", "System.Object"),
    "L": ("System.Collections.ArrayList", "System.Object"),
}


class _Unsupported(Exception):
    pass


@functools.lru_cache(maxsize=8192)
def _text(value: str) -> str:
    # most strings repeat from host to host (fact names, statuses, versions): memoised
    s = _serialize_string(value)
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")
    return s


class _Writer:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.ref = 0
        self.type_refs: dict[str, int] = {}

    def type_names(self, kind: str) -> str:
        ref = self.type_refs.get(kind)
        if ref is not None:
            return f'<TNRef RefId="{ref}" />'
        ref = self.type_refs[kind] = len(self.type_refs)
        return f'<TN RefId="{ref}">' + "".join(f"<T>{t}</T>" for t in _TYPES[kind]) + "</TN>"

    def value(self, v: Any, name: str) -> None:
        out = self.out
        t = type(v)
        if v is None:
            out.append(f"<Nil{name} />")
        elif t is str:
            out.append(f"<S{name}>{_text(v)}</S>")
        elif t is bool:
            out.append(f"<B{name}>{'true' if v else 'false'}</B>")
        elif t is int:
            tag = "I64" if v > _INT32_MAX else "I32"
            out.append(f"<{tag}{name}>{v}</{tag}>")
        elif t is dict:
            ref = self.ref
            self.ref += 1
            out.append(f'<Obj RefId="{ref}"{name}>{self.type_names("H")}')
            if not v:
                out.append("<DCT /></Obj>")
                return
            out.append("<DCT>")
            for key, item in v.items():
                if type(key) is not str:
                    raise _Unsupported
                out.append(f'<En><S N="Key">{_text(key)}</S>')
                self.value(item, ' N="Value"')
                out.append("</En>")
            out.append("</DCT></Obj>")
        elif t is list:
            ref = self.ref
            self.ref += 1
            out.append(f'<Obj RefId="{ref}"{name}>{self.type_names("L")}')
            if not v:
                out.append("<LST /></Obj>")
                return
            out.append("<LST>")
            for item in v:
                self.value(item, "")
            out.append("</LST></Obj>")
        else:
            raise _Unsupported


def serialize(value: Any) -> bytes | None:
    """The CLIXML of ``value`` as psrpcore would write it, or None when it holds another type."""
    writer = _Writer()
    try:
        writer.value(value, "")
    except _Unsupported:
        return None
    return "".join(writer.out).encode("utf-8")


_LONG = 4096  # strings this long are few and repeat on every pipeline: the collector's script


def memoise_long_strings() -> None:
    """Make psrpcore decode each long CLIXML string once per process. Every session sends the same
    26 KB collector script, newlines escaped as ``_x000A_``, which psrpcore decodes through a UTF-16
    round trip and a regular-expression callback per escape: a tenth of the simulator's CPU per
    session. Decoding is a pure function of the text, so the answer is the same. Idempotent."""
    from psrpcore.types import _serializer

    current = _serializer._deserialize_string
    if getattr(current, "_exready_memo", False):
        return
    cached = functools.lru_cache(maxsize=16)(current)

    def decode(value: str) -> str:
        return cached(value) if value is not None and len(value) >= _LONG else current(value)

    decode._exready_memo = True  # type: ignore[attr-defined]
    decode.__wrapped__ = current  # type: ignore[attr-defined]
    _serializer._deserialize_string = decode
