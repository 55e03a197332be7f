"""json_report's query_json and judgement_json write what json.dumps writes for query_dict and
judgement_dict: the streamed report (json_stream.Rows) is byte for byte the dumped one."""
from __future__ import annotations

import enum
import io
import json

import pytest

from impact.judge.findings import PairJudgement
from impact.model import Confidence, Query, QueryKind
from impact.report import json_report, json_stream


class Tag(str, enum.Enum):
    A = "tag-a"


class Line(enum.IntEnum):
    TEN = 10


QUERIES = [
    Query("app/db.py", 3, 4, "python", "python-sql", QueryKind.SELECT_COLUMNS, "users", ("id", "email"), ("org_id",), ("name",),
          Confidence.HIGH, "public", True, "SELECT id, email FROM users WHERE org_id = %s", 'cur.execute("SELECT …")', ""),
    Query("src/x.ts", 1, 1, "typescript", "supabase-js", QueryKind.INSERT, None, (), (), (), Confidence.LOW, None, False, None, "", "payload is a variable"),
    # odd but possible members: other types than declared go through the general encoder
    Query("src/caf\udce9 é\"\\\n.py", Line.TEN, True, Tag.A, 7, QueryKind.DELETE, Tag.A, (Tag.A, "x"), [1, None, 2.5], ("é\u2028",),
          Confidence.MEDIUM, 3, 1, 2.5, None, {"k": [1]}),
    Query("a.py", 2**70, -1, "python", "x", QueryKind.UPDATE, "t", ("\x00\x1b",), (), (), Confidence.MEDIUM, "", None, "", "\t", None),
    # an ORM query's typed fields (issue 8 §5)
    Query("src/t.ts", 5, 7, "typescript", "prisma", QueryKind.SELECT_COLUMNS, "Team", ("id", "name"), ("name",), note="prisma.team.findMany()",
          model="team", orm="prisma", all_columns=True, method="findMany", implicit_columns=("id",), model_file="prisma/schema.prisma"),
    Query("a.py", 1, 1, "python", "django", QueryKind.INSERT, None, (), (), model=Tag.A, orm="django", all_columns=1, method=Line.TEN,
          implicit_columns=[None, "é"], model_file=2.5),
]
PAIRS = [PairJudgement(0, 1, "unaffected", "new columns do not matter", ""),
         PairJudgement(Line.TEN, True, Tag.A, "é \"q\"\n", None), PairJudgement(2**65, -3, "breaks", "", "rule-x")]


def _written(value: object) -> str:
    stream = io.StringIO()
    json_stream.write(value, stream.write)
    return stream.getvalue()


@pytest.mark.parametrize("depth", [0, 1, 3])
def test_queries_and_judgements_are_written_as_their_dicts_dump(depth: int) -> None:
    def nest(value, n):
        return value if n == 0 else {"level": n, "inner": nest(value, n - 1)}

    rows = {"queries": json_stream.Rows(QUERIES, json_report.query_json),
            "judgements": json_stream.Rows(PAIRS, json_report.judgement_json), "none": json_stream.Rows([], json_report.query_json)}
    dicts = {"queries": [json_report.query_dict(q) for q in QUERIES],
             "judgements": [json_report.judgement_dict(p) for p in PAIRS], "none": []}
    assert _written(nest(rows, depth)) == json.dumps(nest(dicts, depth), indent=2, ensure_ascii=False)


def test_a_long_row_list_is_written_in_batches() -> None:
    writes: list[str] = []
    many = [PAIRS[0]] * (json_stream.BATCH + 5)
    json_stream.write({"judgements": json_stream.Rows(many, json_report.judgement_json)}, writes.append)
    assert len(writes) > 1
    assert "".join(writes) == json.dumps({"judgements": [json_report.judgement_dict(p) for p in many]}, indent=2, ensure_ascii=False)


def test_strings_falls_back_on_what_is_not_a_list_of_str() -> None:
    for value in (("a", 1), ["a", None], (), [Tag.A], "abc", None, ("é", "\udce9")):
        assert json_stream.strings(value, 2) == json_stream.text(value, 2)
