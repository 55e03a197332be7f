"""A TypeORM entity's own mapping lines of a dropped or renamed table (impact.orm.typeorm_entity_lines),
and renamed entities naming each other (impact.orm.model_types)."""
from __future__ import annotations

import pytest

from impact.orm.mapping import OrmModel
from impact.orm.typeorm_entity_lines import entity_lines
from impact.pipeline import scan
from tests.conftest import make_repo

AGENT = '''import { Column, Entity, JoinTable, ManyToMany, PrimaryGeneratedColumn } from "typeorm";
import Label from "./Label";
import TableMetadata from "../Types/TableMetadata";

@Entity({
  name: "RunbookAgent",
})
/*
 * A comment between decorators: "RunbookAgent" here is no code.
 */
@TableMetadata({
  tableName: "RunbookAgent",
  singularName: "Runner",
})
export default class RunbookAgent {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ default: "RunbookAgent" })
  kind: string;

  @ManyToMany(() => Label)
  @JoinTable({
    name: "RunbookAgentLabel",
    joinColumn: { name: "runbookAgentId" },
  })
  labels: Label[];
}
'''
JOB = '''import { Entity, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import RunbookAgent from "./RunbookAgent";

@Entity("RunbookAgentJob")
export default class RunbookAgentJob {
  @PrimaryGeneratedColumn()
  id: number;

  @ManyToOne(() => RunbookAgent)
  targetAgent?: RunbookAgent;
}
'''
LABEL = '''import { Entity, PrimaryGeneratedColumn } from "typeorm";

@Entity("Label")
export default class Label {
  @PrimaryGeneratedColumn()
  id: number;
}
'''
INIT = ('CREATE TABLE "RunbookAgent" (id serial PRIMARY KEY, kind text); CREATE TABLE "Label" (id serial PRIMARY KEY);\n'
        'CREATE TABLE "RunbookAgentLabel" ("runbookAgentId" int, "labelId" int);\n'
        'CREATE TABLE "RunbookAgentJob" (id serial PRIMARY KEY, "targetAgentId" int);\n')


def _repo(tmp_path, migration: str):
    return make_repo(tmp_path, {"migrations/0001_init.sql": INIT, "migrations/0002_change.sql": migration,
                                "Common/Models/RunbookAgent.ts": AGENT, "Common/Models/RunbookAgentJob.ts": JOB,
                                "Common/Models/Label.ts": LABEL})


def _evidence(result, rule: str) -> set[str]:
    return {f"{e.file}:{e.line}" for f in result.findings if f.rule_id == rule for e in f.evidence}


def test_a_renamed_entity_s_decorators_and_class_line_are_evidence(tmp_path) -> None:
    result = scan(_repo(tmp_path, 'ALTER TABLE "RunbookAgent" RENAME TO "Runner";\n'), "2", use_cache=False)
    evidence = _evidence(result, "renamed-table-still-used")
    # `name: "RunbookAgent",` of @Entity, `tableName: "RunbookAgent",` of another decorator, the class line.
    assert {"Common/Models/RunbookAgent.ts:6", "Common/Models/RunbookAgent.ts:12", "Common/Models/RunbookAgent.ts:15"} <= evidence
    # Not the comment between the decorators, nor a string of the class body that happens to spell the table.
    assert not {"Common/Models/RunbookAgent.ts:9", "Common/Models/RunbookAgent.ts:20"} & evidence


def test_a_dropped_junction_table_s_join_table_line_is_evidence(tmp_path) -> None:
    result = scan(_repo(tmp_path, 'DROP TABLE "RunbookAgentLabel";\n'), "2", use_cache=False)
    assert _evidence(result, "dropped-table-still-used") == {"Common/Models/RunbookAgent.ts:24"}


def test_renamed_entities_naming_each_other_are_evidence(tmp_path) -> None:
    # Unlike entities dropped together (tests/test_model_types.py), a renamed table's entity file stays:
    # RunbookAgentJob's import of RunbookAgent and its relation to it are code naming the renamed model.
    result = scan(_repo(tmp_path, 'ALTER TABLE "RunbookAgent" RENAME TO "Runner";\n'
                                  'ALTER TABLE "RunbookAgentJob" RENAME TO "RunnerJob";\n'), "2", use_cache=False)
    evidence = _evidence(result, "renamed-table-still-used")
    assert {"Common/Models/RunbookAgentJob.ts:2", "Common/Models/RunbookAgentJob.ts:9", "Common/Models/RunbookAgentJob.ts:10",
            "Common/Models/RunbookAgentJob.ts:4", "Common/Models/RunbookAgentJob.ts:5"} <= evidence


def test_entity_lines_reads_only_the_decorators_directly_above_the_class() -> None:
    text = ('const TABLE = "orders";\nfunction f() { return g("orders"); }\n'
            '@Entity("orders") // the table\n@Index(["id"])\nexport class Order {}\n')
    model = OrmModel(orm="typeorm", name="Order", table="orders", file="order.ts", line=5)
    assert [r.line for r in entity_lines("order.ts", text, [model], ["orders"], "model-type")] == [3, 5]


@pytest.mark.xfail(strict=True, reason="known limit: a table name given through a constant is not followed")
def test_a_table_name_through_a_constant_is_evidence() -> None:
    text = 'const TABLE = "orders";\n@Entity(TABLE)\nexport class Order {}\n'
    model = OrmModel(orm="typeorm", name="Order", table="orders", file="order.ts", line=3)
    assert 1 in [r.line for r in entity_lines("order.ts", text, [model], ["orders"], "model-type")]
