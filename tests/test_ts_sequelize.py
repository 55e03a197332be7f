"""sequelize-cli migrations: each `queryInterface.*` call in `up` and the SQL impact reads it as
(impact.formats.ts_sequelize). A contract table, like tests/test_parse.py's."""
from __future__ import annotations

import pytest

from impact.formats.ts_classes import translate_text

CASES = [
    ('queryInterface.removeColumn("tickets", "status")', "ALTER TABLE tickets DROP COLUMN status;"),
    ("queryInterface.renameColumn('tickets', 'assignee_name', 'assignee')", "ALTER TABLE tickets RENAME COLUMN assignee_name TO assignee;"),
    ('queryInterface.addColumn("tickets", "channel", { type: Sequelize.STRING(40), allowNull: false, defaultValue: "web" })',
     "ALTER TABLE tickets ADD COLUMN channel varchar(40) DEFAULT 'web' NOT NULL;"),
    ('queryInterface.addColumn("tickets", "note", Sequelize.TEXT)', "ALTER TABLE tickets ADD COLUMN note text;"),
    ("queryInterface.addColumn('tickets', 'note', { type: 'CHARACTER VARYING', allowNull: true })",
     "ALTER TABLE tickets ADD COLUMN note CHARACTER VARYING;"),  # a string type is SQL as it is
    ('queryInterface.addColumn("tickets", "opened_at", { type: DataTypes.DATE, defaultValue: Sequelize.NOW })',
     "ALTER TABLE tickets ADD COLUMN opened_at timestamptz DEFAULT CURRENT_TIMESTAMP;"),
    ('queryInterface.changeColumn("tickets", "title", { type: Sequelize.TEXT, allowNull: false })',
     "ALTER TABLE tickets ALTER COLUMN title TYPE text;\nALTER TABLE tickets ALTER COLUMN title SET NOT NULL;"),
    ('queryInterface.createTable("tags", { id: { type: Sequelize.INTEGER, primaryKey: true }, name: Sequelize.STRING })',
     "CREATE TABLE tags (id integer PRIMARY KEY, name varchar(255));"),
    ('queryInterface.dropTable("tags")', "DROP TABLE tags;"),
    ('queryInterface.renameTable("tags", "labels")', "ALTER TABLE tags RENAME TO labels;"),
    ('queryInterface.addIndex("tickets", ["status", "project_id"], { name: "tickets_status", unique: true, concurrently: true })',
     "CREATE UNIQUE INDEX CONCURRENTLY tickets_status ON tickets (status, project_id);"),
    ('queryInterface.removeIndex("tickets", "tickets_status")', "DROP INDEX tickets_status;"),
    ('queryInterface.sequelize.query("UPDATE tickets SET status = \'open\'")', "UPDATE tickets SET status = 'open'"),
]


def _pieces(body: str):
    text = f'"use strict";\nmodule.exports = {{\n  async up(queryInterface, Sequelize) {{\n    await {body};\n  }},\n  async down() {{}},\n}};\n'
    pieces, _ = translate_text(text)
    return pieces


@pytest.mark.parametrize("body, sql", CASES, ids=[c[0].split("(")[0].split(".")[-1] + str(i) for i, c in enumerate(CASES)])
def test_each_call_reads_as_its_sql(body: str, sql: str) -> None:
    pieces = _pieces(body)
    assert [p.error for p in pieces if p.error] == []
    assert "\n".join(p.sql for p in pieces) == sql
    assert all(p.line == 4 for p in pieces)


def test_rows_are_a_data_change_on_the_table() -> None:
    piece, = _pieces('queryInterface.bulkInsert("tickets", [{ title: "a" }])')
    assert (piece.kind, piece.table, piece.error) == ("insert_rows", "tickets", "")


@pytest.mark.parametrize("body, reason", [
    ("queryInterface.removeColumn(tableName, \"status\")", "not a string literal"),
    ('queryInterface.addColumn("tickets", "x", { type: Sequelize.GEOMETRY })', "type `Sequelize.GEOMETRY` is not translated"),
    ('queryInterface.addConstraint("tickets", { fields: ["a"], type: "unique" })', "`queryInterface.addConstraint(...)` is not translated"),
    ('queryInterface.addColumn("tickets", "x", { ...base, allowNull: false })', "built at run time"),
])
def test_what_cannot_be_read_is_unknown_with_its_reason(body: str, reason: str) -> None:
    piece, = _pieces(body)
    assert reason in piece.error


@pytest.mark.parametrize("up", ["up: async (queryInterface, Sequelize) => {", "up: function (queryInterface, Sequelize) {",
                                "up: (queryInterface) => {"])
def test_up_as_an_object_property_is_the_migration(up: str) -> None:
    # sequelize-cli's older template: `module.exports = { up: async (queryInterface, Sequelize) => {...}, down: ... }`.
    text = ('"use strict";\nmodule.exports = {\n  ' + up + '\n    await queryInterface.removeColumn("tickets", "status");\n  },\n'
            '  down: async (queryInterface, Sequelize) => {\n    await queryInterface.dropTable("audit");\n  },\n};\n')
    pieces, _ = translate_text(text)
    assert [(p.sql, p.line) for p in pieces] == [("ALTER TABLE tickets DROP COLUMN status;", 4)]
