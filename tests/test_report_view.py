"""The one view every format renders: order, evidence once, grouped advice, typed enums, registry."""
from __future__ import annotations

import pytest

from impact.judge.findings import Evidence, Finding
from impact.model import Confidence, Operation, OpKind, Statement
from impact.pipeline import scan
from impact.report.registry import REPORTERS, Options, render
from impact.report.view import Severity, Status, Verdict, build, finding_order, items_by_statement, prose, short_sites, _items
from tests.conftest import FIXTURES, report_of

CHAT = FIXTURES / "apps" / "chat-ts"
SCENARIOS = FIXTURES / "scenarios"


@pytest.fixture(scope="module")
def drop_view():
    return build(scan(CHAT, str(SCENARIOS / "drop_is_pinned.sql"), use_cache=False))


@pytest.fixture(scope="module")
def seed_view():
    return build(scan(CHAT, "11", use_cache=False))


def test_one_ranking_for_severity_verdict_and_status() -> None:
    assert Verdict.worst(["safe", "breaking", "caution"]) is Verdict.BREAKING
    assert Verdict.worst([]) is Verdict.SAFE
    assert Severity.BREAKING.rank > Severity.CAUTION.rank > Severity.ADVICE.rank
    assert Status.BREAKS.rank > Status.REVIEW.rank > Status.UNAFFECTED.rank
    assert Severity("caution") == "caution" and Status.UNAFFECTED.label == "SAFE"  # plain strings still compare


def test_findings_ordered_by_severity_then_by_what_they_break(drop_view) -> None:
    items = drop_view.items
    ranks = [i.severity.rank for i in items]
    assert ranks == sorted(ranks, reverse=True)
    assert items[0].finding.rule_id == "dropped-column-still-used"  # breaks 5 queries, before the data-loss finding
    assert items[1].finding.rule_id == "drop-column-loses-data"


def test_each_piece_of_evidence_is_shown_once(drop_view) -> None:
    sites = [(e.file, e.line) for i in drop_view.items for e in i.evidence]
    assert len(sites) == len(set(sites)) > 10
    shown = set(sites)
    assert not [r for r in drop_view.references if (r.file, r.line) in shown]


def test_evidence_shared_by_two_findings_goes_to_the_more_important_one() -> None:
    st = Statement(1, 2, 2, "ALTER TABLE t DROP COLUMN c;", "sqlglot")
    op = Operation(OpKind.DROP_COLUMN, st, table="t")
    e = Evidence("app.ts", 7, "query", "select('c')", "select_columns t(c)")

    def finding(rule: str, severity: str, evidence) -> Finding:
        return Finding(rule, "IMP000", severity, Confidence.HIGH, rule, rule, "", "fix it", "", "x", op, tuple(evidence))

    items = _items([finding("later", "caution", [e]), finding("first", "breaking", [e, Evidence("b.ts", 1, "query")])])
    assert [i.finding.rule_id for i in items] == ["first", "later"]
    assert items[0].evidence[0] == e and items[1].evidence == () and items[1].also == 1


def test_the_terminal_order_says_as_for_an_earlier_statement_only_once_it_was_shown() -> None:
    # The terminal shows a statement's items together: under statement 1 (first, for its
    # rename that breaks the most), its model declaration's fix was first given for statement 2's
    # declaration in the severity order, so "as for statement 2 above" named one printed below.
    def op(index: int) -> Operation:
        return Operation(OpKind.RENAME_COLUMN, Statement(index, index, index, f"ALTER TABLE t{index} RENAME a TO b;", "sqlglot"), table=f"t{index}")

    def finding(rule: str, at: Operation, evidence, fix: str) -> Finding:
        return Finding(rule, "IMP000", "breaking", Confidence.HIGH, rule, rule, "", fix, "", "x", at, tuple(evidence))

    def query(file: str) -> Evidence:
        return Evidence(file, 1, "query", "q", "d")

    one, two = op(1), op(2)
    findings = [finding("renamed", one, [query("a.ts"), query("b.ts"), query("c.ts")], "rename safely"),
                finding("declared", one, [query("d.ts")], "remove the field first"),
                finding("declared", two, [query("e.ts"), query("f.ts")], "remove the field first")]
    by_severity = _items(findings)
    assert [(i.statements, i.fix_given_at) for i in by_severity] == [((1,), None), ((2,), None), ((1,), 2)]
    shown = items_by_statement(findings)
    assert [(i.finding.rule_id, i.statements, i.fix_given_at) for i in shown] == [
        ("renamed", (1,), None), ("declared", (1,), None), ("declared", (2,), 1)]


def test_what_breaks_is_one_line_with_short_sites(drop_view, seed_view) -> None:
    assert drop_view.what_breaks().startswith("5 queries break: app/actions/conversations.ts:40, app/api/conversations/route.ts:16")
    assert drop_view.counts[Status.BREAKS] == 5 and len(drop_view.breaking_sites) == 5
    assert seed_view.what_breaks() == "nothing breaks: 36 queries on conversations unaffected"
    assert short_sites([("a.ts", 3), ("a.ts", 9), ("b.ts", 4)]) == "a.ts:3, :9, b.ts:4"

    assert short_sites([("a.ts", n) for n in range(1, 12)], limit=2) == "a.ts:1, :2 and 9 more"




def test_what_breaks_names_each_reason_once_with_its_count(tmp_path) -> None:
    from tests.conftest import make_repo

    repo = make_repo(tmp_path, {"migrations/0001.sql": "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nCREATE TABLE c (id int);",
                                "migrations/0002.sql": "DROP TABLE a;\nDROP TABLE b;\nTRUNCATE c;"})
    # three findings of one rule (ckan's 106 migration listed each of its reasons twice)
    assert build(scan(repo, "2", use_cache=False)).what_breaks() == \
        "no query found breaks, but the migration does: Dropping or truncating a table deletes its rows (3)"

def test_repeated_advice_is_grouped_and_a_repeated_fix_said_once(seed_view) -> None:
    advice = seed_view.by_severity(Severity.ADVICE)
    rules = [i.finding.rule_id for i in advice]
    assert len(rules) == len(set(rules)), rules
    lock = next(i for i in advice if i.finding.rule_id == "require-lock-timeout")
    assert lock.grouped and lock.statements == (1, 4, 5, 6) and lock.message.startswith("4 statements: no lock_timeout")
    indexes = [i for i in seed_view.items if i.finding.rule_id == "require-concurrent-index-creation"]
    assert [i.fix_given_at for i in indexes] == [None, 4, 4]


def test_prose_joins_hard_wrapped_lines_but_keeps_lists_and_paragraphs() -> None:
    assert prose("Expand/contract: first ship code (for ORMs, also stop\nmapping it), then drop.") == \
        "Expand/contract: first ship code (for ORMs, also stop mapping it), then drop."
    assert prose("Do this:\n- one\n- two\n\nThen that\nand more.") == "Do this:\n- one\n- two\n\nThen that and more."


def test_every_cli_format_has_a_reporter_with_one_signature(seed_view) -> None:
    from impact.cli import scan as scan_command

    choices = next(p for p in scan_command.params if p.name == "fmt").type.choices
    assert set(REPORTERS) == set(choices)
    for fmt in REPORTERS:
        text = render(fmt, [seed_view.result], Options())
        assert isinstance(text, str) and "11_session_tracking" in text, fmt


def test_json_findings_follow_the_view_order(drop_view) -> None:
    import json

    data = report_of(render("json", [drop_view.result]))
    assert [f["rule"] for f in data["findings"]] == [f.rule_id for f in sorted(drop_view.result.findings, key=finding_order)]
    assert data["findings"][0]["rule"] == "dropped-column-still-used"


def test_safer_sql_names_the_type_when_the_earlier_migrations_declare_it() -> None:
    result = scan(CHAT, str(SCENARIOS / "rename_title.sql"), use_cache=False)
    rename = next(f for f in result.findings if f.code == "IMP102")
    assert rename.safe_sql.startswith("ALTER TABLE conversations ADD COLUMN subject TEXT;") and "<type of" not in rename.safe_sql


def test_what_breaks_names_the_code_places_when_no_query_breaks(tmp_path) -> None:
    """A model still declaring a dropped column breaks the ORM's reads though no query was found:
    the headline lists that place, not "no query found breaks, but … still queried by the code"."""
    from tests.conftest import PRISMA_DATASOURCE, scan_prisma

    schema = PRISMA_DATASOURCE + "model Website {\n  id     Int    @id\n  status String\n}\n"
    result = scan_prisma(tmp_path, schema, 'CREATE TABLE "Website" (id int PRIMARY KEY, status text NOT NULL);',
                         'ALTER TABLE "Website" DROP COLUMN "status";', {"src/a.ts": "export const x = 1;\n"})
    assert build(result).what_breaks() == "no query found, but 1 place in the code breaks: prisma/schema.prisma:7"
