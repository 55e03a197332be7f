"""What a dropped column of a TypeORM entity's table takes with it: the relation property on its join
column, a variable holding its value (impact.orm.typeorm_drops)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from impact.pipeline import scan
from tests.conftest import make_repo
from tests.test_typeorm_typed import ENTITY  # @Entity("tickets") class Ticket { status }

APP = Path(__file__).resolve().parents[1] / "fixtures/apps/helpdesk-typeorm"
DROP_PROJECT_ID = '''import { MigrationInterface, QueryRunner } from "typeorm";

export class DropTicketProject1700000005000 implements MigrationInterface {
    name = "DropTicketProject1700000005000";

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "tickets" DROP COLUMN "project_id"`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "tickets" ADD "project_id" integer`);
    }
}
'''


def _evidence(result) -> set[str]:
    return {f"{e.file}:{e.line}" for f in result.findings for e in f.evidence}


def test_later_uses_of_a_variable_holding_the_dropped_columns_value_are_its_table() -> None:
    result = scan(APP, str(APP / "src/migrations/1700000001000-DropTicketStatus.ts"), use_cache=False)
    refs = {(r.line, r.via): r.table for r in result.references if r.file == "src/tickets/tickets.labels.ts"}
    # `const status = ticket.status;` (ticket: Ticket), then `if (!status)` and `return status.toUpperCase()`
    assert refs[(4, "typed-receiver")] == refs[(5, "column-value")] == refs[(8, "column-value")] == "tickets"
    # another function's `const status = code.trim()` holds no ticket's status
    assert refs[(13, "name-only")] is None and refs[(14, "name-only")] is None
    evidence = _evidence(result)
    assert {"src/tickets/tickets.labels.ts:5", "src/tickets/tickets.labels.ts:8"} <= evidence
    assert not {"src/tickets/tickets.labels.ts:13", "src/tickets/tickets.labels.ts:14"} & evidence


def test_a_rename_leaves_a_variable_of_the_columns_value_working(tmp_path: Path) -> None:
    app = shutil.copytree(APP, tmp_path / "app")
    labels = app / "src/tickets/tickets.labels.ts"
    labels.write_text(labels.read_text().replace("status", "assigneeName"))
    result = scan(app, "1700000002000", use_cache=False)  # RENAME COLUMN assignee_name
    vias = {r.line: r.via for r in result.references if r.file == "src/tickets/tickets.labels.ts" and r.line in (5, 8)}
    assert set(vias) == {5, 8} and "column-value" not in vias.values()  # (a field name one model maps: orm-field)


def test_the_relation_property_on_a_dropped_join_column_goes_with_it(tmp_path: Path) -> None:
    app = shutil.copytree(APP, tmp_path / "app")
    (app / "src/migrations/1700000005000-DropTicketProject.ts").write_text(DROP_PROJECT_ID)
    result = scan(app, "1700000005000", use_cache=False)
    declared = sorted((r.line, r.spelling) for r in result.references
                      if r.file == "src/entities/ticket.entity.ts" and r.via == "model-declaration")
    # `@JoinColumn({ name: "project_id" })` and the `project: Project;` property under it
    assert declared == [(19, "project"), (20, "project")]
    assert {"src/entities/ticket.entity.ts:19", "src/entities/ticket.entity.ts:20"} <= _evidence(result)




def _drop_status(tmp_path: Path, code: str):
    repo = make_repo(tmp_path, {"migrations/0001_init.sql": "CREATE TABLE tickets (id serial PRIMARY KEY, status text);\n",
                                "migrations/0002_drop.sql": "ALTER TABLE tickets DROP COLUMN status;\n",
                                "src/ticket.entity.ts": ENTITY, "src/code.ts": code})
    return {r.line: r.via for r in scan(repo, "2", use_cache=False).references if r.file == "src/code.ts"}


@pytest.mark.xfail(strict=True, reason="known limit: a nested function's own variable of the same name is not told apart")
def test_a_shadowing_variable_is_not_the_columns_value(tmp_path: Path) -> None:
    vias = _drop_status(tmp_path, 'import { Ticket } from "./ticket.entity";\n\nexport function f(ticket: Ticket) {\n'
                                  "  const status = ticket.status;\n  const g = (status: string) => status.trim();\n"
                                  "  return g(status);\n}\n")
    assert vias[5] == "name-only"


@pytest.mark.xfail(strict=True, reason="known limit: a destructured variable of the column's value is not followed")
def test_a_destructured_variable_holds_the_columns_value(tmp_path: Path) -> None:
    vias = _drop_status(tmp_path, 'import { Ticket } from "./ticket.entity";\n\nexport function f(ticket: Ticket) {\n'
                                  "  const { status } = ticket;\n  return status.trim();\n}\n")
    assert vias[5] == "column-value"
