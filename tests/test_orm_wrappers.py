"""Functions wrapping an ORM query on one table, followed one level (impact.orm.wrappers)."""
from __future__ import annotations

import pytest

from impact.orm.wrappers import call_holder, call_pattern, called_wrapper, enclosing_function, wrapper_functions
from impact.model import Query, QueryKind
from impact.pipeline import scan
from tests.conftest import FIXTURES, make_repo, scan_prisma

SCHEMA = '''datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model Website {
  id     String @id
  status String
  @@map("website")
}

model Session {
  id     String @id
  status String
  @@map("session")
}
'''
INIT = 'CREATE TABLE "website" ("id" TEXT PRIMARY KEY, "status" TEXT NOT NULL);\nCREATE TABLE "session" ("id" TEXT PRIMARY KEY, "status" TEXT NOT NULL);\n'
WEBSITE = '''import { prisma } from "./db";

export async function updateWebsite(id: string, data: object) {
  return prisma.website.update({ where: { id }, data });
}
'''
SESSION = '''import { prisma } from "./db";

export const updateSession = async (id: string, data: object) => {
  return prisma.session.update({ where: { id }, data });
};
'''
ROUTE = '''import { updateWebsite } from "../queries/website";
import { updateSession } from "../queries/session";

export async function archive(id: string) {
  await updateWebsite(id, {
    status: "archived",
  });
  await updateSession(id, { status: "closed" });
  return { status: "ok" };
}
'''
HELPER = '''import { updateWebsite } from "./website";

export const saveSite = (id: string, patch: object) => updateWebsite(id, patch);
'''
CALLER = '''import { saveSite } from "../queries/helper";

export const hide = (id: string) => saveSite(id, { status: "hidden" });
'''


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return scan_prisma(tmp_path_factory.mktemp("wrappers"), SCHEMA, INIT, 'ALTER TABLE "website" DROP COLUMN "status";\n', {
        "src/queries/website.ts": WEBSITE, "src/queries/session.ts": SESSION, "src/app/route.ts": ROUTE,
        "src/queries/helper.ts": HELPER, "src/app/caller.ts": CALLER,
    })


def _evidence(result) -> list[str]:
    finding = next((f for f in result.findings if f.rule_id == "changed-column-referenced"), None)
    return sorted(f"{e.file}:{e.line}" for e in finding.evidence) if finding else []


def test_a_name_in_a_call_to_a_wrapper_of_the_table_is_evidence(result) -> None:
    # `status` is declared by two models: alone it tells no table. In the arguments of updateWebsite (whose body
    # queries website), on the call's line or below it, it is website's.
    assert "src/app/route.ts:6" in _evidence(result)
    via = {(r.file, r.line): (r.table, r.via) for r in result.references}
    assert via[("src/app/route.ts", 6)] == ("website", "orm-wrapper")


def test_the_same_name_in_a_call_to_a_wrapper_of_another_table_is_not(result) -> None:
    # updateSession wraps prisma.session (no wrapper of an affected table), and the call of updateWebsite two
    # lines above is closed by then; the returned `{ status: "ok" }` is in no call: counted, not evidence.
    via = {(r.file, r.line): (r.table, r.via) for r in result.references}
    assert via[("src/app/route.ts", 8)] == (None, "name-only")
    assert via[("src/app/route.ts", 9)] == (None, "name-only")
    assert "src/app/route.ts:8" not in _evidence(result) and "src/app/route.ts:9" not in _evidence(result)


def test_wrappers_are_the_functions_enclosing_a_query_on_one_affected_table() -> None:
    on = lambda file, line, table: Query(file, line, line, "typescript", "prisma-client", QueryKind.UPDATE, table, orm="prisma")  # noqa: E731
    files = [("a.ts", WEBSITE, [on("a.ts", 4, "website")]), ("b.ts", SESSION, [on("b.ts", 4, "session")]),
             ("c.py", "def updateWebsite(id):\n    pass\n", [on("c.py", 2, "website")])]
    assert wrapper_functions(files, ["website"]) == {"updateWebsite": "website"}
    assert wrapper_functions(files, ["website", "session"]) == {"updateWebsite": "website", "updateSession": "session"}
    # A control-flow block between the header and the query is not the function.
    assert enclosing_function("class S {\n  save(id: string) {\n    if (id) {\n      q();\n    }\n  }\n}\n", 4) == "save"


def test_a_call_closed_before_the_name_does_not_hold_it() -> None:
    pattern = call_pattern({"updateWebsite": "website"})
    lines = ["updateWebsite(id, {", "  status,", "});", "log({ status });", "x = { status }; updateWebsite(x);"]
    assert called_wrapper(lines, 2, "status", pattern) == "updateWebsite"
    assert called_wrapper(lines, 4, "status", pattern) is None  # the call closed on line 3
    assert called_wrapper(lines, 5, "status", pattern) is None  # the call comes after the name


@pytest.mark.xfail(strict=True, reason="known limit of impact.orm.wrappers: one level only, a wrapper of a wrapper is not followed")
def test_a_wrapper_of_a_wrapper_is_followed(result) -> None:
    assert "src/app/caller.ts:3" in _evidence(result)


def test_an_arrow_function_with_parameters_on_several_lines_is_a_wrapper() -> None:
    lines = ["export const updateSite = async (", "  id: string,", "  data: object,", ") => {",
             "  return prisma.website.update({ where: { id }, data });", "};"]
    assert enclosing_function("\n".join(lines), 5) == "updateSite"
    destructured = ["export const getSite = async ({", "  id,", "}: Options) => {", "  return prisma.website.findFirst({ where: { id } });", "};"]
    assert enclosing_function("\n".join(destructured), 4) == "getSite"
    # A call's arguments opening a line are no header: the function around it is.
    call = ["function outer() {", "  const site = await load(", "    id,", "  );", "  return prisma.website.findFirst({ where: { id } });", "}"]
    assert enclosing_function("\n".join(call), 5) == "outer"


def test_a_method_with_parameters_on_several_lines_is_a_wrapper() -> None:
    lines = ["class Sites {", "  async updateSite(", "    id: string,", "  ) {", "    return prisma.website.update({ where: { id } });", "  }", "}"]
    assert enclosing_function("\n".join(lines), 5) == "updateSite"


@pytest.mark.xfail(strict=True, reason="known limit of impact.orm.wrappers: TypeScript and JavaScript files only")
def test_a_python_function_wrapping_an_orm_query_is_a_wrapper() -> None:
    query = Query("svc.py", 2, 2, "python", "django-orm", QueryKind.UPDATE, "website", orm="django")
    source = "def update_site(pk, **fields):\n    Website.objects.filter(pk=pk).update(**fields)\n"
    assert wrapper_functions([("svc.py", source, [query])], ["website"]) == {"update_site": "website"}


def test_a_key_the_wrappers_model_does_not_declare_is_not_its_column(tmp_path) -> None:
    # The model no longer declares `status` (removed from the schema before the migration drops it):
    # the wrapper's `status` argument is an input it routes on, not the column.
    schema = SCHEMA.replace("model Website {\n  id     String @id\n  status String\n", "model Website {\n  id     String @id\n")
    repo = make_repo(tmp_path, {
        "prisma/schema.prisma": schema, "prisma/migrations/0_init/migration.sql": INIT,
        "prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
        "prisma/migrations/1_drop/migration.sql": 'ALTER TABLE "website" DROP COLUMN "status";\n',
        "src/queries/website.ts": WEBSITE, "src/queries/session.ts": SESSION, "src/app/route.ts": ROUTE,
    })
    dropped = scan(repo, str(repo / "prisma/migrations/1_drop/migration.sql"), use_cache=False)
    via = {(r.file, r.line): (r.table, r.via) for r in dropped.references}
    assert via[("src/app/route.ts", 6)] == (None, "name-only")
    assert "src/app/route.ts:6" not in _evidence(dropped)


# --- the structure: function bodies and call arguments as the scanner's brackets tell them ----------------

def test_a_query_far_below_its_functions_header_is_in_that_function() -> None:
    # outline's accountProvisioner: the query 180 lines into the body, far past any fixed window.
    text = "export async function accountProvisioner({\n  ip,\n}: Props) {\n" + "  step();\n" * 180 + \
        "  return prisma.website.create({ data: {} });\n}\n"
    assert enclosing_function(text, 184) == "accountProvisioner"


def test_a_nested_function_that_ends_above_the_query_is_not_its_function() -> None:
    text = ("export async function outer(id: string) {\n"  # 1
            "  function inner() {\n"
            "    return 1;\n"
            "  }\n"  # 4: inner ends here
            "  return prisma.website.update({ where: { id } });\n"  # 5
            "}\n"
            "function later() {\n"
            "  return 2;\n"
            "}\n"
            "prisma.website.findMany();\n")  # 10: top level, in no function
    assert enclosing_function(text, 3) == "inner"
    assert enclosing_function(text, 5) == "outer"
    assert enclosing_function(text, 10) is None


def test_braces_in_strings_templates_and_comments_do_not_end_a_body() -> None:
    text = ("const save = async (id: string) => {\n"
            "  const a = \"}}\"; const b = '}';\n"
            "  const c = `} ${\"{\"} }`; // }\n"
            "  /* } */\n"
            "  return prisma.website.update({ where: { id } });\n"
            "};\n")
    assert enclosing_function(text, 5) == "save"


def test_an_arrow_function_without_braces_ends_with_its_expression() -> None:
    text = ("export const getSite = (id: string) =>\n"
            "  prisma.website\n"
            "    .findFirst({ where: { id } })\n"
            "\n"
            "prisma.website.findMany()\n")
    assert enclosing_function(text, 3) == "getSite"
    assert enclosing_function(text, 5) is None


def test_class_methods_object_methods_and_return_types_are_functions() -> None:
    text = ("class Sites {\n"
            "  private handler = async () => {\n"
            "    return prisma.website.findMany();\n"
            "  };\n"
            "  async update(id: string): Promise<{ id: string }> {\n"
            "    return prisma.website.update({ where: { id } });\n"
            "  }\n"
            "}\n"
            "const api = {\n"
            "  remove(id) {\n"
            "    return prisma.website.delete({ where: { id } });\n"
            "  },\n"
            "};\n")
    assert [enclosing_function(text, line) for line in (3, 6, 11)] == ["handler", "update", "remove"]


def _holder(text: str, wrappers=("updateWebsite",)):
    return call_holder("a.ts", text, text.splitlines(), call_pattern(dict.fromkeys(wrappers, "website")))


def test_a_call_spanning_many_lines_holds_every_key() -> None:
    text = ("await updateWebsite(\n"
            "  id,\n"
            "  {\n"
            "    name,\n"
            "    domain,\n"
            "    status: \"archived\",\n"  # 6: beyond the old three-line window
            "  },\n"
            ");\n"
            "log({ status });\n")
    holder = _holder(text)
    assert holder(6, "status") == "updateWebsite"
    assert holder(9, "status") is None  # the call closed on line 8


def test_parentheses_in_strings_do_not_close_a_call() -> None:
    text = "updateWebsite(id, {\n  note: \")\",\n  label: `(${x})`,\n  status,\n});\n"
    assert _holder(text)(4, "status") == "updateWebsite"


def test_a_wrappers_own_parameters_count_on_its_header_line_only() -> None:
    # The holder's answer: the signature on the name's line (sim's `async function loadGroupInWorkspace(groupId:
    # string, workspaceId: string) {`), not a parameter on a line of its own (umami's `userId: string,`) nor a
    # member of an options object's type. impact.extract.references then credits no parameter at all (below).
    one_line = "export async function updateWebsite(id: string, status: string) {\n  return prisma.website.update({ data: { status } });\n}\n"
    assert _holder(one_line)(1, "status") == "updateWebsite"
    several = ("export async function updateWebsite(\n  id: string,\n  status: string,\n): Promise<void> {\n"
               "  return prisma.website.update({ where: { id }, data: { status } });\n}\n")
    assert _holder(several)(3, "status") is None
    options = "export async function updateWebsite(id: string, { status }: { status: string }) {\n}\n"
    assert _holder(options)(1, "status") is None


def test_a_wrappers_own_parameter_is_no_call_of_it(tmp_path) -> None:
    # sim's `loadGroupInWorkspace(groupId: string, workspaceId: string)`, kaneo's `signUp(email, password, name)`:
    # the mined history had the authors rename such parameters (5 of 5), the adjudicated round-2 sample labels
    # them not-db (a parameter's name; the query below is the evidence).
    website = WEBSITE.replace("(id: string, data: object) {\n  return prisma.website.update({ where: { id }, data });",
                              "(id: string, status: string) {\n  return prisma.website.update({ where: { id }, data: { status } });")
    # A value handed to it (`updateWebsite(id, status)`, formbricks' `updateProjectTeam(teamId, projectId, body)`:
    # labelled not-db) is a variable's name too; a key of the object it writes (route.ts:6) is the column's.
    caller = 'import { updateWebsite } from "../queries/website";\n\nexport const set = (id: string, status: string) =>\n  updateWebsite(id, status);\n'
    dropped = scan_prisma(tmp_path, SCHEMA, INIT, 'ALTER TABLE "website" DROP COLUMN "status";\n', {
        "src/queries/website.ts": website, "src/app/route.ts": ROUTE, "src/app/caller.ts": caller})
    via = {(r.file, r.line): (r.via, r.handed_on) for r in dropped.references}
    assert via[("src/queries/website.ts", 3)][1] == "parameter" and via[("src/queries/website.ts", 3)][0] != "orm-wrapper"
    assert via[("src/app/caller.ts", 4)][0] != "orm-wrapper"
    evidence = _evidence(dropped)
    assert "src/queries/website.ts:3" not in evidence and "src/app/caller.ts:4" not in evidence and "src/app/route.ts:6" in evidence


def test_a_field_read_from_another_object_is_not_the_wrappers_key() -> None:
    # dokploy's `updateUser(id, { metricsConfig: { server: { port: input.metricsConfig.server.port } } })`: the
    # value read from the caller's input says nothing of the table (3 of 21 such lines were truth).
    text = ("updateWebsite(id, {\n  label: input.status,\n  note: row['status'],\n  status: input.status,\n"
            "  user: { status },\n});\n")
    holder = _holder(text)
    assert [holder(line, "status") for line in (2, 3, 4, 5)] == [None, None, "updateWebsite", "updateWebsite"]


def test_the_fixture_provisioner_credits_a_key_far_below_the_call() -> None:
    # fixtures/apps/helpdesk-prisma: ticketProvisioner's ticket query is 40 lines into its body, below a nested
    # helper and braces in strings; importTickets calls it with `status` on the call's sixth line. `status` is
    # both projects' and tickets' column: only the wrapper tells the table.
    result = scan(FIXTURES / "apps" / "helpdesk-prisma", "20240201", use_cache=False)
    via = {(r.file, r.line, r.context): (r.table, r.via) for r in result.references if r.file == "src/imports/importTickets.ts"}
    assert via[("src/imports/importTickets.ts", 10, "property")] == ("tickets", "orm-wrapper")
    assert via[("src/imports/importTickets.ts", 16, "identifier")] == (None, "name-only")  # no call of a wrapper
    assert "src/imports/importTickets.ts:10" in _evidence(result)


@pytest.mark.xfail(strict=True, reason="known limit of impact.extract.typescript.functions: a function assigned to an object's key is anonymous")
def test_a_function_assigned_to_an_objects_key_is_named() -> None:
    text = "export const sites = {\n  update: async (id: string) => {\n    return prisma.website.update({ where: { id } });\n  },\n};\n"
    assert enclosing_function(text, 3) == "update"


@pytest.mark.xfail(strict=True, reason="known limit of impact.extract.typescript.functions: a named function expression passed as an argument is recorded under its own name")
def test_a_named_callback_credits_the_function_around_it() -> None:
    text = ("export function archive(id: string) {\n  return load(id).then(function done() {\n"
            "    return prisma.website.update({ where: { id } });\n  });\n}\n")
    assert enclosing_function(text, 3) == "archive"
