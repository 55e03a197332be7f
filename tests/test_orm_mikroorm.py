"""MikroORM decorator entities (impact.orm.mikroorm through impact.orm.typeorm's walker): `tableName`,
`fieldName`, snake_case defaults, `@ManyToOne` foreign keys, and a `this.addSql(...)` migration dropping
one of their columns (Medusa's pricing module dropped `price_rule.rule_type_id` that way)."""
from __future__ import annotations

from pathlib import Path

import pytest

from impact.orm.typeorm import read_entities
from impact.pipeline import scan
from tests.conftest import make_repo

ENTITY = '''import { Entity, ManyToOne, OneToOne, PrimaryKey, Property, Rel } from "@mikro-orm/core"
import Shelf from "./shelf"

const tableName = "book_copy"

@Entity({ tableName })
export default class BookCopy {
  @PrimaryKey({ columnType: "text" })
  id!: string

  @Property({ columnType: "text", fieldName: "barcode_text" })
  barcode: string

  @Property({ columnType: "timestamptz", nullable: true })
  lentAt: Date | null = null

  @ManyToOne(() => Shelf, { columnType: "text", mapToPk: true, fieldName: "shelf_id" })
  shelf_id: string

  @ManyToOne(() => Shelf, { persist: false })
  shelf: Rel<Shelf>

  @ManyToOne(() => Shelf)
  backupShelf: Rel<Shelf>

  @OneToOne(() => Shelf, (s) => s.featured, { mappedBy: "featured" })
  featuredOn: Rel<Shelf>
}
'''

MIGRATION = '''import { Migration } from "@mikro-orm/migrations"

export class Migration20240101000000 extends Migration {
  async up(): Promise<void> {
    this.addSql('alter table if exists "book_copy" drop column if exists "shelf_id";')
  }

  async down(): Promise<void> {
    this.addSql('alter table if exists "book_copy" add column if not exists "shelf_id" text not null;')
  }
}
'''

SERVICE = '''import BookCopy from "../models/book-copy"

export async function copiesOn(em, shelfId: string) {
  return em.find(BookCopy, { shelf_id: shelfId })
}
'''


def test_mikroorm_entity_tables_and_columns() -> None:
    (model,) = read_entities("src/models/book-copy.ts", ENTITY)
    # `{ tableName }` names the file's constant; properties are snake_case; a `persist: false` relation and
    # the inverse side of a OneToOne map no column; a ManyToOne without fieldName is `<property>_id`.
    assert (model.name, model.table) == ("BookCopy", "book_copy")
    assert model.columns == ("id", "barcode_text", "lent_at", "shelf_id", "backup_shelf_id")


def test_a_typeorm_entity_keeps_typeorms_naming() -> None:
    text = ENTITY.replace("@mikro-orm/core", "typeorm").replace("Property(", "Column(")
    (model,) = read_entities("e.ts", text)
    assert model.table == "book_copy"  # the class name: TypeORM has no `tableName` option
    assert "lentAt" in model.columns and "barcode" in model.columns


def test_dropping_a_mikroorm_column_names_its_declaration_and_queries(tmp_path: Path) -> None:
    app = make_repo(tmp_path, {
        "src/models/book-copy.ts": ENTITY,
        "src/services/copies.ts": SERVICE,
        "src/migrations/Migration20240101000000.ts": MIGRATION,
    })
    result = scan(app, str(app / "src/migrations/Migration20240101000000.ts"), use_cache=False)
    codes = {f.code for f in result.findings}
    evidence = {(e.file, e.line) for f in result.findings for e in f.evidence}
    assert "IMP109" in codes  # the entity still maps shelf_id
    assert ("src/models/book-copy.ts", 17) in evidence  # its @ManyToOne naming the column
    assert ("src/services/copies.ts", 4) in evidence  # em.find(BookCopy, { shelf_id })


OTHER_STORE = '''export class BookCopy {
  id: string
}
'''
FOREIGN = '''import { BookCopy } from "./legacy-models"

export async function legacyCopies(manager) {
  return manager.find(BookCopy, {})
}
'''
OWN = '''import BookCopy from "../models/book-copy"

export async function allCopies(manager) {
  return manager.find(BookCopy, {})
}
'''


REQUIRED = FOREIGN.replace('import { BookCopy } from "./legacy-models"', 'const { BookCopy } = require("./legacy-models")')


@pytest.mark.parametrize("caller, text", [
    ("src/legacy/copies.ts", FOREIGN),  # medusa's v1 factories: `Store` from a package not declaring the entity
    ("src/legacy/copies.js", REQUIRED),  # its v1 JS seeders: `const { PaymentSession } = require(…)`
], ids=["import", "require"])
def test_a_call_on_another_modules_class_of_the_entitys_name_is_no_query_on_it(tmp_path: Path, caller: str, text: str) -> None:
    app = make_repo(tmp_path, {
        "src/models/book-copy.ts": ENTITY,
        "src/legacy/legacy-models.ts": OTHER_STORE,
        caller: text,
        "src/services/all.ts": OWN,
        "src/migrations/Migration20240101000000.ts": MIGRATION,
    })
    result = scan(app, str(app / "src/migrations/Migration20240101000000.ts"), use_cache=False)
    evidence = {e.file for f in result.findings for e in f.evidence}
    assert "src/services/all.ts" in evidence  # a whole-row read of the entity: it selects shelf_id
    assert caller not in evidence


@pytest.mark.xfail(strict=True, reason="known limit: Medusa's DML models (model.define) are not read")
def test_a_medusa_dml_model_is_read() -> None:
    from impact.orm import build_orm_map

    text = 'import { model } from "@medusajs/framework/utils"\nconst Store = model.define("store", {\n  id: model.id().primaryKey(),\n  name: model.text(),\n})\nexport default Store\n'
    orm = build_orm_map([("src/models/store.ts", text)])
    assert any(m.table == "store" for m in orm.models)
