"""Keys of a changed column in the options of a call on a service typed on a TypeORM entity
(impact.orm.typeorm_services)."""
from __future__ import annotations

from pathlib import Path

import pytest

from impact.pipeline import scan
from tests.conftest import make_repo
from tests.test_typeorm_typed import ENTITY  # @Entity("tickets") class Ticket { status }

APP = Path(__file__).resolve().parents[1] / "fixtures/apps/helpdesk-typeorm"


def _references(result, file: str) -> dict[int, tuple]:
    return {r.line: (r.table, r.via) for r in result.references if r.file == file and r.column == "status"}


def _evidence(result) -> set[str]:
    return {f"{e.file}:{e.line}" for f in result.findings for e in f.evidence}


def test_option_keys_of_a_call_on_a_service_of_the_entity_are_its_table() -> None:
    result = scan(APP, str(APP / "src/migrations/1700000001000-DropTicketStatus.ts"), use_cache=False)
    board, service = _references(result, "src/tickets/tickets.board.ts"), _references(result, "src/tickets/tickets.service.ts")
    assert board[7] == ("tickets", "orm-service")  # `select: { status: true }` on the module's instance
    assert board[21] == ("tickets", "orm-service")  # `this.tickets.findBy(...)`, `tickets: TicketService`
    assert service[10] == ("tickets", "orm-service")  # `this.updateBy({ query: { status } })` inside the class
    assert board[14] == (None, "name-only")  # `query: { project: { status } }`: the relation's, not the ticket's
    evidence = _evidence(result)
    assert {"src/tickets/tickets.board.ts:7", "src/tickets/tickets.board.ts:21", "src/tickets/tickets.service.ts:10"} <= evidence
    assert "src/tickets/tickets.board.ts:14" not in evidence


OTHER_MODEL = '''// Not the entity: another module's class of the same name.
export class Ticket {
  status = "draft";
}
'''
SERVICES = {
    "src/drafts.service.ts": 'import Base from "./base";\nimport { Ticket } from "./draft";\n\n'
                             'export class DraftService extends Base<Ticket> {}\nexport default new DraftService();\n',
    "src/uses.ts": 'import Drafts from "./drafts.service";\nimport Tickets from "./tickets.service";\n\n'
                   'export const a = Drafts.findBy({ select: { status: true } });\n'
                   'export const b = Tickets.findBy({ props: { status: true } });\n'
                   'export const c = Tickets.findBy({ where: { status: "open" } });\n'
                   'import Queue from "./queue.service";\nexport const d = Queue.findBy({ select: { status: true } });\n',
    # the entity under a local name, in a module naming no changed column nor the class: read on demand
    "src/queue-item.entity.ts": ENTITY.replace("export class Ticket", "export default class QueueItem"),
    "src/queue.service.ts": 'import Base from "./base";\nimport Model from "./queue-item.entity";\n\n'
                            'export class QueueService extends Base<Model> {}\nexport default new QueueService();\n',
    "src/tickets.service.ts": 'import Base from "./base";\nimport { Ticket } from "./ticket.entity";\n\n'
                              'export class TicketService extends Base<Ticket> {}\nexport default new TicketService();\n',
}


def test_a_service_of_another_class_or_another_option_says_nothing(tmp_path) -> None:
    repo = make_repo(tmp_path, {"migrations/0001_init.sql": "CREATE TABLE tickets (id serial PRIMARY KEY, status text);\n",
                                "migrations/0002_drop.sql": "ALTER TABLE tickets DROP COLUMN status;\n",
                                "src/ticket.entity.ts": ENTITY, "src/draft.ts": OTHER_MODEL,
                                "src/base.ts": "export default class Base<T> {}\n", **SERVICES})
    refs = _references(scan(repo, "2", use_cache=False), "src/uses.ts")
    assert refs[4] == (None, "name-only")  # DraftService is typed on another module's `Ticket`
    assert refs[5] == (None, "name-only")  # `props` holds no keys of the entity
    assert refs[6] == refs[8] == ("tickets", "orm-service")


@pytest.mark.xfail(strict=True, reason="known limit: an instance built outside the service class's module is not followed")
def test_an_instance_built_in_another_module_is_a_service(tmp_path) -> None:
    repo = make_repo(tmp_path, {"migrations/0001_init.sql": "CREATE TABLE tickets (id serial PRIMARY KEY, status text);\n",
                                "migrations/0002_drop.sql": "ALTER TABLE tickets DROP COLUMN status;\n",
                                "src/ticket.entity.ts": ENTITY, "src/base.ts": "export default class Base<T> {}\n",
                                "src/tickets.service.ts": 'import Base from "./base";\nimport { Ticket } from "./ticket.entity";\n\n'
                                                          "export class TicketService extends Base<Ticket> {}\n",
                                "src/uses.ts": 'import { TicketService } from "./tickets.service";\n\nconst tickets = new TicketService();\n'
                                               'export const c = tickets.findBy({ where: { status: "open" } });\n'})
    assert _references(scan(repo, "2", use_cache=False), "src/uses.ts")[4] == ("tickets", "orm-service")
