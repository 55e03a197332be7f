"""Places in code that name a column the migration changes (identifiers, keys, strings)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from impact.extract.name_positions import NamePositions
from impact.model import ColumnReference, Query
from impact.orm import CODE_DECLARATION_SUFFIXES as TS_SUFFIXES
from impact.orm.wrappers import call_holder, call_pattern

COMMENT_LINE = re.compile(r"^\s*(?://|#|--|/\*|\*)")


def find_references(
    rel: str, text: str, columns: set[str], queries: list[Query], generated: bool = False,
    spellings: Mapping[str, tuple[str, str | None]] | None = None, wrappers: Mapping[str, str] | None = None,
) -> list[ColumnReference]:
    """Every whole-word occurrence of a changed column name, classified by its context.

    `spellings`: names the code uses for a changed column through an ORM (`eventDataType` for
    `event_data_type`) -> (column, the one table whose model maps it, or None when several do).
    `wrappers`: functions wrapping an ORM query on one affected table -> that table
    (impact.orm.wrappers): a name with no table written in a call to one is that table's.
    """
    alternatives = getattr(spellings, "alternatives", {})  # a name several affected models map to different columns
    spellings = dict(spellings or {})
    names = set(columns) | set(spellings)
    if not any(name in text for name in names):  # a match is a substring (case-sensitive): none, no line split
        return []
    pattern = re.compile(r"(?<![\w$])(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")(?![\w$])")
    spans = [(q.line, q.end_line, q) for q in queries]
    found = []
    lines = text.splitlines()
    docstrings = None  # computed for the first reference of a Python file
    positions = NamePositions(rel, text, lines)
    where: list[tuple[int, int, int] | None] = []  # per reference: where a position may void a later `file-queries`
    for number in _lines_naming(text, names, len(lines)):
        line = lines[number - 1]
        if not pattern.search(line) or COMMENT_LINE.match(line):
            continue
        for match in pattern.finditer(line):
            span = next((span for span in spans if span[0] <= number <= span[1]), None)
            ref = _reference(rel, number, line, match, span[2] if span else None, generated, spellings, lines)
            at = None
            if (span is None and not generated and ref.via in _WEAK
                    and (ref.context in ("identifier", "property") or (ref.context == "string" and positions.python and positions.test))
                    and "." not in match.group(1)):  # `FieldNameUser.photoUrl`, a constant holding the column's name: no variable
                # A name with no table is never evidence: its position is read only if the file's queries give it
                # one (`file-queries`, below); saleor's DROP has ~4,500 such names (issue 13: +0.05 s warm).
                at = (number, match.start(), match.end())
                if ref.via == "orm-field" or ref.context == "string":  # a test's data key, whatever binds it later
                    ref = replace(ref, handed_on=positions.kind(*at))
            if span is None and rel.endswith((".py", ".pyi")):
                docstrings = _docstring_spans(text) if docstrings is None else docstrings
            if span is None and docstrings and any(first <= number <= last for first, last in docstrings):
                # prose (pretalx's `:param position: Helper field…`)
                ref = replace(ref, context="text", table=None, via="generated-type" if generated else "name-only")
            found.append(ref)
            where.append(at)
            if match.group(1) in alternatives:  # one copy per column the name may be; impact.orm.spelling_alternatives keeps the right one
                found[-1] = ref = replace(ref, spelling=match.group(1))
                found += [replace(ref, column=other) for other in alternatives[match.group(1)]]
                where += [at] * len(alternatives[match.group(1)])
    respelled = frozenset(column.lower() for name, (column, _) in spellings.items() if name != column)
    respelled |= {other.lower() for others in alternatives.values() for other in others}
    # Both passes return one reference per reference given, in order.
    out = _attributed(_in_wrapper_calls(rel, text, found, lines, wrappers or {}, where, positions), queries, respelled)
    return [replace(ref, handed_on=positions.kind(*at)) if at and ref.via == "file-queries" and ref.handed_on is None else ref
            for ref, at in zip(out, where)]



def _in_wrapper_calls(rel: str, text: str, found: list[ColumnReference], lines: list[str],
                      wrappers: Mapping[str, str], where: list, positions: NamePositions) -> list[ColumnReference]:
    """`updateWebsite(id, { shareId })`: a name with no table, or a field name handed to a function
    (impact.extract.handed_on), in a call to a wrapper of one table."""
    def open_(ref: ColumnReference) -> bool:
        return (ref.via == "name-only" and ref.context != "sql") or (ref.via == "orm-field" and ref.handed_on is not None)

    pattern = call_pattern(dict(wrappers)) if any(map(open_, found)) else None
    if pattern is None:
        return found
    holder, out = call_holder(rel, text, lines, pattern), []
    for ref, at in zip(found, where):
        wrapper = holder(ref.line, ref.spelling or ref.column) if open_(ref) else None
        if wrapper and at and ((ref.handed_on or positions.kind(*at)) == "parameter" or positions.bare(*at)):
            # the wrapper's own declaration (kaneo's `function signUp(email, password)`), or a value handed to it
            # (`updateProjectTeam(teamId, projectId, body)`: a variable's name; the wrapper's query is the evidence)
            wrapper = None
        out.append(replace(ref, table=wrappers[wrapper], via="orm-wrapper") if wrapper else ref)
    return out


def _lines_naming(text: str, names: set[str], count: int) -> list[int]:
    """The numbers of the lines holding a name (a plain substring, found with str.find): only
    those are matched word by word, so the cost follows the hits, not the file's length.
    Line numbers follow str.splitlines; when its line breaks are not all "\n" (\r, \v, \x1c, ...)
    every line is a candidate."""
    if count != text.count("\n") + (not text.endswith("\n")) or "\r" in text:
        return list(range(1, count + 1))
    numbers = set()
    for name in names:
        line, counted = 1, 0
        at = text.find(name)
        while at != -1:
            line += text.count("\n", counted, at)
            counted = at
            numbers.add(line)
            end = text.find("\n", at)
            at = -1 if end == -1 else text.find(name, end)
    return sorted(numbers)


_WEAK = ("orm-field", "name-only")  # attributions a name's position may void (impact.extract.handed_on)


_PREFIX = frozenset("rRuUbB")


def docstring_lines(text: str) -> frozenset[int]:
    return frozenset(n for first, last in _docstring_spans(text) for n in range(first, last + 1))


def _docstring_spans(text: str) -> list[tuple[int, int]]:
    """Lines of Python docstrings: a triple-quoted string opening a line right after a `def`/`class`
    header (or at the top of the module), to its closing quotes. A triple-quoted string anywhere else
    (`cur.execute(\"\"\"SELECT …`, `sql = \"\"\"…`) is not one: SQL lives there. Found from the
    triple quotes alone (str.find): a line-by-line pass cost saleor's warm scan 0.5 s."""
    found: list[tuple[int, int]] = []
    at, line, counted = 0, 1, 0
    double, single = text.find('\"\"\"'), text.find("\'\'\'")  # each found again only once passed
    while True:
        double = text.find('\"\"\"', at) if -1 < double < at else double
        single = text.find("\'\'\'", at) if -1 < single < at else single
        start = min(p for p in (double, single, len(text)) if p >= 0)
        if start == len(text):
            return found
        quote = text[start:start + 3]
        end = text.find(quote, start + 3)
        end = len(text) if end == -1 else end
        line += text.count("\n", counted, start)
        counted = start
        if _opens_docstring(text, start):
            found.append((line, line + text.count("\n", start, end)))
        at = end + 3


def _opens_docstring(text: str, start: int) -> bool:
    """The quotes open their line (after indentation and a prefix) and follow a header's `:`."""
    begin = text.rfind("\n", 0, start) + 1
    prefix = text[begin:start].strip(" \t")
    if len(prefix) > 2 or any(c not in _PREFIX for c in prefix):
        return False
    end = begin - 1
    while end > 0:  # the previous line with code
        before = text.rfind("\n", 0, end) + 1
        code = text[before:end].split("#")[0].rstrip()
        if code:
            return code.endswith(":")
        end = before - 1
    return True  # the top of the module


def _reference(rel: str, number: int, line: str, match: re.Match, query: Query | None, generated: bool,
               spellings: dict[str, tuple[str, str | None]], lines: list[str] = ()) -> ColumnReference:
    name = match.group(1)
    column, field_table = spellings.get(name, (name, None))
    spelling = name if name in spellings and name != column else None
    snippet = line.strip()[:160]
    if query is not None and query.orm == "django" and _attribute_read(line, match):
        query = None  # `description_json=page.description` in a Django call: a value read off another row
    if query is not None:  # inside a query (even one whose table is a variable): part of that query
        via = "orm-call" if query.orm else "sql"
        return ColumnReference(rel, number, column, query.table, "sql", generated, snippet, via=via if query.table else "name-only", spelling=spelling)
    context = _context(line, match.start(), match.end(), rel.endswith((".py", ".pyi")), rel.endswith(TS_SUFFIXES),
                       lines[max(0, number - 1 - _ABOVE):number - 1])
    if context in UNATTRIBUTABLE:
        field_table = None  # words of a text, a method: not the field (ctfd's form key 'key_type[0]')
    elif field_table and rel.endswith(".sql"):
        # SQL spells columns, never an ORM's fields: outside a query whose table tells it, the name
        # is no model's (openpanel's clickhouse_tables.sql: ClickHouse's `project_id` was 10 lines
        # of the PostgreSQL clients table's, by the first model declaring a field of that name).
        field_table = None
    elif field_table and context == "string" and spelling is None and rel.endswith((".py", ".pyi")):
        # A Python string spelling a field as its column is a payload's or a form's key (healthchecks'
        # API still takes "subject_fail": 0 of 12 lines changed with the migration; saleor 12 of 12:
        # 50 %, below the bar). A bare name stays the model's (saleor's keyword arguments
        # `use_legacy_line_voucher_propagation_for_order=...`: 19 lines right, redash 1 wrong).
        field_table = None
    via = "generated-type" if generated else ("orm-field" if field_table else "name-only")
    return ColumnReference(rel, number, column, field_table, context, generated, snippet, via=via, spelling=spelling)


def _attribute_read(line: str, match: re.Match) -> bool:
    """`row.name` (not a call `row.name(...)`): in a Django query, whose fields are keywords and
    strings, an attribute is a value the call is given, read off some other object."""
    return re.search(r"\w\s*\.\s*$", line[:match.start()]) is not None and not line[match.end():].lstrip().startswith("(")


def _attributed(found: list[ColumnReference], queries: list[Query], respelled: frozenset[str] = frozenset()) -> list[ColumnReference]:
    """A bare `is_hidden` key in a file whose queries use it on exactly one table is about that table;
    a field name attributed to one model is not about it in a file whose queries use it on other
    tables only: it is about the one table they use it on, if one (a name several affected models map
    is credited to the first of them, impact.orm.mapping.OrmMap.spelled_columns: formbricks'
    `environmentId`, dropped from three tables, 156 more truth lines of 5737 at unchanged precision).

    Files commonly shape the rows of the table they query (`comment.py` builds dicts of comment
    columns): crediting the name to that table keeps it out of reports on another table with
    the same column, and makes it firmer evidence for its own.

    A name inside a longer string or a comment, or a method called by that name, is never a column's
    (dittofeed's `db().query.segment.findMany()` made `reply.status(200)` and a route's description
    "Get the status of a manual segment." Segment.status).
    """
    if not found:  # most matching files (a query on the table, no changed column): no walk over their queries
        return found
    owners: dict[str, dict[str, str]] = {}  # column -> its tables, lower-cased -> as the query spells it
    for q in queries:
        if q.table is None:
            return found  # a query on an unknown table could be the owner: say nothing
        # A Python ORM read of whole rows lists the columns its model maps; the code names a column the
        # model maps under another attribute by that attribute (redash's `_profile_image_url =
        # Column("profile_image_url")` beside a `profile_image_url` property): not by the column's name.
        whole_rows = q.orm is not None and q.all_columns and q.file.endswith((".py", ".pyi"))
        for column in (*(c for c in q.columns if not (whole_rows and c.lower() in respelled)), *q.filter_columns):
            # The table as spelled, for the report: "this file's queries use CustomerQuery.costInCents"
            # (trigger.dev's note said customerquery).
            owners.setdefault(column.lower(), {}).setdefault(q.table.lower(), q.table)
    out = []
    for ref in found:
        tables = owners.get(ref.column.lower(), {}) if ref.context not in UNATTRIBUTABLE else {}
        if ref.table is None and len(tables) == 1:
            ref = replace(ref, table=next(iter(tables.values())), inferred=True, via="file-queries")
        elif ref.via == "orm-field" and tables and ref.table.lower() not in tables:
            # The field name tells one model, but this file uses the column on other tables only: its
            # `status` is theirs (a same-named column), so it is no evidence for the model's table;
            # it is the one table's the file's queries use it on, as a bare name is.
            ref = (replace(ref, table=next(iter(tables.values())), inferred=True, via="file-queries") if len(tables) == 1
                   else replace(ref, table=None, via="name-only"))
        out.append(ref)
    return out


# `name: number,` / `name?: string)`: a TypeScript parameter or member declaration, not a row's key.
TYPE_ANNOTATION = re.compile(r"^\??:\s*(?:string|number|boolean|bigint|Date|any|unknown|null|undefined)(?:\[\])?\s*(?:[,;)=|}\]]|$)")


# Contexts in which a name is never a column's use: words of a longer string or a comment ("text"),
# a method called by that name (`reply.status(200)`: "call").
UNATTRIBUTABLE = frozenset({"text", "call"})


def _context(line: str, start: int, end: int, python: bool = False, script: bool = False, above: list[str] = ()) -> str:
    before = line[:start].rstrip()
    after = line[end:].lstrip()
    quote, opened = _open_quote(line, start, "#" if python else "//")
    if quote:
        # The whole string is the name (`"status"`: a key) or one of a text's words; a column list or
        # an SQL fragment (`"id, owner_id, body"`, `"status = 'open'"`) names columns as SQL does.
        if line[start - 1:start] == quote and line[end:end + 1] == quote:
            return "string"
        placeholder = line[start - 1:start] == "{" and line[end:end + 1] in ("}", "!", ":")  # "{rear_port}".format(...)
        if quote in ("'", '"', "`") and (placeholder or _names_columns(line[opened + 1:], quote)):
            return "string" if line[start - 1:start] == quote else "identifier"  # as before strings were told apart
        return "text"
    if before.endswith(("'", '"', "`")):
        return "string"
    if before.endswith((".", "?.")) and after.startswith("("):
        return "call"
    if script and _keyword_or_option(line, start, end, before, after, above):
        return "text"
    if TYPE_ANNOTATION.match(after):
        return "identifier"  # declares a name of that type: says nothing of a table
    if after.startswith(":") and not after.startswith("::"):
        return "property"  # an object-literal / dict key, or a type member
    if before.endswith((".", "?.")):
        return "property"
    return "identifier"


def _keyword_or_option(line: str, start: int, end: int, before: str, after: str, above: list[str] = ()) -> bool:
    """A script's `type` that is no column: TypeScript's and Flow's keyword (`import { type Context }`,
    `export type Row = {`, `import type { X }`), or a Sequelize attribute's option in another
    attribute's object (`revisionCount: { type: DataTypes.INTEGER }`): outline's `documents.type`
    was credited with both (the adjudicated sample, labelled not-db)."""
    if line[start:end] != "type" or before.endswith((".", "?.")):
        return False
    if line[end:end + 1] in (" ", "\t") and _KEYWORD_NEXT.match(after):
        return True
    return (after.startswith(":") and _OPTION_VALUE.match(after) is not None
            and (_another_attribute(before) or _inner_object_above(before, above)))


def _another_attribute(code: str) -> bool:
    """Does `code` end inside the object of an attribute other than `type` itself (`type: {` then
    `type: DataTypes.STRING`: outline's Collection declares its column `type` so, labelled DB-reaching)?"""
    found = _INNER_OBJECT.search(code)
    return found is not None and found.group(1) != "type"


def _inner_object_above(before: str, above: list[str]) -> bool:
    """The object holding a line's first key opened on a line above as a key's value (`urlId: {` then
    `type: DataTypes.STRING,`: outline's Document attributes, one option a line), not as a call's
    argument (`define("document", {`: the attributes themselves, where `type` may be a column)."""
    if before.strip():
        return False
    depth = 0
    for text in reversed(above):
        for index in range(len(text) - 1, -1, -1):
            if text[index] == "}":
                depth += 1
            elif text[index] == "{":
                if depth:
                    depth -= 1
                    continue
                return _another_attribute(text[:index + 1])
    return False


_ABOVE = 12  # lines looked back for the object holding an option


_KEYWORD_NEXT = re.compile(r"[A-Za-z_${]")  # `type Name`, `type {`: the keyword, never `type =`, `type:`, `type,`
_OPTION_VALUE = re.compile(r":\s*(?:DataTypes|Sequelize|DataType)\s*\.")
_INNER_OBJECT = re.compile(r"([\w$]*)[\"'\]]?\s*:\s*\{[^{}]*$")  # `revisionCount: { ` before it, on its line


_SPECIAL = re.compile(r"""["'`\\{}#]|//|\$\{""")


def _open_quote(line: str, start: int, comment: str) -> tuple[str | None, int]:
    """The quote of the string literal `start` lies in, on this line (`comment`, the language's line
    comment, for a comment); None in code, the code of a template literal's `${...}` and of a Python
    f-string's `{...}` included, and where that string or comment opens. Line by line: a string
    continued from an earlier line is not seen. Jumps from one character that matters to the next
    (it runs for every reference: 25,000 on a saleor DROP)."""
    head = line[:start]
    if "'" not in head and '"' not in head and "`" not in head and comment not in head:
        return None, 0
    state, holes, stack, opened, at = None, "", [], 0, 0
    while (match := _SPECIAL.search(line, at, start)) is not None:
        token, i = match.group(), match.start()
        at = match.end()
        if state is None:
            if token in ("'", '"', "`"):
                state, holes, opened = token, "${" if token == "`" else ("{" if _f_string(line, i) else ""), i
            elif token == "}" and stack:
                state, holes = stack.pop()  # back in the string after its interpolated code
            elif token == comment:
                return comment, i
        elif token == "\\":
            at += 1  # the escaped character
        elif token == state:
            state = None
        elif holes == "${" and token == "${" or holes == "{" and token == "{" and not line.startswith("{{", i):
            stack.append((state, holes))
            state = None
        elif holes == "{" and token == "{":
            at += 1  # `{{`: a literal brace
    return state, opened


def _f_string(line: str, quote: int) -> bool:
    """Is the quote at `quote` opened with a Python f-string prefix (f, rf, fr)?"""
    begin = quote
    while begin > 0 and quote - begin < 3 and line[begin - 1].isalpha():
        begin -= 1
    return line[begin:quote].lower() in ("f", "rf", "fr") and not (begin and (line[begin - 1].isalnum() or line[begin - 1] == "_"))


_COLUMN_LIST = re.compile(r'\s*[\w."]+(?:\s*,\s*[\w."]+)+\s*,?\s*')
_SQL_WORDS = re.compile(r"\b(?:select|from|where|set|join|values|returning|order\s+by|group\s+by|insert|update|delete)\b|[=<>]",
                        re.IGNORECASE)


def _names_columns(rest: str, quote: str) -> bool:
    """Does the string starting at `rest` (up to its closing quote, or the line's end) list columns
    or hold SQL? Prose and paths do neither."""
    content = rest.split(quote, 1)[0]
    return _COLUMN_LIST.fullmatch(content) is not None or _SQL_WORDS.search(content) is not None
