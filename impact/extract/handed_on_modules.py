"""Names no evidence for the module they stand in (impact.extract.handed_on's other kinds read a
name's position): a `"use client"` module ("client"), a test's data ("fixture").

- "client": any name in a module marked `"use client"` (a React client component or hook) that runs no
  query: it runs in the browser and never reaches the database; what it reads are props, state and a
  server action's inputs (the adjudicated samples: 9 of 10 lines reported there were `not-db`,
  formbricks' `project.logo`, sim's `variables.credentialSetId`; the tenth imports the Prisma model's
  type, a model-type reference, still evidence). A module that queries is not one: supabase-js reaches
  the database from the browser (chat-ts' `useConversations`). So is a `.tsx`/`.jsx` component without
  the directive that awaits nothing or calls a browser-only hook (`client_component`: typebot's graph editor,
  `edge.to.stepId`; kaneo's Vite app; documenso's Remix components), for Prisma's and Drizzle's tables: a TypeORM entity class travels to the browser
  and may be written from there (oneuptime's `ModelForm`). One that awaits may be a Server Component
  or a loader, and is read as server code.
- "fixture": a key of a data literal in a TypeScript test whose statement names no Prisma client, no
  Prisma method and no mocked value (`fixture_key_in_test`: formbricks' `const mockSurvey: TSurvey = {
  environmentId: "env1" }`, 6 of the 18 not-db lines of the round-2 Prisma sample; the labelled
  DB-reaching test keys were a mocked Prisma call's result or expected arguments, which name it), kept
  for Prisma tables only (`keep_prisma_fixtures`); and a quoted dict key in a Python test
  (`python_test_data_key`: a form's POST data, a REST payload, 7 of 7 labelled not-db).

- "response": in a test, a field read through a variable holding an API response's data (`const
  collectiveData = res.data.Collective;` then `collectiveData.orders[0].createdByUser.firstName`,
  and what is taken from it: `const adminMember = collectiveData.members.find(...)`): opencollective's
  GraphQL tests, 7 lines of the adjudicated Sequelize samples, all not-db (`response_variables`).

Limits: a fixture typed as the app's shape that a mock then returns (formbricks' `const baseTag: TTag`,
returned by a mocked `prisma.tag.delete`: labelled DB-reaching) is read as a fixture; a helper's mocked
value that is no row is read as the database's.
"""
from __future__ import annotations

import re
from dataclasses import replace

from impact.extract.handed_on import _holder
from impact.extract.typescript.scan import Scanned

_DIRECTIVE = re.compile(r"""(?:\s*(?://[^\n]*|/\*.*?\*/))*\s*(["'])use client\1""", re.S)


def client_module(text: str) -> bool:
    """Does the module start with the `"use client"` directive (after comments)?"""
    return "use client" in text[:2000] and _DIRECTIVE.match(text) is not None


# A component rendering JSX (`return (\n  <div`, `=> <Row />`); a module awaiting anything or marked
# `"use server"` may run on the server (a Server Component, a Remix loader, getServerSideProps).
_RENDERS_JSX = re.compile(r"(?:\breturn|=>)\s*\(?\s*<[A-Za-z>]")
_SERVER_SIDE = re.compile(r"\b(?:async|await)\b|[\"']use server[\"']")


# React's hooks a Server Component cannot call (state, effects, refs, context): a module calling one renders
# in the browser, though its event handlers await (documenso's Remix `document-page-view-dropdown.tsx`).
_CLIENT_HOOK = re.compile(r"\buse(?:State|Effect|LayoutEffect|Reducer|Ref|Context|Transition|Optimistic|SyncExternalStore"
                          r"|ImperativeHandle|DeferredValue|ActionState|FormStatus)\s*[(<]")
# A route module's server half (a Remix loader or action, Next's data functions): server code in the file.
_SERVER_EXPORT = re.compile(r"\bexport\s+(?:async\s+)?(?:function|const|let)\s+(?:loader|action|getServerSideProps|getStaticProps"
                            r"|generateMetadata|generateStaticParams)\b|[\"']use server[\"']")


def client_component(rel: str, text: str) -> bool:
    """A `.tsx`/`.jsx` module rendering JSX that awaits nothing, or that calls a hook only the browser runs and
    exports no server half: a browser component without the directive (typebot's pages-router builder, Vite
    and Remix apps), whose names are props and state as a `"use client"` one's."""
    if not rel.endswith((".tsx", ".jsx")) or _RENDERS_JSX.search(text) is None:
        return False
    return _SERVER_SIDE.search(text) is None or (_CLIENT_HOOK.search(text) is not None and _SERVER_EXPORT.search(text) is None)


# What a client module still says: a type or import of the model (the build breaks), a generated type,
# a declaration, a query written there (none are expected; kept, not second-guessed).
_CLIENT_KEEPS = frozenset({"model-type", "generated-type", "model-declaration", "sql", "orm-call"})


def mark_client_modules(references: list, texts, querying: set[str] = frozenset(), component_tables: set[str] = frozenset()) -> list:
    """References in `"use client"` modules, other than _CLIENT_KEEPS, marked handed on ("client"); in a
    `client_component`, those of `component_tables` only (Prisma's and Drizzle's: a TypeORM entity class
    travels to the browser, and oneuptime's `ModelForm` writes its fields through a generic model API,
    labelled DB-reaching). Not in a module that queries (`querying`): supabase-js reaches the database
    from the browser, and the rows it returns there are rows (chat-ts' `useConversations`)."""
    client: dict[str, str | None] = {}
    out = []
    for ref in references:
        if ref.handed_on is None and ref.via not in _CLIENT_KEEPS and ref.file.endswith((".tsx", ".ts", ".jsx", ".js")):
            if ref.file not in client:
                client[ref.file] = None if ref.file in querying else _client_kind(ref.file, texts.get(ref.file, ""))
            if client[ref.file] == "directive" or (client[ref.file] == "component" and (ref.table or "").lower() in component_tables):
                ref = replace(ref, handed_on="client")
        out.append(ref)
    return out


def _client_kind(rel: str, text: str) -> str | None:
    if client_module(text):
        return "directive"
    return "component" if client_component(rel, text) else None


def fixture_key_in_test(scanned: Scanned, starts: list[int], line: int, start: int, end: int) -> bool:
    """A key of a data literal in a test whose statement names no Prisma client: `const mockSurvey: TSurvey
    = { environmentId: "env1" }` (an app type's fixture), not `vi.mocked(prisma.segment.create)
    .mockResolvedValue({ environmentId })` nor `expect(prisma.survey.findUnique).toHaveBeenCalledWith({
    where: { environmentId } })` (a row, a query's arguments). The statement is read from the innermost
    block holding the name (a test's body) to the outermost bracket of the expression."""
    masked = scanned.masked
    at, stop = starts[line - 1] + start, starts[line - 1] + end
    if masked[stop:stop + 40].lstrip()[:1] not in (":", ",", "}"):
        return False  # a key (with a value or shorthand), nothing else
    outer, opener = None, _holder(scanned, at)
    while opener is not None and not _block(masked, opener):
        outer, opener = opener, _holder(scanned, opener)
    if outer is None:
        return False
    begin = max(masked.rfind(";", 0, outer), opener or 0, outer - 300)  # a statement's head; without `;`, a longer one
    head = scanned.text[begin:outer]
    return "prisma" not in head.lower() and _PRISMA_METHOD.search(head) is None


# `tx.connectorFormbricksMapping.deleteMany` (a transaction's client, formbricks' connector service test)
# A mocked function's value stands for what the function returns, in a Prisma app's services mostly a row
# (formbricks' `vi.mocked(getEnvironment).mockResolvedValueOnce({ projectId })`, labelled DB-reaching).
_PRISMA_METHOD = re.compile(r"\.\s*(?:find\w*|create\w*|update\w*|upsert|delete\w*|count|aggregate|groupBy"
                            r"|mock(?:Resolved|Return)Value(?:Once)?)\b")


def keep_prisma_fixtures(references: list, prisma_tables: set[str]) -> list:
    """"fixture" (fixture_key_in_test) was measured on Prisma tests, whose DB-reaching data names a Prisma
    client; a TypeScript key of another ORM's table keeps no such mark: Sequelize's and TypeORM's test
    factories (`fakeProject({ enableAutomaticCodeFixes })`, oneuptime) write the row and name no client."""
    return [replace(ref, handed_on=None) if ref.handed_on == "fixture" and not ref.file.endswith((".py", ".pyi"))
            and (ref.table or "").lower() not in prisma_tables else ref for ref in references]


def _block(masked: str, brace: int) -> bool:
    """Is the `{` at `brace` a block (a function's or a statement's body), not an object literal?"""
    if masked[brace] != "{":
        return False
    before = masked[max(0, brace - 20):brace].rstrip()
    return before.endswith(("=>", ")", "else", "try", "finally")) or not before


_PY_DICT_KEY = re.compile(r"""["']\s*:""")


def python_test_data_key(lines: list[str], line: int, start: int, end: int) -> bool:
    """`'rear_port': rear_ports[3].pk,` in a test: a quoted key of a dict literal (a form's POST data, a REST
    payload: 7 of 7 such lines in the adjudicated Django samples were not-db; a model is built with keywords)."""
    text = lines[line - 1]
    return text[start - 1:start] in ("'", '"') and _PY_DICT_KEY.match(text, end) is not None


# `res.data`, `result.body`: a request's answer, as tests name it.
_RESPONSE = r"(?:res|result|response|resp)\s*\.\s*(?:data|body)\b"
_ASSIGNED = re.compile(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:await\s+)?([A-Za-z_$][\w$]*)\b([^;\n]{0,80})")
_CHAIN_ROOT = re.compile(r"([A-Za-z_$][\w$]*)((?:\??\.[\w$]+|\[[^\[\]]*\])*)\??\.$")


def response_variables(text: str) -> frozenset[str]:
    """Names a test assigns an API response's data, or something taken from such a name (two steps)."""
    if ".data" not in text and ".body" not in text:
        return frozenset()
    found: set[str] = set()
    assignments = [(m.group(1), m.group(2), m.group(2) + m.group(3)) for m in _ASSIGNED.finditer(text)]
    for _ in range(3):
        for name, root, value in assignments:
            if re.match(_RESPONSE, value) or (root in found and root != name):
                found.add(name)
    return frozenset(found)


def reads_a_response(before: str, responses: frozenset[str]) -> bool:
    """Does the code before a field's name end with a chain read off a response (`collectiveData.orders[0].`,
    `res.data.Collective.`)?"""
    chain = _CHAIN_ROOT.search(before[-200:])
    return chain is not None and (chain.group(1) in responses or re.match(_RESPONSE, chain.group(0)) is not None)

