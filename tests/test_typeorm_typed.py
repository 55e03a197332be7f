"""Names of a changed column read through a value typed as a TypeORM entity (impact.orm.typeorm_typed)."""
from __future__ import annotations

from pathlib import Path

import pytest

from impact.pipeline import scan
from tests.conftest import make_repo

APP = Path(__file__).resolve().parents[1] / "fixtures/apps/helpdesk-typeorm"


def _references(result, file: str) -> dict[int, tuple]:
    return {r.line: (r.table, r.via) for r in result.references if r.file == file}


def test_a_receiver_and_a_partial_entity_argument_tell_the_table() -> None:
    result = scan(APP, str(APP / "src/migrations/1700000001000-DropTicketStatus.ts"), use_cache=False)
    refs = _references(result, "src/tickets/tickets.triage.ts")
    # `ticket.status` with `ticket: Ticket`; `status:` directly in draftTicket({...}), draftTicket(overrides?: Partial<Ticket>).
    assert refs[8] == ("tickets", "typed-receiver") and refs[12] == ("tickets", "typed-receiver")
    assert refs[13] == (None, "name-only")  # a nested object's key is not the entity's
    evidence = {f"{e.file}:{e.line}" for f in result.findings for e in f.evidence}
    assert {"src/tickets/tickets.triage.ts:8", "src/tickets/tickets.triage.ts:12"} <= evidence
    assert "src/tickets/tickets.triage.ts:13" not in evidence


ENTITY = '''import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

@Entity("tickets")
export class Ticket {
  @PrimaryGeneratedColumn()
  id: number;

  @Column()
  status: string;
}
'''
REUSED = '''import { Ticket } from "./ticket.entity";

export function one(item: Ticket) { return item.status; }
export function other(item: Order) { return item.status; }
export function label(ticket: Ticket, order: Order) { return order.status; }
'''


def test_a_name_annotated_with_another_type_too_says_nothing(tmp_path) -> None:
    repo = make_repo(tmp_path, {"migrations/0001_init.sql": "CREATE TABLE tickets (id serial PRIMARY KEY, status text);\n",
                                "migrations/0002_drop.sql": "ALTER TABLE tickets DROP COLUMN status;\n",
                                "src/ticket.entity.ts": ENTITY, "src/reused.ts": REUSED})
    refs = _references(scan(repo, "2", use_cache=False), "src/reused.ts")
    assert refs[3] == refs[4] == (None, "name-only")  # `item` is a Ticket in one function, an Order in the other
    assert refs[5] == (None, "name-only")  # `order` is no Ticket


@pytest.mark.xfail(strict=True, reason="known limit: a type inferred without an annotation is not followed")
def test_an_inferred_entity_type_tells_the_table(tmp_path) -> None:
    repo = make_repo(tmp_path, {"migrations/0001_init.sql": "CREATE TABLE tickets (id serial PRIMARY KEY, status text);\n",
                                "migrations/0002_drop.sql": "ALTER TABLE tickets DROP COLUMN status;\n",
                                "src/ticket.entity.ts": ENTITY,
                                "src/new.ts": 'import { Ticket } from "./ticket.entity";\nconst t = new Ticket();\nt.status = "x";\n'})
    assert _references(scan(repo, "2", use_cache=False), "src/new.ts")[3] == ("tickets", "typed-receiver")
