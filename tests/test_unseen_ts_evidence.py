"""What a reviewer tripped over running impact on TypeScript projects it had never seen (crowd.dev's
Sequelize repositories): models reached through a deeper registry keyed by lower-case define() names,
a line naming the column twice counted as two places, a query whose only use of the column is in a
JOIN ON, and a create given a variable described as `insert t(; …)`."""
from __future__ import annotations

from impact.pipeline import scan
from impact.report.terminal import render_text
from tests.conftest import make_repo

INIT = ('CREATE TABLE activities (id serial PRIMARY KEY, "memberId" int, "isKeyAction" boolean, '
        '"timestamp" timestamptz, "createdAt" timestamptz, "updatedAt" timestamptz);')
MODEL = '''const { DataTypes } = require("sequelize");
module.exports = (sequelize) => {
  const activity = sequelize.define("activity", {
    isKeyAction: { type: DataTypes.BOOLEAN },
    timestamp: { type: DataTypes.DATE },
  }, { freezeTableName: false });
  return activity;
};
'''


def _repo(tmp_path, code: dict[str, str], migration: str = 'ALTER TABLE activities RENAME COLUMN "isKeyAction" TO "isContribution";'):
    return make_repo(tmp_path, {"migrations/0001_init.sql": INIT, "migrations/0002_change.sql": migration,
                                "src/models/activity.js": MODEL, **code})


def _finding(result, rule_id):
    return next(f for f in result.findings if f.rule_id == rule_id)


def test_a_lower_case_model_of_a_deeper_registry_is_queried(tmp_path) -> None:
    repo = _repo(tmp_path, {"src/repo.js": (
        "exports.one = (options) => options.database.activity.findOne({ where: { id: 1 } })\n"
        "exports.add = (options, rows) => options.database.activity.bulkCreate(rows)\n"
        "exports.other = (req) => req.body.count({ where: { id: 1 } })\n")})
    result = scan(repo, "2", use_cache=False)
    renamed = _finding(result, "renamed-column-still-used")
    assert [f"{e.file}:{e.line}" for e in renamed.evidence] == ["src/repo.js:1", "src/repo.js:2"]
    # A create given a variable names every column, with no empty list in front of the note.
    add = next(e for e in renamed.evidence if e.line == 2)
    assert add.detail.startswith("insert activities(the ORM names every column its model declares)")


def test_a_line_naming_the_column_twice_is_one_place(tmp_path) -> None:
    repo = _repo(tmp_path, {"src/grid.js": (
        "export const grid = { isKeyAction: filter.isKeyAction === true || filter.isKeyAction === 'true' }\n"
        "export const other = { isKeyAction: false }\n")},
        migration='ALTER TABLE activities DROP COLUMN "isKeyAction";')
    result = scan(repo, "2", use_cache=False)
    named = _finding(result, "changed-column-referenced")
    lines = [(e.file, e.line) for e in named.evidence]
    assert lines == sorted(set(lines)) and ("src/grid.js", 1) in lines and ("src/grid.js", 2) in lines
    assert named.message.startswith(f"{len(lines)} places")
    assert "shown above" not in render_text([result], width=100, verbose=True)


def test_a_query_naming_the_column_only_in_its_join_says_so(tmp_path) -> None:
    repo = _repo(tmp_path, {"src/cube.js": (
        "cube(`Members`, {\n"
        "  sql: `SELECT m.id, MIN(a.timestamp) AS first FROM members m\n"
        '        LEFT JOIN activities a ON (a."memberId" = m.id AND a."isKeyAction" = TRUE) GROUP BY m.id`,\n'
        "})\n")})
    result = scan(repo, "2", use_cache=False)
    (evidence,) = _finding(result, "renamed-column-still-used").evidence
    assert evidence.detail == "select_columns activities(timestamp; uses isKeyAction)"
