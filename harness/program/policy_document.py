"""`aws.iam.get_policy_document`, rendered offline exactly as the provider renders it.

The data source is pure (no AWS call): terraform-provider-aws builds the document from its
arguments (internal/service/iam/policy_document_data_source.go and policy_model.go), and
pulumi-aws returns that provider's `json`, `minifiedJson` and `id`. What this must copy, byte for
byte, so a rule reads the same document `pulumi up` would create:

- Key order: `Version`, `Id`, `Statement`; per statement `Sid`, `Effect`, `Action`, `NotAction`,
  `Resource`, `NotResource`, `Principal`, `NotPrincipal`, `Condition`; empty ones left out (an
  empty Sid too, since provider v5).
- `actions`, `resources` (and their Not forms) and principal identifiers are sets: duplicates go,
  one value is a string, several a list sorted in reverse byte order. `&{` becomes `${` in
  resources, principals and condition values (an error in a 2008-10-17 document).
- Several principal (or condition) blocks of one type (or test and variable) merge in the
  order of Terraform's set, which sorts elements by the decimal string of their CRC-32 hash.
- Condition values keep their order; a single value is a string.
- Source documents merge first, then the statements, then override documents; a statement with
  the Sid of one already merged replaces it; JSON documents are re-marshalled through the same
  structs (unknown keys dropped, names matched case-insensitively, as Go's decoder does).
- `json` is Go's `MarshalIndent(doc, "", "  ")` (HTML characters escaped), `minifiedJson` its
  compact form, `id` the decimal CRC-32 of `json`.

What the provider would refuse raises `PolicyDocumentError` with its reason; shapes whose
rendering this module cannot be sure of (a non-`*` string Principal, numbers in a condition,
the removed `sourceJson`/`overrideJson`) are refused too, never guessed.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, TypeVar

VERSIONS: Final = ("2008-10-17", "2012-10-17")
DEFAULT_VERSION: Final = "2012-10-17"
EFFECTS: Final = ("Allow", "Deny")
_SID: Final = re.compile(r"^[a-zA-Z0-9]*$")
_STATEMENT_KEYS: Final = (
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
)
_DOCUMENT_KEYS: Final = ("Version", "Id", "Statement")
_GO_ESCAPES: Final = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}

Statement = dict[str, Any]
T = TypeVar("T")


class PolicyDocumentError(ValueError):
    """What the provider would refuse (or what cannot be rendered with certainty)."""


def _crc(text: str) -> int:
    return zlib.crc32(text.encode())


def _set_order(items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    """Terraform SDKv2 `Set.List()`: one element per hash, ordered by the hash's decimal string."""
    by_hash: dict[str, T] = {}
    for item in items:
        by_hash.setdefault(str(_crc(key(item))), item)
    return [by_hash[code] for code in sorted(by_hash)]


def _string_set(values: Sequence[str]) -> str | list[str]:
    """`policyDecodeConfigStringList` of a set: one value as itself, several reverse-sorted."""
    unique = sorted(set(values), reverse=True)
    return unique[0] if len(unique) == 1 else unique


def _replace_vars(value: str | list[str], version: str, where: str) -> str | list[str]:
    items = [value] if isinstance(value, str) else value
    if version == "2008-10-17" and any("&{" in item for item in items):
        raise PolicyDocumentError(
            f"found &{{ sequence in ({where}), which is not supported in document version "
            "2008-10-17"
        )
    replaced = [item.replace("&{", "${") for item in items]
    return replaced[0] if isinstance(value, str) else replaced


def _strings(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyDocumentError(f"{what} must be a list of strings")
    return list(value)


def _principal_hash(block: Mapping[str, Any]) -> str:
    ids = _set_order(_strings(block.get("identifiers"), "identifiers"), lambda s: s)
    return "identifiers:{" + "".join(f"{i};" for i in ids) + "};type:" + str(block["type"]) + ";"


def _principals(blocks: Any, version: str, where: str) -> Any:
    """`IAMPolicyStatementPrincipalSet.MarshalJSON` of config blocks (set order)."""
    if not isinstance(blocks, list) or not all(
        isinstance(b, dict) and isinstance(b.get("type"), str) for b in blocks
    ):
        raise PolicyDocumentError(f"{where} must be a list of {{type, identifiers}} blocks")
    principals = [
        (
            str(b["type"]),
            _replace_vars(_string_set(_strings(b.get("identifiers"), where)), version, where),
        )
        for b in _set_order(blocks, _principal_hash)
    ]
    return _merge_principals(principals)


def _merge_principals(principals: Sequence[tuple[str, str | list[str]]]) -> Any:
    if len(principals) == 1 and principals[0][0] == "*" and principals[0][1] in ("*", ["*"]):
        return "*"
    merged: dict[str, str | list[str]] = {}
    for kind, identifiers in principals:
        current = merged.get(kind)
        if isinstance(identifiers, list):
            start = [] if current is None else [current] if isinstance(current, str) else current
            merged[kind] = [*start, *sorted(identifiers, reverse=True)]
        elif current is None:
            merged[kind] = identifiers
        else:
            merged[kind] = (
                [current, identifiers] if isinstance(current, str) else [*current, identifiers]
            )
    return {kind: merged[kind] for kind in sorted(merged)}


def _condition_hash(block: Mapping[str, Any]) -> str:
    values = "".join(f"{v};" for v in block["values"])
    return f"test:{block['test']};values:({values});variable:{block['variable']};"


def _merge_conditions(conditions: Iterable[tuple[str, str, list[str]]]) -> dict[str, Any]:
    merged: dict[str, dict[str, list[str]]] = {}
    for test, variable, values in conditions:
        merged.setdefault(test, {}).setdefault(variable, []).extend(values)
    return {
        test: {
            variable: values[0] if len(values) == 1 else values
            for variable, values in sorted(merged[test].items())
        }
        for test in sorted(merged)
    }


def _conditions(blocks: Any, version: str) -> dict[str, Any]:
    if not isinstance(blocks, list) or not all(
        isinstance(b, dict)
        and isinstance(b.get("test"), str)
        and isinstance(b.get("variable"), str)
        and isinstance(b.get("values"), list)
        and all(isinstance(v, str) for v in b["values"])
        for b in blocks
    ):
        raise PolicyDocumentError("conditions must be {test, variable, values: [string]} blocks")
    return _merge_conditions(
        (
            b["test"],
            b["variable"],
            [str(v) for v in _replace_vars(list(b["values"]), version, "condition")],
        )
        for b in _set_order(blocks, _condition_hash)
    )


def _config_statement(block: Mapping[str, Any], version: str) -> Statement:
    sid = block.get("sid") or ""
    if not isinstance(sid, str) or not _SID.match(sid):
        raise PolicyDocumentError(f"invalid sid {sid!r}: only alphanumeric characters")
    effect = block.get("effect") or "Allow"
    if effect not in EFFECTS:
        raise PolicyDocumentError(f"expected effect to be one of {list(EFFECTS)}, got {effect!r}")
    statement: Statement = {"Sid": sid, "Effect": effect}
    for arg, key, replace in (
        ("actions", "Action", False),
        ("notActions", "NotAction", False),
        ("resources", "Resource", True),
        ("notResources", "NotResource", True),
    ):
        if values := _strings(block.get(arg), arg):
            decoded = _string_set(values)
            statement[key] = _replace_vars(decoded, version, arg) if replace else decoded
    for arg, key in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
        if block.get(arg):
            statement[key] = _principals(block[arg], version, arg)
    if block.get("conditions"):
        statement["Condition"] = _conditions(block["conditions"], version)
    return statement


def _field(obj: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """Go's json decoding into a struct: keys matched case-insensitively, the last one wins,
    keys the struct does not declare dropped."""
    fields: dict[str, Any] = {}
    for key, value in obj.items():
        for name in names:
            if key == name or key.lower() == name.lower():
                fields[name] = value
                break
    return fields


def _json_principal(value: Any) -> Any:
    if value == "*":
        return "*"
    if not isinstance(value, dict):
        raise PolicyDocumentError(f'Principal {value!r} must be "*" or an object of lists')
    principals: list[tuple[str, str | list[str]]] = []
    for kind, ids in value.items():
        if isinstance(ids, str):
            principals.append((kind, ids))
        elif isinstance(ids, list) and all(isinstance(i, str) for i in ids):
            principals.append((kind, sorted(ids)))
        else:
            raise PolicyDocumentError(f"Principal {kind!r} must be a string or a list of strings")
    return _merge_principals(principals) if principals else None


def _json_condition(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        raise PolicyDocumentError("Condition must be an object of objects")
    found: list[tuple[str, str, list[str]]] = []
    for test, variables in value.items():
        if not isinstance(variables, dict):
            raise PolicyDocumentError(f"Condition {test!r} must be an object")
        for variable, values in variables.items():
            if isinstance(values, bool):
                found.append((test, variable, ["true" if values else "false"]))
            elif isinstance(values, str):
                found.append((test, variable, [values]))
            elif isinstance(values, list) and all(isinstance(v, str) for v in values):
                found.append((test, variable, list(values)))
            else:
                raise PolicyDocumentError(
                    f"Condition {test}.{variable} = {values!r}: the provider drops numbers; "
                    "quote them"
                )
    return _merge_conditions(found) or None


def _json_statement(raw: Any) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyDocumentError("each Statement must be an object")
    fields = _field(raw, _STATEMENT_KEYS)
    statement: Statement = {
        k: v for k, v in fields.items() if k not in ("Principal", "NotPrincipal", "Condition")
    }
    for key in ("Principal", "NotPrincipal"):
        if fields.get(key) is not None:
            principal = _json_principal(fields[key])
            if principal is not None:
                statement[key] = principal
    if fields.get("Condition") is not None and (condition := _json_condition(fields["Condition"])):
        statement["Condition"] = condition
    return statement


def _json_document(text: Any, what: str) -> dict[str, Any] | None:
    """A JSON policy as the provider re-reads it; None for an absent (empty) entry."""
    if text is None or text == "":
        return None
    try:
        decoded = json.loads(text) if isinstance(text, str) else None
    except json.JSONDecodeError as exc:
        raise PolicyDocumentError(f"{what} is not JSON: {exc}") from exc
    if not isinstance(decoded, dict):
        raise PolicyDocumentError(f"{what} must be a JSON object, given as a string")
    fields = _field(decoded, _DOCUMENT_KEYS)
    raw = fields.get("Statement") or []
    statements = [_json_statement(s) for s in ([raw] if isinstance(raw, dict) else raw)]
    return {
        "Version": str(fields.get("Version") or ""),
        "Id": str(fields.get("Id") or ""),
        "Statement": statements,
    }


def _merge(document: dict[str, Any], new: Mapping[str, Any]) -> None:
    """`IAMPolicyDoc.Merge`: adopt Id, upgrade Version, replace statements by Sid."""
    if new.get("Id"):
        document["Id"] = new["Id"]
    if str(new.get("Version") or "") > str(document.get("Version") or ""):
        document["Version"] = new["Version"]
    statements: list[Statement] = document["Statement"]
    for statement in new.get("Statement") or []:
        sid = statement.get("Sid") or ""
        same = next((i for i, s in enumerate(statements) if sid and s.get("Sid") == sid), None)
        if same is None:
            statements.append(statement)
        else:
            statements[same] = statement


def _sources(documents: Any, merged: dict[str, Any]) -> None:
    seen = {s["Sid"] for s in merged["Statement"] if s.get("Sid")}
    for index, text in enumerate(_list(documents, "sourcePolicyDocuments")):
        source = _json_document(text, f"sourcePolicyDocuments[{index}]")
        if source is None:
            continue
        for statement in source["Statement"]:
            sid = statement.get("Sid") or ""
            if sid in seen:
                raise PolicyDocumentError(
                    f"duplicate Sid ({sid}) in sourcePolicyDocuments (item {index}): remove the "
                    "Sid or make the Sids unique"
                )
            if sid:
                seen.add(sid)
        _merge(merged, source)


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PolicyDocumentError(f"{what} must be a list")
    return value


def _current(args: Mapping[str, Any], version: str) -> dict[str, Any]:
    statements: list[Statement] = []
    seen: set[str] = set()
    for block in _list(args.get("statements"), "statements"):
        if not isinstance(block, dict):
            raise PolicyDocumentError("each statement must be an object")
        statement = _config_statement(block, version)
        if statement["Sid"] in seen:
            raise PolicyDocumentError(
                f"duplicate Sid ({statement['Sid']}): remove the Sid or make it unique"
            )
        if statement["Sid"]:
            seen.add(statement["Sid"])
        statements.append(statement)
    return {"Version": version, "Id": str(args.get("policyId") or ""), "Statement": statements}


def _omitted(key: str, value: Any) -> bool:
    """Go's `omitempty`: a nil field, or an empty string field (Sid, Effect)."""
    return value is None or (key in ("Sid", "Effect") and value == "")


def _ordered(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document in the structs' field order, without the fields Go omits when empty."""
    result: dict[str, Any] = {}
    if document.get("Version"):
        result["Version"] = document["Version"]
    if document.get("Id"):
        result["Id"] = document["Id"]
    statements = [
        {key: s[key] for key in _STATEMENT_KEYS if not _omitted(key, s.get(key))}
        for s in document["Statement"]
    ]
    if statements:
        result["Statement"] = statements
    return result


def go_json(value: Any, *, indent: bool) -> str:
    """Go's `json.MarshalIndent(v, "", "  ")` (or `json.Marshal`) of plain JSON values."""
    text = (
        json.dumps(value, indent=2, ensure_ascii=False)
        if indent
        else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    )
    for char, escaped in _GO_ESCAPES.items():
        text = text.replace(char, escaped)
    return text


def render_policy_document(args: Mapping[str, Any]) -> dict[str, Any]:
    """The data source's result for its invoke arguments (camelCase, as the SDK sends them)."""
    for removed, use in (
        ("sourceJson", "sourcePolicyDocuments"),
        ("overrideJson", "overridePolicyDocuments"),
    ):
        if args.get(removed):
            raise PolicyDocumentError(f"{removed} is not rendered offline; use {use}")
    version = args.get("version") or DEFAULT_VERSION
    if version not in VERSIONS:
        raise PolicyDocumentError(
            f"expected version to be one of {list(VERSIONS)}, got {version!r}"
        )
    merged: dict[str, Any] = {"Version": "", "Id": "", "Statement": []}
    _sources(args.get("sourcePolicyDocuments"), merged)
    _merge(merged, _current(args, version))
    for index, text in enumerate(
        _list(args.get("overridePolicyDocuments"), "overridePolicyDocuments")
    ):
        override = _json_document(text, f"overridePolicyDocuments[{index}]")
        if override is not None:
            _merge(merged, override)
    document = _ordered(merged)
    pretty = go_json(document, indent=True)
    echoed = (
        "overrideJson",
        "overridePolicyDocuments",
        "policyId",
        "sourceJson",
        "sourcePolicyDocuments",
        "statements",
        "version",
    )
    return {
        **{key: args[key] for key in echoed if key in args},
        "id": str(_crc(pretty)),
        "json": pretty,
        "minifiedJson": go_json(document, indent=False),
    }
