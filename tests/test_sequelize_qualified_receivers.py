"""impact.orm.sequelize_receivers: a variable named `<qualifier><Model>` (`childDocument`) holds a row of the model."""
from __future__ import annotations

import shutil

from impact.pipeline import scan
from tests.conftest import ROOT

APP = ROOT / "fixtures" / "apps" / "wiki-sequelize-ts"
DUPLICATOR = '''import Document from "../models/Document";

export function childIcons(children: unknown[]) {
  const icons = [];
  for (const childDocument of children) {
    icons.push(childDocument.emoji);
  }
  const documentEmoji = { emoji: "x" };
  icons.push(documentEmoji.emoji, Some.Document.emoji);
  return icons;
}
'''


def test_a_qualified_model_name_holds_a_row_of_the_model(tmp_path) -> None:
    app = shutil.copytree(APP, tmp_path / "app")
    (app / "server/commands/documentDuplicator.ts").write_text(DUPLICATOR)
    result = scan(app, "20240301", use_cache=False)  # renameColumn("documents", "emoji", "icon")
    vias = {(r.line, r.via, r.table) for r in result.references if r.file == "server/commands/documentDuplicator.ts"}
    # `childDocument.emoji` reads the documents row; `documentEmoji` does not end with the model's name
    # and `Some.Document` is a member, not a variable: neither is attributed.
    assert (6, "typed-receiver", "documents") in vias
    assert not any(via == "typed-receiver" for line, via, _ in vias if line == 9)
