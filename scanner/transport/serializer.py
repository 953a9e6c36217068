"""A faster drop-in for pypsrp's CLIXML deserializer, same results.

pypsrp 0.9.1's ``Serializer.deserialize`` serialises every element it visits back to text
(``ET.tostring``) before it knows whether it needs that text; it only does for objects it cannot
type and for complex objects (kept as ``_xml``). Nested hashtables and lists are visited level by
level, so the collector's answer is re-serialised once per nesting level: a third of the client's
CPU per host. This subclass takes a short path for exactly the two containers the collector answers
with (``System.Collections.Hashtable`` and ``System.Collections.ArrayList``/``System.Array``), for
the common primitives and for strings without ``_xHHHH_`` escapes, building the same Python values
pypsrp builds, and hands every other element to pypsrp unchanged. Serialising is left to pypsrp,
except that strings are escaped only when they need it, and a message whose builder names it with a
``CACHE_KEY`` attribute (the collector's CREATE_PIPELINE: the same bytes on every host) is
serialised once per process and key.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from collections.abc import Hashable
from typing import Any

from pypsrp.complex_objects import ObjectMeta
from pypsrp.powershell import RunspacePool
from pypsrp.serializer import Serializer

_DICT_TYPES = frozenset({"System.Collections.Hashtable"})
_LIST_TYPES = frozenset({"System.Collections.ArrayList", "System.Array"})
_UNHANDLED = object()
_LONG = 4096  # strings this long are escaped once and remembered (a few, at most: the scripts)
_INT_TAGS = frozenset({"By", "SB", "U16", "I16", "U32", "I32", "U64", "I64"})


# The attribute by which a message's builder says "my body is a function of this key alone".
CACHE_KEY = "exready_cache_key"
_BODIES_MAX = 16
_bodies: dict[Hashable, bytes] = {}


class FastSerializer(Serializer):
    def serialize(self, value: Any, metadata: ObjectMeta | None = None, parent: ET.Element | None = None,
                  clear: bool = True) -> Any:
        """pypsrp's, except for a top-level message carrying ``CACHE_KEY``: its CLIXML bytes (which
        pypsrp's Message.pack takes as they are) are built once per key."""
        key = getattr(value, CACHE_KEY, None) if parent is None and clear else None
        if key is None:
            return super().serialize(value, metadata, parent, clear)
        body = _bodies.get(key)
        if body is None:
            element = super().serialize(value, metadata, parent, clear)
            body = ET.tostring(element, encoding="utf-8", method="xml") if element is not None else b""
            if len(_bodies) >= _BODIES_MAX:
                _bodies.clear()
            _bodies[key] = body
        return body

    def deserialize(self, element: ET.Element | str, metadata: ObjectMeta | None = None,
                    clear: bool = True) -> Any:
        if _plain(metadata):
            parsed: ET.Element | str | None = element
            if isinstance(element, str):
                try:
                    parsed = ET.fromstring(element)  # noqa: S314 - pypsrp parses this very text the same way
                except ET.ParseError:
                    parsed = None  # pypsrp logs it and returns the text
            if isinstance(parsed, ET.Element):
                value = self._fast(parsed, clear)
                if value is not _UNHANDLED:
                    return value
        # Anything else goes to pypsrp as it came (it keeps the original text of what it cannot type).
        return super().deserialize(element, metadata, clear)

    def _fast(self, element: ET.Element, clear: bool) -> Any:
        tag = element.tag
        text = element.text
        if tag == "Obj":
            container = self._container(element, clear)
            if container is None:
                return _UNHANDLED
            obj: Any = self._deserialize_dct(element) if container == "DCT" else self._deserialize_lst(element, None)
            self.obj[element.attrib["RefId"]] = obj
            return obj
        if tag == "S":
            value: Any = self._deserialize_string(text)
        elif tag in _INT_TAGS and text is not None:
            value = int(text)
        elif tag == "B" and text is not None:
            value = text.lower() == "true"
        elif tag == "Version":
            value = text
        elif tag == "Nil":
            value = None
        else:
            return _UNHANDLED
        if clear:
            self._clear()
        return value

    def _serialize_string(self, value: str | None) -> str | None:
        # pypsrp escapes control characters one regex callback at a time: the collector script (about
        # 600 lines, each newline escaped) costs that on every host. Strings with nothing to escape are
        # returned as they are; long ones (the script) are escaped once per process.
        if value is None:
            return None
        if len(value) >= _LONG:
            return _escaped_long(value)
        if "_x" not in value and "_X" not in value and self._serial_str.search(value) is None:
            return value
        escaped: str | None = super()._serialize_string(value)
        return escaped

    def _deserialize_string(self, value: str | None) -> str:
        # pypsrp decodes _xHHHH_ escapes through a UTF-16 round trip; without "_x" that is the identity
        if value is not None and "_x" not in value:
            return value
        text: str = super()._deserialize_string(value)
        return text

    def _container(self, element: ET.Element, clear: bool) -> str | None:
        """"DCT" or "LST" when pypsrp would read ``element`` as a plain hashtable or list (having
        recorded its type names as pypsrp does), else None, with nothing changed. One pass over the
        children stands for pypsrp's findall("TN/T"), find("TN"), find("TNRef"), find("DCT")..."""
        tns: list[ET.Element] = []
        ref: ET.Element | None = None
        has: set[str] = set()
        for child in element:
            if child.tag == "TN":
                tns.append(child)
            elif child.tag == "TNRef" and ref is None:
                ref = child
            has.add(child.tag)
        types = [t.text or "" for tn in tns for t in tn if t.tag == "T"]
        if ref is not None:
            known = self.tn.get(ref.attrib.get("RefId", ""))
            if known is None:
                return None  # pypsrp raises on an unknown reference: let it
            named = known
        else:
            named = types
        if not named:
            return None
        first = named[0]
        if first.startswith("Deserialized.System."):
            first = first[13:]
        if first in _DICT_TYPES and "DCT" in has:
            kind = "DCT"
        elif first in _LIST_TYPES and "LST" in has:
            kind = "LST"
        else:
            return None
        if clear:
            self._clear()
        if types:
            self.tn[tns[0].attrib["RefId"]] = types  # what pypsrp's _get_types_from_obj records
        return kind

    def _deserialize_dct(self, element: ET.Element) -> dict[Any, Any]:
        # pypsrp's, with its findall("DCT/En") and find("*[@N='Key']") / find("*[@N='Value']") as loops
        dictionary: dict[Any, Any] = {}
        for dct in element:
            if dct.tag != "DCT":
                continue
            for entry in dct:
                if entry.tag != "En":
                    continue
                key = value = None
                for child in entry:
                    name = child.get("N")
                    if name == "Key" and key is None:
                        key = child
                    elif name == "Value" and value is None:
                        value = child
                k = self.deserialize(key if key is not None else "", clear=False)
                v = self.deserialize(value if value is not None else "", clear=False)
                dictionary[k] = v
        return dictionary


@functools.lru_cache(maxsize=8)
def _escaped_long(value: str) -> str:
    escaped: str | None = Serializer()._serialize_string(value)
    assert escaped is not None
    return escaped


def _plain(metadata: ObjectMeta | None) -> bool:
    """No metadata, or the default ``ObjectMeta()`` pypsrp hands to list items: both mean "look at
    the element's own type names"."""
    return metadata is None or (type(metadata) is ObjectMeta and metadata.object is None)


def use_fast_serializer(pool: RunspacePool) -> None:
    """Make ``pool`` (not yet opened) deserialize with ``FastSerializer``."""
    fast = FastSerializer()
    pool._serializer = fast
    pool._fragmenter.serializer = fast
