"""Intuit's XSDs read at run time: the shape check used by the tests on every served entity, and
the unknown-field check on request bodies (Intuit's JSON binding rejects fields the schema lacks:
2010 "Unrecognized field ... not marked as ignorable").

Intuit's JSON keys are the XSD element (and attribute) names; repeated elements (maxOccurs > 1)
are JSON arrays; simple-content types such as ReferenceType become `{"value", <attributes>}`;
xs:decimal/int are JSON numbers, xs:boolean JSON booleans, everything else strings.
The XSDs are Intuit's own (copied from specs/quickbooks/xsd, see SOURCES.md).
"""

import math
import xml.etree.ElementTree as ET
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

XS = "{http://www.w3.org/2001/XMLSchema}"
XSD_DIR = Path(__file__).parent / "xsd"  # Intuit QuickBooks-V3-DotNET-SDK Schema dir
NUMBER = {"decimal", "int", "integer", "long", "double", "float", "short", "positiveInteger"}
# Envelope attributes every IntuitEntity may carry in JSON.


class Shape:
    def __init__(self):
        self.types: dict[str, ET.Element] = {}
        self.groups: dict[str, ET.Element] = {}
        self.simple: set[str] = set()
        self.enums: dict[str, tuple[str, ...]] = {}
        for path in sorted(XSD_DIR.glob("*.xsd")):
            root = ET.parse(path).getroot()  # noqa: S314 - our own pinned schema files
            for node in root:
                name = node.get("name")
                if node.tag == XS + "complexType":
                    self.types[name] = node
                elif node.tag == XS + "group":
                    self.groups[name] = node
                elif node.tag == XS + "simpleType":
                    self.simple.add(name)
                    values = [e.get("value") for e in node.iter(XS + "enumeration")]
                    if values:
                        self.enums[name] = tuple(values)

    @cache  # noqa: B019 - one Shape per process
    def members(self, type_name: str) -> tuple[dict, bool]:
        """(name -> (type, repeated, inline node)), simple_content) for a complex type."""
        node = self.types[type_name]
        return self._collect(node)

    def _collect(self, node) -> tuple[dict, bool]:
        out: dict = {}
        simple = node.find(XS + "simpleContent") is not None
        for ext in node.iter():
            if ext.tag in (XS + "extension", XS + "restriction") and ext.get("base"):
                base = _local(ext.get("base"))
                if base in self.types:
                    base_members, base_simple = self.members(base)
                    out.update(base_members)
                    simple = simple or base_simple
        self._walk(node, out)
        return out, simple

    def _walk(self, node, out: dict, repeated=False) -> None:
        for child in node:
            tag = child.tag
            many = repeated or child.get("maxOccurs") not in (None, "1")
            if tag == XS + "element" and child.get("name"):
                out[child.get("name")] = (_local(child.get("type") or ""), many, child)
            elif tag == XS + "attribute" and child.get("name"):
                out[child.get("name")] = (_local(child.get("type") or "string"), False, None)
            elif tag == XS + "group" and child.get("ref"):
                self._walk(self.groups[_local(child.get("ref"))], out, many)
            elif tag in (XS + "sequence", XS + "choice", XS + "all", XS + "group"):
                self._walk(child, out, many)
            elif tag in (XS + "complexContent", XS + "simpleContent") or tag in (
                XS + "extension",
                XS + "restriction",
            ):
                self._walk(child, out, repeated)


def _local(qname: str) -> str:
    return qname.split(":")[-1]


@cache
def shape() -> Shape:
    return Shape()


def problems(value, type_name: str, path: str = "") -> list[str]:
    """Every way `value` departs from the XSD type `type_name` (empty list = conforms)."""
    s = shape()
    if type_name in s.types:
        return _complex(s, value, type_name, path)
    return _leaf(value, type_name, path)


def _leaf(value, type_name: str, path: str) -> list[str]:
    if type_name in NUMBER:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif type_name == "boolean":
        ok = isinstance(value, bool)
    else:
        ok = isinstance(value, str)
    return [] if ok else [f"{path}: {value!r} is not {type_name}"]


def _complex(s: Shape, value, type_name: str, path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: expected object of {type_name}, got {type(value).__name__}"]
    members, simple = s.members(type_name)
    found = []
    for key, item in value.items():
        if key == "value" and simple:
            continue
        if key not in members:
            found.append(f"{path}.{key}: not an element of {type_name}")
            continue
        child_type, many, node = members[key]
        found += _member(s, item, child_type, many, node, f"{path}.{key}")
    return found


def _member(s, item, child_type, many, node, path) -> list[str]:
    if many:
        if not isinstance(item, list):
            return [f"{path}: repeated element must be a JSON array"]
        return [p for i, x in enumerate(item) for p in _one(s, x, child_type, node, f"{path}[{i}]")]
    if isinstance(item, list):
        return [f"{path}: single element served as an array"]
    return _one(s, item, child_type, node, path)


def _one(s, item, child_type, node, path) -> list[str]:
    if not child_type and node is not None:
        inline = node.find(XS + "complexType")
        if inline is not None:
            members, _ = s._collect(inline)
            if not isinstance(item, dict):
                return [f"{path}: expected object"]
            return [f"{path}.{k}: unknown" for k in item if k not in members]
        return []
    return problems(item, child_type, path)


def enum_values(type_name: str) -> tuple[str, ...]:
    """The values an XSD enumeration (PaymentTypeEnum, TimeActivityTypeEnum ...) allows."""
    return shape().enums.get(type_name, ())


def entity_problems(entity: str, value: dict) -> list[str]:
    """Check one entity as served (element name == type name for every QBO entity)."""
    return problems(value, entity, entity)


def unknown_fields(value, type_name: str, path: str = "") -> list[str]:
    """Names in a request body that the XSD type does not have (types are not checked: Intuit
    coerces "100.00" to a number)."""
    s = shape()
    if type_name not in s.types or not isinstance(value, dict):
        return []
    members, simple = s.members(type_name)
    found = []
    for key, item in value.items():
        if key == "value" and simple:
            continue
        if key not in members:
            found.append(key)
            continue
        child_type, _, _ = members[key]
        for sub in item if isinstance(item, list) else [item]:
            found += unknown_fields(sub, child_type, f"{path}.{key}")
    return found


class BindError(ValueError):
    """What Intuit's JSON binding refuses: the path and the Jackson-style reason (2010)."""


DATES = {"date", "dateTime"}


def bind(value: dict, type_name: str) -> dict:
    """The request body as Intuit's JSON binding reads it, or BindError.

    SDK-style clients send unset fields as empty strings (`"TxnDate": ""`, `"TotalAmt": ""`);
    QuickBooks binds "" and null of a number, date, boolean, enum or object field as unset, so
    they are dropped here. A value of the wrong JSON type (a word for a number, an impossible
    date, a string where an object or array belongs) is the 2010 binding fault, never a crash.
    Numbers stay as sent ("100.00" is coerced later, as Intuit does); strings stay strings.
    """
    s = shape()
    if type_name not in s.types:
        return value
    return _bind_complex(s, value, type_name, type_name)


def _bind_complex(s: Shape, value, type_name: str, path: str):
    if not isinstance(value, dict):
        raise BindError(f"{path}: expected an object of {type_name}")
    members, simple = s.members(type_name)
    out = {}
    for key, item in value.items():
        if key == "value" and simple:
            out[key] = _bind_text(item, f"{path}.value")
            continue
        if key not in members:  # refused before binding (unknown_fields)
            out[key] = item
            continue
        child_type, many, node = members[key]
        bound = _bind_member(s, item, child_type, many, node, f"{path}.{key}")
        if bound is not _UNSET:
            out[key] = bound
    return out


_UNSET = object()


def _bind_member(s: Shape, item, child_type: str, many: bool, node, path: str):
    if item is None or (item == "" and child_type != "string"):
        return _UNSET
    if many:
        if not isinstance(item, list):
            raise BindError(f"{path}: a repeated element must be a JSON array")
        return [
            x
            for i, one in enumerate(item)
            if (x := _bind_one(s, one, child_type, node, f"{path}[{i}]")) is not _UNSET
        ]
    return _bind_one(s, item, child_type, node, path)


def _bind_one(s: Shape, item, child_type: str, node, path: str):
    if item is None:
        return _UNSET
    if not child_type and node is not None:
        return item if isinstance(item, dict) else _fail(path, "an object", item)
    if child_type in s.types:
        if item == "":
            return _UNSET
        bound = _bind_complex(s, item, child_type, path)
        if s.members(child_type)[1] and bound.get("value") in ("", None):
            return _UNSET  # a reference with no id, {"value": ""}, refers to nothing
        return bound
    return _bind_leaf(item, child_type, path)


def _bind_leaf(item, type_name: str, path: str):
    if isinstance(item, dict | list):
        return _fail(path, type_name, item)
    if type_name in NUMBER:
        return _bind_number(item, type_name, path)
    if type_name == "boolean":
        if isinstance(item, bool):
            return item
        if str(item).lower() in ("true", "false"):
            return str(item).lower() == "true"
        return _fail(path, "boolean", item)
    if type_name in DATES:
        return _bind_date(item, type_name, path)
    if item == "" and type_name != "string":
        return _UNSET
    return _bind_text(item, path)


def _bind_number(item, type_name: str, path: str):
    if isinstance(item, bool):
        return _fail(path, type_name, item)
    if isinstance(item, float) and not math.isfinite(item):
        return _fail(path, type_name, item)
    if isinstance(item, str):
        try:
            number = Decimal(item.strip())
        except InvalidOperation:
            return _fail(path, type_name, item)
        if not number.is_finite():
            return _fail(path, type_name, item)
    return item


def _bind_date(item, type_name: str, path: str):
    if not isinstance(item, str):
        return _fail(path, type_name, item)
    text = item.strip()
    if not text:
        return _UNSET
    try:
        if type_name == "date" and len(text) == 10:
            date.fromisoformat(text)
        else:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return _fail(path, type_name, item)
    return item


def _bind_text(item, path: str):
    if isinstance(item, dict | list):
        return _fail(path, "string", item)
    if isinstance(item, bool):
        return "true" if item else "false"
    return item if isinstance(item, str) else str(item)


def _fail(path: str, expected: str, item):
    shown = str(item)[:40]
    raise BindError(
        f"Property Name:Can not construct instance of {expected} from value '{shown}' at "
        f"{path} specified is unsupported or invalid"
    )
