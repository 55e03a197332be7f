"""Rows a function of another module returns (impact.orm.prisma_returned_rows): documenso's
`const document = await getEntireDocument(...)`, then `document.status`."""
from __future__ import annotations

from impact.pipeline import scan
from tests.conftest import make_repo

SCHEMA = '''datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model Document {
  id     Int    @id @default(autoincrement())
  status String @default("draft")
}

model Recipient {
  id     Int    @id @default(autoincrement())
  status String @default("pending")
}
'''
LOOKUP = '''import { prisma } from "./prisma";

export const findDocument = async (id: number) => prisma.document.findUnique({ where: { id } });

export async function findRecipient(id: number) {
  return prisma.recipient.findFirst({ where: { id } });
}

export const listDocuments = async () => prisma.document.findMany();
'''
ARCHIVE = '''import { findDocument, findRecipient, listDocuments } from "./lookup";
import { findTicket } from "./tickets";

export async function archive(id: number) {
  const document = await findDocument(id);
  if (document?.status === "archived") return;
  const recipient = await findRecipient(id);
  const ticket = await findTicket(id);
  const all = await listDocuments();
  return [recipient?.status, ticket.status, all.status];
}
'''
TICKETS = '''export const findTicket = async (id: number) => ({ id, status: "open" });
'''


def test_a_column_read_from_a_row_an_imported_function_returns_is_its_models(tmp_path) -> None:
    repo = make_repo(tmp_path, {
        "prisma/schema.prisma": SCHEMA,
        "prisma/migrations/0001_init/migration.sql": 'CREATE TABLE "Document" ("id" SERIAL PRIMARY KEY, "status" TEXT);\n'
                                                     'CREATE TABLE "Recipient" ("id" SERIAL PRIMARY KEY, "status" TEXT);\n',
        "prisma/migrations/0002_drop/migration.sql": 'ALTER TABLE "Document" DROP COLUMN "status";\n',
        "src/prisma.ts": 'export const prisma = {} as any;\n',
        "src/lookup.ts": LOOKUP, "src/archive.ts": ARCHIVE, "src/tickets.ts": TICKETS,
    })
    result = scan(repo, str(repo / "prisma/migrations/0002_drop/migration.sql"), use_cache=False)
    refs = {(r.line, r.via, r.table) for r in result.references if r.file == "src/archive.ts"}
    assert (6, "typed-receiver", "Document") in refs  # `document?.status`, findDocument's row
    # line 10: a Recipient row's status, a plain object's, a list's: none of them Document's column
    assert not {(10, via, "Document") for via in ("typed-receiver", "orm-field", "file-queries")} & refs
    evidence = sorted(e.line for f in result.findings if f.rule_id == "changed-column-referenced"
                      for e in f.evidence if e.file == "src/archive.ts")
    assert evidence == [6]
