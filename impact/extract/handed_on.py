"""Names of a column that are only a local name or a value handed to other code.

A field name only one model maps (`via="orm-field"`) or one the file's queries use on one table
(`"file-queries"`) was evidence wherever it stood. The adjudicated sample (bench/accuracy/RESULTS.md)
found 21 of 40 reported Prisma lines were not the database's: formbricks' `async (environmentId:
string) =>`, `getOrganizationIdFromEnvironmentId(environmentId)`, `environmentId={environmentId}`;
documenso's `getAuditLogsPdf({ documentId })`; kaneo's destructured `({ userEmail, ... }) =>`. Such a
name is a variable of the same name: what it holds is told by the code that gives it a value, not
by its own position. `in_typescript` and `in_python` (impact.extract.handed_on_python) tell those positions:

- "parameter": a name in a function's parameters (`function f(a)`, `(a: string) =>`, `({ a, b }) =>`,
  a method's `m(a) {`, Python's `def f(self, a=None):`, `lambda a:`);
- "argument": a bare argument (`f(a)`, `f(x, a)`) or a shorthand key of an object argument
  of fewer than RECORD_KEYS entries (`f({ a })`, `f(x, { a, b })`) of a call that is no query (a query's span never gets here), no
  method ORMs query with (`row.update({ a })`, ORM_METHODS) and no constructor (`new Entity({ a })`:
  TypeORM entities are built that way). A value formatted into a template literal (`${environmentId}`,
  an error's or a log's text) and an argument of `new SomethingError(...)` are arguments too. Python: a
  positional argument only (`f(a)`), never a keyword (`Model(a=...)`, `objects.create(a=...)`: saleor's
  `use_legacy_line_voucher_propagation_for_order=...`, 19 lines the authors changed);
- "jsx": a JSX attribute's name or a bare value (`environmentId={environmentId}`), .tsx/.jsx only;
- "type": a member of a plain type in a type literal or an interface (`templateId: number;`), a
  graphql-js field's declaration (`firstName: { type: GraphQLString }`: the API's schema; opencollective's
  in the adjudicated Sequelize samples, not-db); a row type the ORM layer binds to a table is a model
  declaration, not this;
- "input": a field read of a request's input (`params.environmentId`, `parsedInput.environmentId`,
  `req.query.x`, `ctx.body.x`, `props.x`, INPUT_RECEIVERS): a route's, a server action's, an API's
  input, named as the client sends it. In the adjudicated samples every such line was `not-db`
  (formbricks' `getEnvironmentAuth(params.environmentId)`, outline's `ctx.body.private`); its
  value reaches the database on another line, which says so;
- "schema": a field of a validation schema (`z.object({ environmentId: ZId })`, `.extend({`,
  `yup.object().shape({`): an API input's or an app type's shape (formbricks' server actions);
- "api": a name in a GraphQL document (gql`...`, a string opening with `query`) or a URL path's literal
  (`"/client/{environmentId}/responses"`): what a client sends to an API (both told by
  impact.extract.handed_on_shapes, with a graphql-js field's "type" and a raw query's option);
- "client", "fixture", "package": for the module a name stands in (impact.extract.handed_on_modules,
  impact.extract.dbless_packages);
- "local": a TypeScript/JavaScript local's declaration (`const environmentId = ...`): the value it is
  given is on the line, read on its own; and a variable's truth tested alone (`if (!environmentId)`,
  `userId && workspaceId ? ...`). Not a destructuring (`const { environmentId } = row`): that reads the
  field of `row`, as `row.environmentId` does, and such reads are kept (of a request's input, "input";
  of a parser's result, `= parseTitle(title)` / `= ZInput.parse(body)`, "local").
  Python: a bare name holding an object (`rear_port.pk`), assigned in a function (`rear_port = None`) or
  read as a value (`{"amount": captured_value}`).

impact.judge.reference_predicates takes none of them as evidence through a weak attribution
(orm-field, file-queries); a table the ORM layer tells otherwise (a wrapper's call, a typed key, a
dropped column's value) still makes them evidence.

A logging or analytics call's arguments (`capturePostHogEvent(`, `analytics.capture(`) are "argument"s, keyed ones and values too (`logger.warn({ pathname, environmentId:
fromPath }, ...)`: formbricks, sim's `logger.info`), and nested ones (documenso's `ctx.logger.info({ input:
{ documentId } })`): a log line's payload is never a query's options.

Limits: a key with a value in another call's object argument (`f({ a: x })`) is not one of them (it
is kept: the object may be a query's options); nor a `return a;` (formbricks' `return project;`), nor
a field read handed on from another object (`getX(row.environmentId)`: the object may be a row). Python lines are read line by line: a string holding a bracket
spanning lines (a triple-quoted one) can hide the enclosing call.
"""
from __future__ import annotations

import re

from impact.extract.handed_on_shapes import api_literal, declared_field, schema_object
from impact.extract.typescript.scan import Scanned

# The kinds, as the report says them (impact.report.markdown: why such a name is no evidence).
KINDS = {"parameter": "a parameter's name", "argument": "an argument's name", "jsx": "a JSX prop's name",
         "local": "a local's name", "type": "a type member's name", "input": "a request's input",
         "client": "in a client-side module", "fixture": "a test's data", "response": "an API response's field",
         "schema": "a validation schema's field", "api": "an API's query or path", "package": "in a package with no database client"}

_BRACKET = re.compile(r"[()\[\]{}]")
_OPENER = {")": "(", "]": "[", "}": "{"}
_WINDOW = 4000  # characters looked back for the bracket holding a name
_CONTROL = frozenset({"if", "for", "while", "switch", "catch", "with", "return", "await", "typeof", "in", "of",
                      "yield", "void", "delete", "case", "throw", "else", "do", "and", "or", "not", "elif", "assert",
                      "print", "is", "from", "import", "except", "as", "super"})
_CALLEE = re.compile(r"(?:(new)\s+)?([A-Za-z_$][\w$]*)\s*(?:\?\.)?\s*(?:<[^<>()]*>)?\s*$")
_FUNCTION = re.compile(r"\bfunction\s*\*?\s*[\w$]*\s*(?:<[^()]*>)?\s*$")
# `templateId: number;` in a type or an interface: a shape's member of a plain type, no row's (documenso's
# options type of set-template-recipients.ts). `null`/`undefined` are values too: not read as types.
_PRIMITIVE = re.compile(r"\??:\s*(?:string|number|boolean|bigint|Date|any|unknown)(?:\[\])?\s*(?:[,;)=|}\]]|$)")
# Methods ORMs read or write rows with: a call of one on any object may be a query the extractors did
# not place (outline's `user.update({ email, username })` on a Sequelize instance: a DB-reaching line).
ORM_METHODS = frozenset({"create", "createMany", "update", "updateMany", "upsert", "save", "insert", "set", "build",
                         "findOne", "findAll", "findFirst", "findMany", "findUnique", "findOrCreate", "findOrBuild",
                         "findBy", "findOneBy", "bulkCreate", "where", "andWhere", "orWhere", "values", "delete",
                         "deleteMany", "destroy", "increment", "decrement", "count", "merge", "patch", "insertGraph",
                         "upsertGraph", "select", "returning", "onConflictDoUpdate", "first", "restore"})
# An object argument of this many entries or more is a record being built, not a helper's options: its
# shorthand keys are kept. documenso's `createDocumentAuditLogData({ type, documentId, metadata, data })`
# (labelled DB-reaching: the audit log row's data) and umami's `saveEvent({ ..., subdivision1, ... })`
# (30 keys, written to website_event) against formbricks' `getSignedUrlForUpload` / documenso's
# `getAuditLogsPdf({ documentId, language })` (2-3 keys, labelled not-db).
RECORD_KEYS = 4
_JSX_VALUE = re.compile(r"[\s<][\w$-]+=\{$")  # an attribute's `name={`, no space around `=`
_CONDITION = re.compile(r"(?:^|[^\w$.])(?:if|while)\s*\(\s*!*$")
_LOCAL = re.compile(r"(?:^|[^\w$.])(?:const|let|var)$")  # on code right-stripped
# Objects holding what a client sent: Next.js route `params`/`searchParams`, next-safe-action's
# `parsedInput`, tRPC's `input`, Koa/Express `query`/`body`, React `props`. Not `data` or `ctx` (rows and
# contexts are called so too).
# A camelCase name ending in `Input` is one too (formbricks' `responseInput: TResponseInputV2`, round 5).
INPUT_RECEIVERS = ("params", "searchParams", "parsedInput", "input", "query", "body", "props", r"[a-z][\w$]*Input")
_INPUT_READ = re.compile(r"(?<![\w$])(?:" + "|".join(INPUT_RECEIVERS) + r")\s*[?!]?\.$")
# `} = await params;`, `} = input;`: the value destructured is a request's input.
_DESTRUCTURED_INPUT = re.compile(r"\s*=\s*(?:await\s+)?(?:[\w$]+\s*\.\s*)*(?:" + "|".join(INPUT_RECEIVERS) + r")\s*[;,)\n]")
# `const { confirmationName, projectId } = parseProjectDeleteActionInput(input)`, `= Schema.parse(body)`,
# outline's `const { emoji, strippedTitle } = parseTitle(document.title)`: what a parser returns, no row.
_DESTRUCTURED_PARSE = re.compile(r"\s*=\s*(?:await\s+)?(?:[\w$]+\s*\.\s*)*(?:safeParse|parse)\w*\s*\(")
# `logger.warn(`, `console.error(`, `log.info(`, `this.logger.debug(`: a log line's call.
_LOG_CALL = re.compile(r"(?<![\w$])(?:logger|log|console|Logger)\s*\.\s*$")
# `analytics.capture(`, `capturePostHogEvent(`, `captureServerEvent(`, `trackPlatformEvent(`, Sentry's
# `captureException(`: an analytics event's or an error report's payload, as a log line's is (five of
# round 5's 21 not-db Prisma lines: documenso's `analytics.capture`, formbricks' `capturePostHogEvent`).
# `logFileDeletion({ ... })`: a function named for logging, whatever it logs to. `checkAuthorizationUpdated({
# access: [{ projectId }] })`, `assertX(`, `canX(`: a permission check's or an assertion's arguments, which
# reads rows and writes none (formbricks' access objects: 5 not-db lines over rounds 5 to 7, no db one).
_ANALYTICS_CALL = re.compile(r"(?:capture|track)(?:\w*(?:Event|Exception|Message))?|log[A-Z]\w*"
                             r"|(?:check|assert|verify|validate|authorize|can|has|is)[A-Z]\w*")


def in_typescript(scanned: Scanned, starts: list[int], line: int, start: int, end: int, jsx: bool) -> str | None:
    """The kind of position of the name at `start:end` of `line` (1-based) in a scanned TS/JS file, or None."""
    masked = scanned.masked
    at, stop = starts[line - 1] + start, starts[line - 1] + end
    if masked[at] != scanned.text[at]:
        kind = _in_literal(scanned, at)
        if kind:
            return kind
    before = masked[max(0, at - 80):at].rstrip()
    after = masked[stop:stop + 80].lstrip()
    if jsx and _jsx_attribute(masked, at, stop):
        return "jsx"
    if _INPUT_READ.search(before, max(0, len(before) - 16)):
        return "input"
    if scanned.text[at - 2:at] == "${" and scanned.text[stop:stop + 1] == "}":
        return "argument"  # formatted into a text: `Database error ... for environment ${environmentId}`
    if _LOCAL.search(before, len(before) - 12) and after[:1] in ("=", ":", ";", ""):
        return "local"
    if after[:1] == ")" and _CONDITION.search(before, len(before) - 16):
        return "local"  # `if (!environmentId) {`: a variable's truth tested (formbricks' airtable route)
    if after.startswith("=>") and not before.endswith((".", "?.")):
        return "parameter"  # `environmentId => ...`
    declared = declared_field(masked, stop)  # `firstName: { type: GraphQLString }`, `type: QueryTypes.SELECT`
    if declared:
        return declared
    if _truth_tested(before, after):
        return "local"  # `userId && workspaceId ? ... : null`: a variable's truth (sim's permission-check)
    if before[-1:] == ":" and after[:1] in (",", "}"):
        brace = _holder(scanned, at)
        if brace is not None and masked[brace] == "{" and _in_log_payload(scanned, brace):
            return "argument"  # `capturePostHogEvent(id, "x", { environment_id: environmentId })`: a payload's value
        return _renamed_binding(scanned, at, after, jsx)  # `const { id: documentId } = args.params`
    # `;` or a line break: a type's member after another (sim's `interface PermissionAssertion {` one a line)
    line_start = "\n" in masked[max(0, at - 80) + len(before):at]
    if (before[-1:] not in ("(", ",", "{", ";", "[", "") and not line_start) or not _bare_end(after):
        return None
    opener = _holder(scanned, at)
    if opener is None:
        return None
    if masked[opener] == "[":
        return _in_array_argument(scanned, opener, after)
    if masked[opener] == "{":
        if schema_object(scanned, opener):
            return "schema"
        return _in_braces(scanned, opener, after, jsx) or ("type" if _PRIMITIVE.match(after) else None)
    if masked[opener] == "(":
        return _parenthesised(scanned, opener, after, keyed=False)
    return None


def _bare_end(after: str) -> bool:
    """What may follow a name standing alone: `,` `)` `}` `]`, a type `:`, an optional `?`, a default `=`."""
    return after[:1] in (",", ")", "}", "]", ":", "?", "") or (after[:1] == "=" and after[1:2] not in ("=", ">"))


def _in_array_argument(scanned: Scanned, bracket: int, after: str) -> str | None:
    """`validateInputs([environmentId, ZId])`: an element of an array given to a call (formbricks' services,
    labelled not-db), as a bare argument is."""
    masked = scanned.masked
    outer = _holder(scanned, bracket)
    if after[:1] not in (",", "]") or outer is None or masked[outer] != "(" or masked[max(0, bracket - 40):bracket].rstrip()[-1:] not in ("(", ","):
        return None
    return _parenthesised(scanned, outer, ")", keyed=False)


def bare_argument(scanned: Scanned, starts: list[int], line: int, start: int) -> bool:
    """Is the name at `start` of `line` a value in a call's parentheses or an array, not an object's key?"""
    opener = _holder(scanned, starts[line - 1] + start)
    return opener is not None and scanned.masked[opener] in "(["


def _jsx_attribute(masked: str, at: int, stop: int) -> bool:
    """`<Tag environmentId={...}` / `environmentId="..."` (the name), or `={environmentId}` (the value)."""
    if masked[stop:stop + 1] == "=" and masked[stop + 1:stop + 2] in ("{", '"', "'") and masked[at - 1:at].isspace():
        head = masked[masked.rfind("\n", 0, at) + 1:at]
        return not head.strip() or re.search(r"<[\w.$]+(?:\s|$)", head) is not None
    return masked[max(0, at - 2):at] == "={" and masked[stop:stop + 1] == "}"


def _holder(scanned: Scanned, at: int) -> int | None:
    """The offset of the innermost bracket holding `at`, looked for up to _WINDOW characters back."""
    masked, begin = scanned.masked, max(0, at - _WINDOW)
    depth = []
    for match in reversed(list(_BRACKET.finditer(masked, begin, at))):
        char = match.group()
        if char in ")]}":
            depth.append(_OPENER[char])
        elif depth and depth[-1] == char:
            depth.pop()
        elif not depth:
            return match.start()
    return None


def _in_braces(scanned: Scanned, brace: int, after: str, jsx: bool) -> str | None:
    """A name in `{ ... }`: a shorthand key of an object argument, or a destructured parameter or local."""
    masked = scanned.masked
    before = masked[max(0, brace - 80):brace].rstrip()
    if _LOCAL.search(before, len(before) - 12):
        # `const { subdivision1 } = data`: a field read of `data`, as `data.subdivision1` is (umami's createSession)
        end = _after_closing(scanned, brace)
        if _DESTRUCTURED_INPUT.match(masked, end):
            return "input"
        return "local" if _DESTRUCTURED_PARSE.match(masked, end) else None
    if before[-1:] in (":", ",", "[") and _in_log_payload(scanned, brace):
        return "argument"  # documenso's `ctx.logger.info({ input: { documentId, folderId } })`
    if jsx and _JSX_VALUE.search(masked, max(0, brace - 40), brace + 1):
        return "jsx"  # `prop={environmentId}` (not `const data = {`: a record)
    if before[-1:] not in ("(", ",", ":"):
        return None  # an object literal assigned or returned: it may reach a query later
    opener = _holder(scanned, brace)
    if opener is None or masked[opener] != "(":
        return None
    kind = _parenthesised(scanned, opener, after, keyed=True)
    if kind == "argument" and not _logged(scanned, opener) and _keys(scanned, brace) >= RECORD_KEYS:
        return None  # a record being built: it may be a row's data, written by the helper
    return kind if kind == "parameter" or before[-1:] != ":" else None  # `({ a }: { a: string }) =>`


_OPERATOR_BEFORE = re.compile(r"(?:&&|\|\||!)$")
_OPERATOR_AFTER = re.compile(r"(?:&&|\|\||\?(?![.?]))")


def _truth_tested(before: str, after: str) -> bool:
    """A bare name between logical operators or before a ternary's `?`: `a && b`, `!b ? x : y`, `b || c`."""
    return (not before.endswith((".", "?.")) and (_OPERATOR_BEFORE.search(before) is not None or before.endswith("("))
            and _OPERATOR_AFTER.match(after) is not None) or (_OPERATOR_BEFORE.search(before) is not None and after[:1] in (")", ";"))


def _logged(scanned: Scanned, opener: int) -> bool:
    """Is the parenthesis at `opener` a logging, analytics or permission-check call's (`logger.warn(`)?"""
    from impact.extract.typescript.functions import declares

    head = scanned.masked[max(0, opener - 120):opener]
    callee = _CALLEE.search(head)
    if callee is None or not (_LOG_CALL.search(head, 0, callee.start(2)) is not None
                              or _ANALYTICS_CALL.fullmatch(callee.group(2)) is not None):
        return False
    close = scanned.closing(opener)  # `function isOpen(session: {...})`: a declaration's parameters, no call
    return not (_FUNCTION.search(head) or (close is not None and close > opener and declares(scanned, close)))


def _renamed_binding(scanned: Scanned, at: int, after: str, jsx: bool) -> str | None:
    """The new name of a destructured field (`{ id: documentId }`), read as the destructuring is."""
    brace = _holder(scanned, at)
    if brace is None or scanned.masked[brace] != "{":
        return None
    before = scanned.masked[max(0, brace - 80):brace].rstrip()
    return _in_braces(scanned, brace, after, jsx) if _LOCAL.search(before, len(before) - 12) else None


def _in_log_payload(scanned: Scanned, brace: int) -> bool:
    """Is the object opened at `brace` nested (up to three levels) in a logging call's arguments?"""
    opener = brace
    for _ in range(3):
        opener = _holder(scanned, opener)
        if opener is None or scanned.masked[opener] == "(":
            return opener is not None and _logged(scanned, opener)
    return False


def _in_literal(scanned: Scanned, at: int) -> str | None:
    """A name in a GraphQL document or a URL path's literal ("api"); in a log line's or an error's message
    ("argument": outline's `console.log(`Backfill revision emoji…`)`)."""
    literal = scanned.literal_holding(at)
    if literal is None:
        return None
    if api_literal(scanned.masked, literal):
        return "api"
    opener = _holder(scanned, literal.start)
    if opener is None or scanned.masked[opener] != "(":
        return None
    callee = _CALLEE.search(scanned.masked, max(0, opener - 120), opener)
    message = callee is not None and callee.group(1) is not None and callee.group(2).endswith(("Error", "Exception"))
    return "argument" if message or _logged(scanned, opener) else None


def _after_closing(scanned: Scanned, brace: int) -> int:
    close = scanned.closing(brace)
    return close + 1 if close is not None and close > brace else len(scanned.masked)


def _keys(scanned: Scanned, brace: int) -> int:
    """How many entries the object literal opened at `brace` has."""
    from impact.extract.typescript.calls import arguments

    close = scanned.closing(brace)
    return len(arguments(scanned, brace, close)) if close is not None and close > brace else 0


def _parenthesised(scanned: Scanned, opener: int, after: str, keyed: bool) -> str | None:
    """A name in the parentheses opened at `opener`: a function's parameters or a call's arguments."""
    from impact.extract.typescript.functions import declares

    masked = scanned.masked
    head = masked[max(0, opener - 120):opener]  # regexes anchored at the end: a short window (they run per name)
    callee = _CALLEE.search(head)
    if callee and callee.group(2) in _CONTROL:
        return None  # if (environmentId) {
    close = scanned.closing(opener)
    if _FUNCTION.search(head) or (close is not None and close > opener and declares(scanned, close)):
        return "parameter"
    if _logged(scanned, opener):
        return "argument"  # a log line's payload, keyed or not
    if keyed and after[:1] not in (",", "}", ""):
        return None  # a key with a value (`f({ environmentId: id })`): kept, it may be a query's option
    if not keyed and after[:1] not in (",", ")", ""):
        return None
    if callee is None or (callee.group(1) and not callee.group(2).endswith(("Error", "Exception"))):
        return None  # a grouping, or `new Entity(...)` (an error's arguments are a message's)
    if callee.group(2) in ORM_METHODS and head[:callee.start()].rstrip().endswith("."):
        return None  # `user.update({ email, username })`: a row's own write the extractors did not place (outline)
    return "argument"
