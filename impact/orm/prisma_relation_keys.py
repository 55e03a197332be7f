"""Whether a relation field's name, as a key inside a Prisma call, is really that relation.

impact.orm.model_types reads a dropped model's relation field names (`events Event[]` on Project)
as keys inside Prisma calls: `include: { events: true }` breaks with the model. Matched by name
alone, the same word as a key of another model's scalar field was taken for it: openpanel's
`db.report.create({ data: { events: report.events } })` writes Report's `events Json` column,
and was listed as code naming the dropped `events` table's model (2 lines, neither changed).

Decision: the key's owner is the model the path of keys from the call down to it leads to
(impact.orm.prisma_nesting.key_owner: the called model, or the related model of the relation
fields on the way, `where`/`data`/`include` passing through). When that model declares a field of
the key's name that is not a relation to the dropped model, the key is that field, not the
relation. When the owner cannot be told (the call is not found, the key is a property read
`.events`), the name keeps counting, as before.
"""
from __future__ import annotations

import re

from impact.model import Query
from impact.orm.mapping import OrmMap, OrmModel
from impact.orm.prisma_nesting import key_owner
from impact.positions import line_starts

_NAME = re.compile(r"[A-Za-z_$][\w$]*")


class RelationKeys:
    """Answers for one file: its Prisma calls and line offsets, computed once when first asked."""

    def __init__(self, text: str, queries: list[Query], orm: OrmMap):
        self.text, self.orm = text, orm
        self.calls = [q for q in queries if q.orm == "prisma" and q.table]
        self._starts: list[int] | None = None
        self._by_name: dict[str, OrmModel] | None = None

    def another_field(self, number: int, line: str, match: re.Match, model_name: str) -> bool:
        """Whether the key `match` found on line `number` names another field than the relation to `model_name`."""
        spelled = match.group(0)
        if spelled.lstrip().startswith(("?", ".")):  # a property read, not a key of the call
            return False
        name = _NAME.search(spelled)
        call = next((q for q in self.calls if q.line <= number <= q.end_line), None)
        if name is None or call is None:
            return False
        if self._starts is None:
            self._starts = line_starts(self.text)
            self._by_name = {}
            for m in self.orm.models:
                if m.orm == "prisma":
                    self._by_name.setdefault(m.name, m)
        if number > len(self._starts):
            return False
        at = self._starts[number - 1] + match.start() + name.start()
        owners = key_owner(self.text, self._starts, call, at, self.orm, self._by_name or {})
        if owners is None:
            return False
        field = next((f for f in owners[1].fields if f.name == name.group(0)), None)
        return field is not None and field.relation != model_name
