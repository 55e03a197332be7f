"""Prisma schema files (`schema.prisma`, or a multi-file `prisma/schema/*.prisma` folder) -> OrmModels.

Conventions Prisma applies implicitly, all modelled here:
- the table is the model's name exactly (case kept) unless `@@map("t")`; the column is the field's
  name unless `@map("c")`; `@@schema("s")` names the schema (multiSchema);
- a field whose type is another model (or view) is a relation: it has no column (its scalar
  foreign key, `authorId Int @map("author_id")`, is a field of its own);
- `@ignore` fields are never read or written by the client; `@@ignore` models have no accessor;
- the client reaches a model as `prisma.<name with a lower-case first letter>`.

Known limit: the grammar is read line by line (as `prisma format` writes it); a field split over
several lines is read from its first line only.
"""
from __future__ import annotations

import re

from impact.orm.mapping import OrmField, OrmModel

BLOCK = re.compile(r"^[ \t]*(model|view|enum|type)\s+(\w+)\s*\{", re.MULTILINE)
FIELD = re.compile(r"^\s*(\w+)\s+(Unsupported\s*\(\s*\"[^\"]*\"\s*\)|\w+)(\[\])?(\?)?\s*(.*)$")
MAP_ATTR = re.compile(r"@map\(\s*(?:name\s*:\s*)?\"([^\"]+)\"")
BLOCK_MAP = re.compile(r"^\s*@@map\(\s*(?:name\s*:\s*)?\"([^\"]+)\"", re.MULTILINE)
BLOCK_SCHEMA = re.compile(r"^\s*@@schema\(\s*\"([^\"]+)\"", re.MULTILINE)
IGNORE_MODEL = re.compile(r"^\s*@@ignore\b", re.MULTILINE)


def looks_like_schema(text: str) -> bool:
    return bool(BLOCK.search(text))


def read_schema(files: list[tuple[str, str]]) -> list[OrmModel]:
    """Models of one Prisma schema, given as (path, text) pairs (one file, or a schema folder)."""
    blocks = [(rel, kind, name, body, line) for rel, text in files for kind, name, body, line in _blocks(_uncommented(text))]
    relational = {name for _, kind, name, _, _ in blocks if kind in ("model", "view", "type")}
    return [_model(rel, name, body, line, relational) for rel, kind, name, body, line in blocks if kind in ("model", "view")]


def accessor(model_name: str) -> str:
    return model_name[:1].lower() + model_name[1:]


def _blocks(text: str):
    for match in BLOCK.finditer(text):
        close = _closing_brace(text, match.end())
        body = text[match.end() : close]
        yield match.group(1), match.group(2), body, text.count("\n", 0, match.start()) + 1


def _closing_brace(text: str, pos: int) -> int:
    depth, quoted = 1, False
    while pos < len(text):
        char = text[pos]
        if char == '"' and text[pos - 1] != "\\":
            quoted = not quoted
        elif not quoted and char == "{":
            depth += 1
        elif not quoted and char == "}":
            depth -= 1
            if depth == 0:
                return pos
        pos += 1
    return len(text)


def _model(rel: str, name: str, body: str, line: int, relational: set[str]) -> OrmModel:
    fields = []
    for offset, raw in enumerate(body.split("\n")):
        match = FIELD.match(raw)
        if match is None or raw.lstrip().startswith("@"):
            continue
        field_name, type_name, attributes = match.group(1), match.group(2), match.group(5)
        mapped = MAP_ATTR.search(attributes)
        is_relation = type_name in relational
        fields.append(OrmField(
            name=field_name,
            column=None if is_relation else (mapped.group(1) if mapped else field_name),
            line=line + offset,
            relation=type_name if is_relation else None,
            ignored="@ignore" in attributes.replace("@ignore(", ""),
        ))
    table = BLOCK_MAP.search(body)
    schema = BLOCK_SCHEMA.search(body)
    return OrmModel(
        orm="prisma", name=name, table=table.group(1) if table else name, file=rel, line=line,
        fields=tuple(fields), accessors=() if IGNORE_MODEL.search(body) else (accessor(name),),
        schema=schema.group(1) if schema else None,
    )


def _uncommented(text: str) -> str:
    """`//` comments blanked (never inside a string), line structure kept."""
    lines = []
    for raw in text.split("\n"):
        quoted, cut = False, len(raw)
        for i, char in enumerate(raw):
            if char == '"' and (i == 0 or raw[i - 1] != "\\"):
                quoted = not quoted
            elif not quoted and raw.startswith("//", i):
                cut = i
                break
        lines.append(raw[:cut])
    return "\n".join(lines)
