"""Python variables holding rows a SQLAlchemy or Django query on a dropped or renamed table returned.

`containers = Containers.query.all()`, then `for c in containers:` and
`render_template("admin/containers.html", containers=containers)`: once the table goes, every line
handling those rows goes with it (CTFd's `DROP TABLE containers`: its authors deleted the view
whose variable it was). Each such line is a reference to the table (via "model-row", evidence of the
dropped-table and renamed-table rules), as a Prisma row's is (impact.orm.prisma_rows).

Decisions:
- A variable is typed by an ORM query on the table (impact's own: `M.query...`, `session.query(M)`,
  `select(M)`, `M.objects...`, a model's constructor `M(...)`) whose first line assigns it
  (`name = <query>`) or loops over it (`for name in <query>:`); a query returning a count
  (an update or a delete) types nothing.
- The variable is that row (or those rows) from the line after the query to the end of the block
  assigning it (the first later line indented less), or to a line assigning the name again; a loop
  over it (`for c in containers:`) makes its target a row too, in the loop's body.
- Any use of the name outside strings and comments is a use of the rows (a property read, an
  argument, a return). A line starting a query on the table, or already naming the model, is
  evidence as that already.

Known limit (xfail in tests/test_python_rows.py): rows returned through a function of the project
(`rows = list_containers()`) or read through a relation from another model's row are not followed.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from impact.extract.references import COMMENT_LINE
from impact.model import ColumnReference, Query, QueryKind
from impact.orm.mapping import OrmMap

PYTHON_ORMS = ("django", "sqlalchemy", "sqlmodel", "sqlalchemy-core")

VIA = "model-row"
ROWS = (QueryKind.SELECT_STAR, QueryKind.SELECT_COLUMNS, QueryKind.INSERT)
_ASSIGN = re.compile(r"^(\s*)([A-Za-z_]\w*)\s*(?::[^=]+)?=(?!=)\s*\S")
_LOOP = re.compile(r"^(\s*)(?:async\s+)?for\s+([A-Za-z_]\w*)\s+in\s+")


def python_row_references(texts: Iterable[tuple[str, str, bool, list[Query]]], orm: OrmMap, tables: Iterable[str],
                          known: Iterable[ColumnReference] = ()) -> list[ColumnReference]:
    """Lines using a variable that holds rows of an ORM query on one of `tables`, in (file, text,
    generated, its queries) texts; `orm`: the models (a Python query names its model, its table is
    told later); `known`: references already found (not said twice)."""
    wanted = {t.lower() for t in tables}
    models = {m.name: m.table for t in tables for m in orm.on_table(t) if m.orm in PYTHON_ORMS and m.table}
    placed = {(r.file, r.line, (r.table or "").lower()) for r in known}
    found: list[ColumnReference] = []
    for rel, text, generated, queries in texts:
        if generated or not rel.endswith((".py", ".pyi")):
            continue
        on_table = [(q, q.table or models.get(q.model or "")) for q in queries if q.orm and q.kind in ROWS]
        on_table = [(q, table) for q, table in on_table if table and table.lower() in wanted]
        if not on_table:
            continue
        lines = text.splitlines()
        starts = {q.line for q, _ in on_table}
        for q, table in on_table:
            head = _ASSIGN.match(lines[q.line - 1]) or _LOOP.match(lines[q.line - 1]) if q.line <= len(lines) else None
            if head is None:
                continue
            body_from = q.end_line + 1
            indent = len(head.group(1)) + (1 if head.re is _LOOP else 0)  # a loop's target lives in its body
            for number, name in _uses(lines, head.group(2), body_from, indent):
                key = (rel, number, table.lower())
                if number in starts or key in placed:
                    continue
                placed.add(key)
                found.append(ColumnReference(rel, number, q.model or table, table, "property", False,
                                             lines[number - 1].strip()[:160], via=VIA, spelling=name))
    return found


def _uses(lines: list[str], name: str, first: int, indent: int, depth: int = 0) -> list[tuple[int, str]]:
    """(line, variable) of each line from `first` using `name` while its block (lines indented at
    least `indent`) lasts; a loop over it (`for c in name:`) follows `c` in the loop's body."""
    use = re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)")
    again = re.compile(rf"^\s*{re.escape(name)}\s*(?::[^=]+)?=(?!=)|^\s*(?:async\s+)?for\s+{re.escape(name)}\s+in\b")
    found = []
    for number in range(first, len(lines) + 1):
        line = lines[number - 1]
        if not line.strip() or COMMENT_LINE.match(line):
            continue
        if len(line) - len(line.lstrip()) < indent or again.match(line):
            break
        if any(not _in_string(line, m.start()) for m in use.finditer(_code(line))):
            found.append((number, name))
            loop = _LOOP.match(line)
            if loop and depth < 2 and re.match(rf"{re.escape(name)}\s*:", line[loop.end():].strip()):
                found += _uses(lines, loop.group(2), number + 1, len(loop.group(1)) + 1, depth + 1)
    return found


def _code(line: str) -> str:
    """The line without a trailing `# comment` (outside quotes)."""
    at = line.find("#")
    while at != -1:
        if not _in_string(line, at):
            return line[:at]
        at = line.find("#", at + 1)
    return line


def _in_string(line: str, at: int) -> bool:
    before = line[:at]
    return (before.count("'") - before.count("\\'")) % 2 == 1 or (before.count('"') - before.count('\\"')) % 2 == 1
