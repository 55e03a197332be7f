"""A Sequelize model's own module (fixtures/apps/forum-sequelize): its lines naming the model of a
dropped or renamed table (impact.orm.sequelize_model_lines), its class's declared members
(impact.orm.sequelize_members), `this.x` in its class (impact.orm.sequelize_this) and a hook's
parameter typed with the define() variable or class (impact.orm.typeorm_typed)."""
from __future__ import annotations

from impact.extract.typescript.orm.sequelize import extract_sequelize
from impact.extract.typescript.scan import scan as scan_ts
from impact.pipeline import scan
from tests.conftest import ROOT

APP = ROOT / "fixtures" / "apps" / "forum-sequelize"


def _evidence(migration: str) -> dict[str, list[str]]:
    result = scan(APP, migration, use_cache=False)
    return {f.rule_id: sorted({f"{e.file}:{e.line}" for e in f.evidence if e.file}, key=lambda e: (e.split(":")[0], int(e.split(":")[1])))
            for f in result.findings if f.evidence}


def test_a_dropped_tables_model_module_names_it_in_code_not_in_its_strings_or_comments() -> None:
    evidence = _evidence("20240201")  # DROP TABLE sessions
    # The define() line and its quoted model name, the factory's `Session.expired = ...`, its return,
    # the module's variable and export; not the comment (13) nor the string "Session expired" (14 is
    # evidence for its `Session.expired`, not the text).
    assert evidence["dropped-table-still-used"] == [
        "src/models/Session.js:5", "src/models/Session.js:6", "src/models/Session.js:14", "src/models/Session.js:15",
        "src/models/Session.js:18", "src/models/Session.js:20", "src/sessions.js:1", "src/sessions.js:3"]


def test_a_renamed_tables_model_module_names_it() -> None:
    evidence = _evidence("20240301")  # comment_reactions renamed: `define("comment_reaction")` pluralised is the old name
    assert evidence["renamed-table-still-used"] == [
        "src/models/CommentReaction.js:7", "src/models/CommentReaction.js:8", "src/models/CommentReaction.js:14",
        "src/models/CommentReaction.js:15", "src/models/CommentReaction.js:18", "src/models/CommentReaction.js:21",
        "src/models/CommentReaction.js:23"]


def test_a_dropped_column_of_a_model_class_its_member_this_and_a_hooks_typed_parameter() -> None:
    result = scan(APP, "20240401", use_cache=False)  # DROP COLUMN posts."isPinned"; topics has one too
    vias = {(r.file, r.line): (r.via, r.table) for r in result.references if r.column == "isPinned"}
    assert vias[("src/models/Post.ts", 8)] == ("model-declaration", "posts")  # `public declare isPinned: boolean;`
    assert vias[("src/models/Post.ts", 12)] == ("typed-receiver", "posts")  # `this.isPinned` in Post's method
    assert vias[("src/models/Post.ts", 25)] == ("typed-receiver", "posts")  # `(model: Post) => { if (model.isPinned)`
    # `PostAudit.create({ pinned: model.isPinned })`: the key is PostAudit's, the value a read of a Post row.
    assert vias[("src/models/Post.ts", 26)] == ("typed-receiver", "posts")
    # A local object's key in Post's method, and Topic's own member and `this.isPinned`: no table told.
    assert vias[("src/models/Post.ts", 11)] == ("name-only", None)
    assert vias[("src/models/Topic.ts", 6)] == ("name-only", None)
    assert vias[("src/models/Topic.ts", 9)] == ("name-only", None)
    evidence = _evidence("20240401")
    assert evidence["orm-model-declares-changed-column"] == ["src/models/Post.ts:8", "src/models/Post.ts:19"]
    assert evidence["changed-column-referenced"] == ["src/models/Post.ts:12", "src/models/Post.ts:25", "src/models/Post.ts:26"]
    # `Post.scope("recent").findAll({ attributes: ["id", "isPinned"] })`: a query on the model's table.
    assert evidence["dropped-column-still-used"] == ["src/posts.ts:3"]


def test_this_in_a_static_method_and_a_scoped_model_are_the_model() -> None:
    text = ("class Backlink extends Model {\n  static async of(documentId) {\n"
            "    return this.findAll({ attributes: [\"reverseDocumentId\"], where: { documentId } });\n  }\n}\n"
            "class Helper {\n  run() { return this.count(); }\n}\n"
            "export const users = () => models.User.unscoped().count({ where: { teamId: 1 } });\n")
    queries = [(q.line, q.model, q.columns, q.filter_columns) for q in extract_sequelize(scan_ts(text), "m.ts", "typescript")]
    # Helper's `this.count()` is read with the model `Helper`: impact.orm.resolve drops a class that is no model.
    assert queries == [(3, "Backlink", ("reverseDocumentId",), ("documentId",)), (7, "Helper", (), ()), (9, "User", (), ("teamId",))]


def test_a_hooks_parameter_also_used_as_an_include_key() -> None:
    # `(model: Post) =>` types `model`; `include: [{ model: PostAudit }]` is an object literal's value, not an annotation.
    text = (APP / "src/models/Post.ts").read_text()
    from impact.orm.sequelize import read_models
    from impact.orm.typeorm_typed import _typed_names

    models = {m.name: m for m in read_models("src/models/Post.ts", text)}
    with_include = text + "\nconst q = { include: [{ model: PostAudit }, {\n  model: PostAudit,\n  as: 'audits' }] };\n"
    assert set(_typed_names(with_include, models)) == {"model"}
    # A type literal's member is an annotation (`request: { user: Post }`, then `request.user.isPinned`).
    assert set(_typed_names(text + "\nconst g = (request: { user: Post }) => request;\n", models)) == {"model", "user"}
    # A parameter annotated with two types in one file says nothing.
    assert _typed_names(with_include + "const f = (model: PostAudit) => model;\n", models) == {}
