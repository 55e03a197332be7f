"""A runner of its own, as logto writes its schema alterations (packages/schemas/alterations/*.ts):
`up: async (pool) => { await pool.query(sql`...`) }`, the base schema outside the alterations.
What impact must get right: the SQL of a SQL tag, the other alterations are history (never code
evidence), a table earlier alterations change is one that exists, and the grouped advice names
each statement sharing a line."""
from __future__ import annotations

from pathlib import Path

from impact.formats.ts_classes import translate_text
from impact.pipeline import scan
from impact.report.terminal import render_text
from tests.conftest import make_repo

EARLIER = """import { sql } from '@silverhand/slonik';

const alteration = {
  up: async (pool) => {
    const rows = await pool.many(sql`select * from sign_in_experiences`);
    await pool.query(sql`alter table sign_in_experiences add column terms_url text;`);
  },
  down: async (pool) => {
    await pool.query(sql`alter table sign_in_experiences drop column terms_url;`);
  },
};
export default alteration;
"""
LATER = """import { sql } from '@silverhand/slonik';

const alteration = {
  up: async (pool) => {
    await pool.query(sql`
      alter table sign_in_experiences drop column custom_ui_asset_id;
      alter table sign_in_experiences add column custom_ui_assets jsonb;
    `);
  },
  down: async (pool) => {
    await pool.query(sql.unsafe`alter table sign_in_experiences drop column custom_ui_assets;`);
  },
};
export default alteration;
"""
CODE = """import { sql } from '@silverhand/slonik';

export const findSignIn = (pool) => pool.one(sql`select * from sign_in_experiences where id = 'default'`);
"""


def _repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path, {"packages/schemas/alterations/1.0.0-1000-terms.ts": EARLIER,
                                "packages/schemas/alterations/1.1.0-2000-custom-ui.ts": LATER,
                                "packages/core/src/queries/sign-in.ts": CODE})


def test_the_sql_of_a_sql_tag_is_read() -> None:
    (piece,) = translate_text(LATER)[0]  # `up` only; its one call holds two statements
    assert not piece.error  # was: "the SQL is not a string literal: `sql`"
    assert piece.sql.split() == ["alter", "table", "sign_in_experiences", "drop", "column", "custom_ui_asset_id;",
                                 "alter", "table", "sign_in_experiences", "add", "column", "custom_ui_assets", "jsonb;"]


def test_the_other_alterations_beside_it_are_history_not_code(tmp_path: Path) -> None:
    result = scan(_repo(tmp_path), "packages/schemas/alterations/1.1.0-2000-custom-ui.ts", use_cache=False)
    star = next(f for f in result.findings if f.code == "IMP201")
    # The earlier alteration's `select * from sign_in_experiences` is a migration's, not the code's.
    assert [f"{e.file}:{e.line}" for e in star.evidence] == ["packages/core/src/queries/sign-in.ts:3"]


def test_a_table_earlier_alterations_change_exists_though_none_creates_it(tmp_path: Path) -> None:
    result = scan(_repo(tmp_path), "packages/schemas/alterations/1.1.0-2000-custom-ui.ts", use_cache=False)
    assert not any(f.code == "IMP601" for f in result.findings)  # was: "does not exist after replaying"
    assert any("changed by earlier migrations but created by none of them" in r for r in result.assessment.confidence_reasons)


def test_a_table_no_migration_names_is_still_missing(tmp_path: Path) -> None:
    typo = LATER.replace("alter table sign_in_experiences drop", "alter table sign_in_experience drop")
    repo = make_repo(tmp_path, {"packages/schemas/alterations/1.0.0-1000-terms.ts": EARLIER,
                                "packages/schemas/alterations/1.1.0-2000-custom-ui.ts": typo})
    result = scan(repo, "packages/schemas/alterations/1.1.0-2000-custom-ui.ts", use_cache=False)
    assert [f.operation.table for f in result.findings if f.code == "IMP601"] == ["sign_in_experience"]


def test_grouped_advice_names_each_statement_sharing_a_line(tmp_path: Path) -> None:
    result = scan(_repo(tmp_path), "packages/schemas/alterations/1.1.0-2000-custom-ui.ts", use_cache=False)
    text = render_text([result])
    assert "statements 1 (line 5), 2 (line 5)" in text  # was: "statements 1 (line 5)" for "2 statements"

