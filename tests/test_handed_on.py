"""A field's name used as a parameter, an argument, a JSX prop or a local's name is a variable of that
name, not evidence through a weak attribution (impact.extract.handed_on), on documents-prisma
(src/documents/titles.tsx) and library-django (books/loans.py)."""
from __future__ import annotations

import re

import pytest

from impact.extract.dbless_packages import package_folders
from impact.extract.handed_on import in_typescript
from impact.extract.handed_on_python import in_python
from impact.extract.handed_on_modules import client_component, client_module, fixture_key_in_test
from impact.extract.typescript.functions import line_starts
from impact.extract.typescript.scan import scan as scan_ts
from impact.pipeline import scan
from tests.conftest import FIXTURES


def _evidence(result, file: str) -> dict[str, list[int]]:
    return {f.code: sorted(e.line for e in f.evidence if e.file == file) for f in result.findings
            if any(e.file == file for e in f.evidence)}


def _handed(result, file: str) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for r in result.references:
        if r.file == file and r.handed_on:
            found.setdefault(r.line, set()).add(r.handed_on)
    return found


def test_prisma_parameters_arguments_and_props_are_not_evidence_the_query_and_row_read_are() -> None:
    app = FIXTURES / "apps" / "documents-prisma"
    result = scan(app, str(FIXTURES / "scenarios" / "documents-prisma" / "drop_document_title.sql"), use_cache=False)
    file = "src/documents/titles.tsx"
    # 8 and 16 are the Prisma calls (`data: { title, slug }`: the key in the call's span); 17 reads a row.
    assert _evidence(result, file) == {"IMP101": [8, 16], "IMP204": [17]}
    # 5 `(id, title: string) =>`, 6 `slugify(title)`, 7 `notify({ id, title })`, 11 `({ title }: { title: string })`,
    # 12 `<Badge title={title} label={title} />`: the file's queries use `title` on Document only, yet none is evidence.
    assert _handed(result, file) == {5: {"parameter"}, 6: {"argument"}, 7: {"argument"}, 11: {"parameter"}, 12: {"jsx"}}
    assert {r.via for r in result.references if r.file == file and r.handed_on} == {"file-queries"}


def test_request_inputs_and_client_modules_are_not_evidence() -> None:
    """title-route.ts: `const { title } = await params` (5) and `params.title` (6) are the request's input, the
    log call's payload (6) is no query's; the query (7) is evidence. title-editor.tsx is a "use client"
    component: its typed prop's `document.title` (7) is the browser's copy, no evidence; its import of the
    model's type stays a model-type reference."""
    app = FIXTURES / "apps" / "documents-prisma"
    result = scan(app, str(FIXTURES / "scenarios" / "documents-prisma" / "drop_document_title.sql"), use_cache=False)
    assert _evidence(result, "src/documents/title-route.ts") == {"IMP101": [7]}
    assert _handed(result, "src/documents/title-route.ts") == {4: {"type"}, 5: {"input"}, 6: {"argument", "input"}}
    assert _evidence(result, "src/documents/title-editor.tsx") == {}
    assert _handed(result, "src/documents/title-editor.tsx") == {6: {"client"}, 7: {"client"}, 8: {"client"}}
    dropped = scan(app, str(FIXTURES / "scenarios" / "documents-prisma" / "drop_document.sql"), use_cache=False)
    lines = {r.line: r.via for r in dropped.references if r.file == "src/documents/title-editor.tsx"}
    assert lines.get(3) == "model-type" and _evidence(dropped, "src/documents/title-editor.tsx") == {"IMP104": [3, 6]}


def test_a_package_with_no_database_client_is_no_evidence_nor_a_schema_or_a_parsed_input() -> None:
    """surveys-monorepo-prisma: the browser SDK (packages/js-sdk) depends on no database client, directly or
    through a workspace package, so its `state.environmentId` (4) is no evidence; apps/web's zod schema (6), the
    parsed input's destructuring (10), the types package's schema (5) and an analytics event's payload (20) are no
    evidence either; the queries
    (11, 15) and the row read (16) are."""
    app = FIXTURES / "apps" / "surveys-monorepo-prisma"
    assert package_folders(app) == {"apps/web": True, "packages/database": True, "packages/js-sdk": False, "packages/types": True}
    result = scan(app, str(FIXTURES / "scenarios" / "surveys-monorepo-prisma" / "drop_survey_environment_id.sql"), use_cache=False)
    assert _evidence(result, "apps/web/src/surveys.ts") == {"IMP101": [11, 15], "IMP204": [16]}
    assert _handed(result, "apps/web/src/surveys.ts") == {6: {"schema"}, 10: {"local"}, 14: {"parameter"}, 19: {"parameter"},
                                                          20: {"argument"}}  # an analytics event's payload
    assert _evidence(result, "packages/js-sdk/src/widget.ts") == {} and _evidence(result, "packages/types/src/survey.ts") == {}
    assert _handed(result, "packages/js-sdk/src/widget.ts") == {1: {"type"}, 4: {"package"}, 8: {"api"}}
    assert _handed(result, "packages/types/src/survey.ts") == {5: {"schema"}}


@pytest.mark.xfail(reason="a workspace dependency named only in tsconfig `paths` is not read: the package looks unable to reach the database", strict=True)
def test_a_package_reaching_the_database_through_an_undeclared_workspace_import(tmp_path) -> None:
    (tmp_path / "package.json").write_text('{"workspaces": ["packages/*"]}')
    for name, manifest in {"db": '{"name": "@x/db", "dependencies": {"@prisma/client": "6"}}', "app": '{"name": "@x/app"}'}.items():
        (tmp_path / "packages" / name).mkdir(parents=True)
        (tmp_path / "packages" / name / "package.json").write_text(manifest)
    (tmp_path / "packages" / "app" / "tsconfig.json").write_text('{"compilerOptions": {"paths": {"@x/db": ["../db/src"]}}}')
    assert package_folders(tmp_path)["packages/app"] is True


def test_a_component_without_the_directive_that_awaits_nothing_is_client_side() -> None:
    """title-badge.tsx renders JSX and awaits nothing: its typed prop's `document.title` (5) is the browser's copy,
    as in a "use client" module; the same read is evidence once the module awaits (a Server Component)."""
    app = FIXTURES / "apps" / "documents-prisma"
    result = scan(app, str(FIXTURES / "scenarios" / "documents-prisma" / "drop_document_title.sql"), use_cache=False)
    assert _evidence(result, "src/documents/title-badge.tsx") == {}
    assert _handed(result, "src/documents/title-badge.tsx") == {5: {"client"}}
    text = (app / "src" / "documents" / "title-badge.tsx").read_text()
    assert client_component("src/documents/title-badge.tsx", text)
    assert not client_component("src/documents/title-badge.tsx", text.replace("export function", "export async function"))
    assert not client_component("src/documents/title-badge.ts", text)  # no JSX file
    assert not client_component("src/documents/format.tsx", "export const f = (d: Document) => d.title;")
    # a browser-only hook makes a component client-side though its handlers await; a route's server half does not
    hooked = "export function D({ d }) {\n  const [o, setO] = useState(false);\n  const f = async () => { await save(d.id); };\n  return <div />;\n}"
    assert client_component("app/components/dropdown.tsx", hooked)
    assert not client_component("app/routes/d.tsx", "export async function loader() { return 1; }\n" + hooked)
    assert not client_component("app/components/title.tsx", hooked.replace("useState(false)", "useMemo(() => 1)"))


def test_a_typeorm_entitys_fields_in_a_component_stay_evidence() -> None:
    """members-typeorm's dashboard form names the entity class as a value and writes `displayName` through a
    generic CRUD form (oneuptime's ModelForm, labelled DB-reaching): a component awaiting nothing is
    client-side for Prisma's and Drizzle's tables only."""
    app = FIXTURES / "apps" / "members-typeorm"
    result = scan(app, str(FIXTURES / "scenarios" / "members-typeorm" / "rename_display_name.sql"), use_cache=False)
    assert client_component("src/dashboard/member-form.tsx", (app / "src" / "dashboard" / "member-form.tsx").read_text())
    assert _evidence(result, "src/dashboard/member-form.tsx") == {"IMP204": [7]}
    assert _handed(result, "src/dashboard/member-form.tsx") == {}


def test_a_prisma_tests_app_shaped_data_is_a_fixture_another_orms_factory_keys_are_not() -> None:
    """format.test.ts: `eventDataType: 1` in an object of the app's shape (9) is a fixture; in a mocked
    prisma.eventData.findFirst row (13) it is the database's. members.test.ts (TypeORM): a factory's
    `displayName` key (12) names no client either, yet builds the entity: evidence (keep_prisma_fixtures)."""
    prisma_app, typeorm_app = FIXTURES / "apps" / "analytics-prisma", FIXTURES / "apps" / "members-typeorm"
    result = scan(prisma_app, str(FIXTURES / "scenarios" / "analytics-prisma" / "rename_event_data_type.sql"), use_cache=False)
    assert _handed(result, "src/lib/format.test.ts") == {7: {"type"}, 9: {"fixture"}}
    assert _evidence(result, "src/lib/format.test.ts") == {"IMP204": [13]}
    result = scan(typeorm_app, str(FIXTURES / "scenarios" / "members-typeorm" / "rename_display_name.sql"), use_cache=False)
    assert _handed(result, "src/members/members.test.ts") == {}
    assert _evidence(result, "src/members/members.test.ts") == {"IMP204": [12]}


@pytest.mark.parametrize("source, client", [
    ('"use client";\nimport x from "y";', True),
    ("// a comment\n/* another */\n'use client'\n", True),
    ('import "use client";', False),
    ('const a = 1;\n"use client";', False),
])
def test_client_module_directive(source: str, client: bool) -> None:
    assert client_module(source) is client


def test_a_django_view_tests_post_data_is_no_evidence_its_query_is() -> None:
    # books/tests/test_views.py: `model = Book` binds the test class to the model (impact.extract.python.model_classes),
    # yet `form_data`'s "external_reference" (11) is the form's POST data; the manager's create (15) writes the row.
    result = scan(FIXTURES / "apps" / "library-django", "books.0002", use_cache=False)
    file = "books/tests/test_views.py"
    assert {(r.line, r.via, r.handed_on) for r in result.references if r.file == file and r.line == 11} == {(11, "model-class", "fixture")}
    assert sorted({line for lines in _evidence(result, file).values() for line in lines}) == [15]


def test_django_parameters_and_positional_arguments_are_not_evidence_keywords_are() -> None:
    result = scan(FIXTURES / "apps" / "library-django", "books.0002", use_cache=False)
    file = "books/loans.py"
    # 7 `Book.objects.get(external_reference=...)` and 13 `Book.objects.create(..., external_reference=...)`: the
    # ORM calls; 9 reads the row; 17 gives a helper the keyword argument `external_reference=` (saleor's
    # keyword arguments were 19 lines the authors changed): kept.
    assert _evidence(result, file) == {"IMP101": [7, 13], "IMP204": [9, 17]}
    # 6 `def lend(external_reference, borrower)`, 12 `external_reference=None` of a def, 8 `notify(borrower, external_reference)`.
    assert _handed(result, file) == {6: {"parameter"}, 8: {"argument"}, 12: {"parameter"}}
    assert {r.via for r in result.references if r.file == file and r.handed_on} == {"orm-field"}


def _ts(source: str, name: str, jsx: bool = False) -> list[str | None]:
    scanned, starts = scan_ts(source), line_starts(source)
    return [in_typescript(scanned, starts, number, m.start(), m.end(), jsx)
            for number, line in enumerate(source.splitlines(), 1) for m in re.finditer(rf"(?<![\w$]){name}(?![\w$])", line)]


def _py(source: str, name: str) -> list[str | None]:
    lines = source.splitlines()
    return [in_python(lines, number, m.start(), m.end())
            for number, line in enumerate(lines, 1) for m in re.finditer(rf"(?<!\w){name}(?!\w)", line)]


@pytest.mark.parametrize("source, kinds", [
    ("export const f = async (environmentId: string) => 1;", ["parameter"]),
    ("function f(a, environmentId) { return a; }", ["parameter"]),
    ("class A { async get(environmentId: string) { return 1; } }", ["parameter"]),
    ("const h = (\n  environmentId: TEnvironment['id'],\n) => 1;", ["parameter"]),
    ("ids.map(environmentId => 1);", ["parameter"]),
    ("getOrganizationIdFromEnvironmentId(environmentId);", ["argument"]),
    ("validateInputs([environmentId, ZId], [other, ZString]);", ["argument"]),
    ("const ids = [environmentId, other];", [None]),
    ("await getDocumentById({\n  environmentId,\n});", ["argument"]),
    ("throw new DatabaseError(`no environment ${environmentId}`);", ["argument"]),
    ("throw new ResourceNotFoundError('Environment', environmentId);", ["argument"]),
    ("type Options = {\n  environmentId: string;\n  other?: number;\n};", ["type"]),
    ("interface Options { environmentId?: string[] }", ["type"]),
    ("const fields = {\n  environmentId: { type: GraphQLString, deprecationReason: 'x' },\n};", ["type"]),
    ("const fields = {\n  environmentId: {\n    type: new GraphQLNonNull(GraphQLString),\n  },\n};", ["type"]),
    ("define('x', {\n  environmentId: { type: DataTypes.STRING },\n});", [None]),
    ("type Options = { userId: number; environmentId: string };", ["type"]),
    ("const o = { environmentId: null };", [None]),
    ("const { environmentId } = data;", [None]),
    ("const { environmentId, other } = await params;", ["input"]),
    ("const {\n  environmentId,\n} = ctx.input;", ["input"]),
    ("await saveEvent({ websiteId, sessionId, urlPath,\n  environmentId });", [None]),
    ("const environmentId = params.id;", ["local"]),
    ("if (!environmentId) { return; }", ["local"]),
    # a request's input: route params, a server action's or tRPC's input, a request body, props
    ("await getEnvironmentAuth(params.environmentId);", ["input"]),
    ("const id = (await getX(parsedInput.environmentId)).id;", ["input"]),
    ("if (ctx.body?.environmentId) {}", ["input"]),
    ("f(req.query.environmentId, this.props.environmentId);", ["input", "input"]),
    # a log line's payload, keyed or not
    ("logger.warn({ pathname, environmentId: fromPath }, 'bad');", ["argument"]),
    ("console.error('no env', environmentId);", ["argument"]),
    # an analytics event's payload: keys, values, nested (documenso's analytics.capture, formbricks' PostHog)
    ("analytics.capture('App: Document Uploaded', {\n  userId: user.id,\n  environmentId: id,\n});", ["argument"]),
    ("capturePostHogEvent(user.id, 'x', {\n  environment_id: environmentId,\n});", ["argument"]),
    ("posthog.capture({ distinctId: id, properties: { environmentId } });", ["argument"]),
    ("captureSsoIdentity({ environmentId: id });", [None]),
    # a permission check's access objects (formbricks' checkAuthorizationUpdated)
    ("export function isOpen(session: { environmentId: string }) { return 1; }", ["parameter"]),
    ("class A { isOpen(s: { environmentId: string }) { return 1; } }", ["parameter"]),
    ("await checkAuthorizationUpdated({\n  access: [\n    {\n      type: 'projectTeam',\n      environmentId: parsedInput.x,\n    },\n  ],\n});", ["argument"]),
    ("await updateEnvironment({\n  access: [\n    {\n      type: 'projectTeam',\n      environmentId: parsedInput.x,\n    },\n  ],\n});", [None]),
    ("await logFileDeletion({\n  status: 'success',\n  accessType,\n  userId,\n  environmentId,\n});", ["argument"]),
    ("const { environmentId, contactId } = responseInput;", ["input"]),
    ("await getOrganization(responseInput.environmentId, Input.environmentId);", ["input", None]),
    ("logger.warn('blocked', {\n  userId,\n  environmentId,\n  model,\n  providerId,\n});", ["argument"]),
    # a variable's truth: logical operands, a ternary's condition; a type's members one a line
    ("const c = userId && environmentId ? get(userId) : null;", ["local"]),
    ("if (a || !environmentId) {}", ["local"]),
    ("interface Assertion {\n  userId: string | undefined\n  environmentId: string | undefined\n}", ["type"]),
    # kept: a comparison, a field read, a key with a value, a constructor's object, an object returned
    ("if (environmentId === other) { return; }", [None]),
    ("const ok = row.environmentId && other;", [None]),
    ("const x = {\n  a: 1,\n  environmentId: envId,\n};", [None]),
    ("doIt(row.environmentId);", [None]),
    ("doIt(data.environmentId, inputs.environmentId);", [None, None]),
    ("getX({ environmentId: id });", [None]),
    ("const e = new Environment({ environmentId });", [None]),
    ("await user.update({\n  email,\n  environmentId,\n});", [None]),
    ("return { environmentId };", [None]),
    # a validation schema's field; a model's generated schema picked by field is kept (impact.orm.checked_keys)
    ("const Z = z.object({\n  environmentId: ZId,\n});", ["schema"]),
    ("const Z = ZBase.extend({ environmentId: z.string() });", ["schema"]),
    ("const Z = yup.object().shape({\n  environmentId: yup.string(),\n});", ["schema"]),
    ("const Z = SurveySchema.pick({ environmentId: true });", [None]),
    ("const Z = z.object({\n  environmentId: z.string(),\n}) satisfies z.ZodType<Survey>;", [None]),
    ("const Z: z.ZodType<Survey> = z.object({ environmentId: z.string() });", [None]),
    # a GraphQL document's field, a URL path's parameter; a string naming a column is kept
    ("const q = gql`\n  query Q {\n    survey { environmentId }\n  }\n`;", ["api"]),
    ("const spec = { '/client/{environmentId}/responses': {} };", ["api"]),
    ("User.findAll({ attributes: ['environmentId'] });", [None]),
    ("const s = 'environmentId';", [None]),
    # what a parser returns, destructured; a log call's nested payload; a graphql-js field described first
    ("const { environmentId } = ZInput.parse(body);", ["local"]),
    ("const { environmentId, name } = parseActionInput(input);", ["local"]),
    ("const { id: environmentId } = args.params;", ["input"]),
    # a log line's or an error's message; a raw query's `type` option
    ("console.log(`Backfill environmentId from title, page ${page}`);", ["argument"]),
    ("throw new NotFoundError('no environmentId for this survey');", ["argument"]),
    ("const m = 'no environmentId for this survey';", [None]),
    ("await sequelize.query(sql, { environmentId: sequelize.QueryTypes.SELECT });", ["argument"]),
    ("const { id: environmentId } = row;", [None]),
    ("const o = { id: environmentId };", [None]),
    ("ctx.logger.info({\n  input: {\n    environmentId,\n  },\n});", ["argument"]),
    ("const fields = {\n  environmentId: {\n    description: 'The environment',\n    type: GraphQLString,\n  },\n};", ["type"]),
    ("await create({\n  data: {\n    environmentId,\n  },\n});", [None]),
])
def test_typescript_positions(source: str, kinds: list) -> None:
    assert _ts(source, "environmentId") == kinds


def test_jsx_attributes_in_jsx_files_only() -> None:
    source = "<Row\n  environmentId={environmentId}\n  other={row.environmentId}\n/>"
    assert _ts(source, "environmentId", jsx=True) == ["jsx", "jsx", None]
    # a record assigned in a component (umami's WebsiteShareForm: `const data = { shareId: currentId }`, then a mutation)
    assert _ts("const data = {\n  environmentId: currentId,\n};\n<Row props={{ environmentId }} />", "environmentId", jsx=True) == [None, None]


@pytest.mark.parametrize("source, kinds", [
    ("def f(self, legacy_flag=None):\n    pass", ["parameter"]),
    ("def h(\n    self,\n    legacy_flag,\n):\n    pass", ["parameter"]),
    ("x = lambda legacy_flag: 1", ["parameter"]),
    ("notify(user,\n       legacy_flag)", ["argument"]),
    # a variable: one holding an object (`legacy_flag.pk`), a statement assigning one
    ("if (legacy_flag.pk, i) not in taken:\n    pass", ["local"]),
    ("def f():\n    legacy_flag = None", ["local"]),
    ("def f():\n    if x:\n        legacy_flag: int | None = None", ["local"]),
    # kept: a class's attribute (a factory's, a form's declaration), a module's constant
    ("class OrgFactory(Factory):\n    legacy_flag = None", [None]),
    ("legacy_flag = 1", [None]),
    # kept: keyword arguments (a model's constructor, a manager's create), an attribute, a lookup's head;
    # a bare name read as a value is a variable (a keyword's value, a condition, a tuple, a dict's value)
    ("Order(legacy_flag=legacy_flag)", [None, "local"]),
    ("Order.objects.create(\n    legacy_flag=True,\n)", [None]),
    ("x = self.legacy_flag.pk", [None]),
    ("qs.filter(legacy_flag__isnull=True)", []),
    ("if legacy_flag:\n    pass", ["local"]),
    ("return (legacy_flag, 1)", ["local"]),
    ('variables = {"id": order_id, "amount": legacy_flag}', ["local"]),
    # a form's cleaned data or a request's field, a form field's error key, a message's placeholder
    ("n = len(self.cleaned_data['legacy_flag'])", ["input"]),
    ('x = request.data.get("legacy_flag")', ["input"]),
    ("raise ValidationError({'legacy_flag': _('Bad flag')})", ["input"]),
    ('msg = _("Flag ({legacy_flag}) is not set").format(legacy_flag=flag)', ["argument", None]),
    ('values("legacy_flag")', [None]),
])
def test_python_positions(source: str, kinds: list) -> None:
    assert _py(source, "legacy_flag") == kinds


@pytest.mark.xfail(reason="a returned local is kept (formbricks' `return project;`): its value comes from a line above", strict=True)
def test_a_returned_local_is_handed_on() -> None:
    assert _ts("return environmentId;", "environmentId") == ["local"]


@pytest.mark.xfail(reason="a key with a value in a call's object argument is kept: the object may be a query's options", strict=True)
def test_a_keyed_argument_of_a_helper_is_handed_on() -> None:
    assert _ts("recordAudit({ environmentId: id });", "environmentId") == ["argument"]


def test_a_quoted_dict_key_is_a_python_tests_data() -> None:
    from impact.extract.handed_on_modules import python_test_data_key

    lines = ["data = {", "    'legacy_flag': rear_ports[3].pk,", '    "legacy_flag" : 1,', ")", "qs.values('legacy_flag')"]
    keys = [python_test_data_key(lines, n, line.index("legacy_flag"), line.index("legacy_flag") + len("legacy_flag"))
            for n, line in enumerate(lines, 1) if "legacy_flag" in line]
    assert keys == [True, True, False]


@pytest.mark.xfail(reason="Python lines are read one by one: a triple-quoted string's bracket hides the call", strict=True)
def test_a_python_argument_after_a_multiline_string() -> None:
    assert _py('notify(\n    """(\n    """,\n    legacy_flag)', "legacy_flag") == ["argument"]


def _fixture(source: str, name: str) -> list[bool]:
    scanned, starts = scan_ts(source), line_starts(source)
    return [fixture_key_in_test(scanned, starts, number, m.start(), m.end())
            for number, line in enumerate(source.splitlines(), 1) for m in re.finditer(rf"(?<![\w$]){name}(?![\w$])", line)]


@pytest.mark.parametrize("source, fixture", [
    # an app type's fixture, an expected API response, a helper's input: data of the test only
    ('describe("s", () => {\n  const mockSurvey: TSurvey = {\n    id: "s1",\n    environmentId: "env1",\n  };\n});', [True]),
    ('test("x", async () => {\n  expect(result).toEqual([{ environmentId: "env-2" }]);\n});', [True]),
    ('it("y", () => {\n  const r = await createTeam({ environmentId, name: "n" });\n});', [True]),
    # a mocked Prisma call's row or expected arguments, a query in the test: the database's
    ('test("x", async () => {\n  vi.mocked(prisma.segment.create).mockResolvedValue({\n    environmentId: envId,\n  });\n});', [False]),
    ('test("x", async () => {\n  expect(prisma.survey.findUnique).toHaveBeenCalledWith({\n    where: { id, environmentId },\n  });\n});', [False]),
    ('const rows: Prisma.SurveyGetPayload<{}>[] = [{ environmentId: "e" }];', [False]),
    ('test("x", async () => {\n  vi.mocked(getEnvironment).mockResolvedValueOnce({\n    environmentId: "e",\n  } as any);\n});', [False]),
    ('test("x", async () => {\n  expect(tx.mapping.deleteMany).toHaveBeenCalledWith({\n    where: { environmentId },\n  });\n});', [False]),
    # not a key: a field read, a variable
    ('test("x", () => {\n  expect(row.environmentId).toBe(1);\n  const environmentId = 2;\n});', [False, False]),
])
def test_keys_of_test_fixtures(source: str, fixture: list) -> None:
    assert _fixture(source, "environmentId") == fixture


def test_a_tests_reads_of_an_api_response_are_its_data() -> None:
    from impact.extract.handed_on_modules import reads_a_response, response_variables

    text = ("const res = await utils.graphqlQuery(query, { slug });\n"
            "const collectiveData = res.data.Collective;\n"
            "const adminMember = collectiveData.members.find((m) => m.id === 1);\n"
            "const user = await models.User.findByPk(1);\n")
    responses = response_variables(text)
    assert responses == {"collectiveData", "adminMember"}
    assert reads_a_response("expect(collectiveData.orders[0].createdByUser.", responses)
    assert reads_a_response("expect(adminMember?.member.", responses)
    assert reads_a_response("expect(res.data.Collective.", responses)
    assert not reads_a_response("expect(user.", responses) and not reads_a_response("expect(res.", responses)
