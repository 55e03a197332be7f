"""Column references: every identifier, key or string naming a changed column, by context."""
from __future__ import annotations

from impact.extract.references import find_references
from impact.model import Query, QueryKind

CODE = """// is_pinned used to be here
const a = row.is_pinned
const b = { is_pinned: true }
const c = "is_pinned"
const d = is_pinned_count + is_pinned
await supabase.from(table)
  .update({ is_pinned: false })
"""


def test_contexts_and_query_spans() -> None:
    query = Query("a.ts", 6, 7, "typescript", "supabase-js", QueryKind.UPDATE, None, columns_known=False)
    refs = find_references("a.ts", CODE, {"is_pinned"}, [query])
    assert [(r.line, r.context) for r in refs] == [(2, "property"), (3, "property"), (4, "string"), (5, "identifier"), (7, "sql")]
    assert all(r.column == "is_pinned" for r in refs)  # is_pinned_count is another name


def test_generated_flag_is_kept() -> None:
    refs = find_references("lib/types.ts", "  is_pinned: boolean\n", {"is_pinned"}, [], generated=True)
    assert refs and refs[0].generated
