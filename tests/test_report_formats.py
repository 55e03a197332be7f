"""The human formats as a reviewer meets them: the PR comment rendered as GitHub-flavoured
Markdown, the terminal at 80 columns, the annotations GitHub shows."""
from __future__ import annotations

import os
import re
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from impact.pipeline import scan
from impact.report import github, markdown
from impact.report.terminal import render_text
from tests.conftest import FIXTURES

CHAT = FIXTURES / "apps" / "chat-ts"
SCENARIOS = FIXTURES / "scenarios"


@pytest.fixture(scope="module")
def drop():
    return scan(CHAT, str(SCENARIOS / "drop_is_pinned.sql"), use_cache=False)


@pytest.fixture(scope="module")
def seed():
    return scan(CHAT, "11", use_cache=False)


class Structure(HTMLParser):
    """Headings, <details> nesting, list items and paragraphs of the rendered comment."""

    def __init__(self):
        super().__init__()
        self.headings, self.items, self.paragraphs, self.summaries = [], [], [], []
        self.details = self.depth = self.max_depth = self.tables = 0
        self._tag, self._text = None, []

    def handle_starttag(self, tag, attrs):
        if tag == "details":
            self.details += 1
            self.depth += 1
            self.max_depth = max(self.max_depth, self.depth)
        if tag == "table":
            self.tables += 1
        if tag in ("h1", "h2", "h3", "li", "p", "summary"):
            self._tag, self._text = tag, []

    def handle_endtag(self, tag):
        if tag == "details":
            self.depth -= 1
        if tag == self._tag:
            text = "".join(self._text).strip()
            {"li": self.items, "p": self.paragraphs, "summary": self.summaries}.get(tag, self.headings).append(text)
            self._tag = None

    def handle_data(self, data):
        if self._tag:
            self._text.append(data)


def gfm(text: str) -> Structure:
    html = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough").render(text)
    parsed = Structure()
    parsed.feed(html)
    return parsed


def test_pr_comment_reads_top_down_verdict_what_breaks_risk_evidence(drop) -> None:
    text = markdown.render(drop)
    doc = gfm(text)
    assert doc.headings[0] == "❌ BREAKING · drop_is_pinned.sql (confidence high)"
    assert doc.paragraphs[0].startswith("5 queries break: app/actions/conversations.ts:40, app/api/conversations/route.ts:16")
    assert doc.tables >= 1 and text.index("| Risk |") < text.index("### What breaks") < text.index("<details>")
    assert doc.headings[1] == "What breaks"
    # The code line itself under each breaking query.
    assert '`await supabase.from("conversations").update({ is_pinned: isPinned }).eq("id", id);`' in text
    # Everything else folded: one <details> per section, none nested, each with one summary.
    assert doc.details == len(doc.summaries) == text.count("<summary>") and doc.max_depth == 1
    assert [s.split(":")[0] for s in doc.summaries][:2] == ["⚠️ To review", "💡 Advice"]


def test_pr_comment_has_no_duplicate_lines_and_no_hard_wrapped_prose(drop, seed) -> None:
    for result in (drop, seed):
        text = markdown.render(result)
        doc = gfm(text)
        assert len(doc.items) == len(set(doc.items)), [i for i in doc.items if doc.items.count(i) > 1]
        for n, line in enumerate(text.splitlines()):
            if line.startswith(("**Fix:**", "**IMP")):  # prose paragraphs: one source line each
                assert text.splitlines()[n + 1] == "", line
        assert "(s)" not in "\n".join(doc.headings + doc.summaries)


def test_pr_comment_of_the_seed_groups_repeated_advice(seed) -> None:
    text = markdown.render(seed)
    assert text.count("require-lock-timeout") == 1 and "4 statements: no lock_timeout" in text
    # IMP401 and IMP409 (the index builds under statement 1's ACCESS EXCLUSIVE) each repeat for statements 5 and 6.
    assert text.count("**Fix:** as for statement 4.") == 4
    doc = gfm(text)
    assert doc.paragraphs[0] == "Nothing breaks: 36 queries on conversations unaffected."
    assert doc.headings[1] == "To review"  # nothing breaks: what the verdict is about is not folded away
    assert "1 query names its table through a variable" in text


def test_terminal_fits_80_columns_and_ends_with_the_verdict(drop) -> None:
    text = render_text([drop], width=80)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert re.fullmatch(r"BREAKING · 5 break, 7 to review, 24 unaffected · 43 files · \d+\.\d s", lines[-1])
    assert "\x1b[" not in text
    assert "error[IMP101]: conversations.is_pinned is dropped" in text
    # rustc style: location header, the code line, a caret under the changed name.
    at = lines.index("  ::: app/actions/conversations.ts:40")
    assert lines[at + 1].startswith("40 | await supabase")
    assert lines[at + 2].index("^") == lines[at + 1].index("is_pinned") and lines[at + 2].endswith("^" * len("is_pinned"))
    assert lines[at + 3] == "   | update conversations(is_pinned)"  # the detail wraps to its own line here
    # The whole fix, wrapped at words, not cut after its first line.
    help_text = " ".join(l.strip() for l in text.split("= help: Expand/contract:")[1].split("\n\n")[0].splitlines())
    assert help_text.endswith("then drop the column in a later migration.")


def test_terminal_lists_only_breaking_and_review_queries_unless_verbose(drop) -> None:
    short, full = render_text([drop]), render_text([drop], verbose=True)
    assert "SAFE    app/history/page.tsx:8" not in short and "SAFE    app/history/page.tsx:8" in full
    assert "BREAKS  app/actions/conversations.ts:40  update" in short
    assert "verification plan" not in short and "verification plan" in full


def test_terminal_colour_only_when_asked(drop) -> None:
    assert "\x1b[" in render_text([drop], color=True)


def test_colour_needs_a_terminal_and_no_NO_COLOR(tmp_path) -> None:
    import io

    from impact.cli import use_color

    primary, secondary = os.openpty()  # a real terminal
    with os.fdopen(secondary, "w") as tty:
        assert use_color(tty, {}) is True
        assert use_color(tty, {"NO_COLOR": "1"}) is False
    os.close(primary)
    assert use_color(io.StringIO(), {}) is False


def test_annotations_are_capped_ordered_and_name_what_was_left_out(drop) -> None:
    lines = github.render(drop).splitlines()
    annotated = [l for l in lines if l.startswith(("::error", "::warning"))]
    assert 0 < len(annotated) <= github.MAX_ANNOTATIONS
    assert annotated[0].startswith("::error file=drop_is_pinned.sql,line=2,title=IMP101")
    levels = [l.split(" ")[0] for l in annotated]
    assert levels == sorted(levels, key=lambda l: l != "::error")  # errors before warnings
    sites = [re.search(r"file=([^,]+),line=(\d+)", l).groups() for l in annotated]
    assert len(sites) == len(set(sites))
    assert not any("IMP706" in l or "IMP902" in l for l in lines)  # advice is not annotated
    left = next(l for l in lines if "left out" in l)
    total = len(github.candidates([drop]))
    assert f"{total - len(annotated)} more annotations left out" in left and "scripts/verify-llm-model-migration.ts:34" in left
    assert lines[-1].startswith("::notice title=impact verdict::drop_is_pinned.sql: breaking")


def test_terminal_shows_a_statement_prisma_split_over_lines_on_one_line(tmp_path) -> None:
    # `prisma migrate dev` writes `ALTER TABLE "t"` alone on a line, its actions below: the
    # statement's header showed only that line, which says nothing about what changes.
    migration = tmp_path / "migration.sql"
    migration.write_text('-- AlterTable\nALTER TABLE\n  "tickets"\n-- the old name\nRENAME COLUMN "title" TO "subject";\n')
    result = scan(FIXTURES / "apps" / "helpdesk-prisma", str(migration), use_cache=False)
    lines = render_text([result], width=80).splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("statement 1 · "))
    assert lines[header + 1] == '  ALTER TABLE "tickets" RENAME COLUMN "title" TO "subject"'


def test_the_caret_points_at_the_orm_field_spelling_of_a_mapped_column() -> None:
    # `eventDataType Int @map("event_data_type")`: the code spells the field; the caret was under the
    # whole line, and a long line was cut before the name (teable's `urlMeta`).
    app, scenarios = FIXTURES / "apps" / "analytics-prisma", FIXTURES / "scenarios" / "analytics-prisma"
    lines = render_text([scan(app, str(scenarios / "rename_event_data_type.sql"), use_cache=False)], width=80).splitlines()
    at = lines.index("  ::: src/lib/format.ts:7")
    assert lines[at + 1] == ' 7 | return ["string", "number", "date"][eventDataType] ?? "unknown";'
    assert lines[at + 2].index("^") == lines[at + 1].index("eventDataType") and "^" * 14 not in lines[at + 2]
    at = lines.index("  ::: src/queries/eventData.ts:27")
    code, caret = lines[at + 1], lines[at + 2]
    assert code[caret.index("^"):caret.index("^") + len("eventDataType")] == "eventDataType"


def test_the_database_objects_a_finding_says_to_change_are_listed(tmp_path) -> None:
    # "Change or drop the listed objects first": they were counted in the message, never listed.
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_init.sql").write_text(
        'CREATE TABLE "Item" (id int PRIMARY KEY, "feeAmount" numeric);\n'
        'CREATE VIEW fees AS SELECT "feeAmount" FROM "Item";\n')
    (tmp_path / "migrations" / "002_drop.sql").write_text('ALTER TABLE "Item" DROP COLUMN "feeAmount";\n')
    result = scan(tmp_path, "2", use_cache=False)
    text = render_text([result], width=80)
    assert ' ::: migrations/001_init.sql:2\n2 | CREATE VIEW fees AS SELECT "feeAmount" FROM "Item"\n' in text
    assert "view fees names feeAmount" in text
    assert '- `migrations/001_init.sql:2` view fees names feeAmount' in markdown.render(result)
