"""Run squawk's own rule-test SQL through impact and compare, snippet by snippet.

Usage: python bench/squawk_compare.py SQUAWK/crates/squawk_linter/src/rules [results.json]
(a checkout of sbdchd/squawk; its files are read, nothing of it is built or kept). Each `#[test]`
with an SQL literal and lint_ok/lint_errors becomes a case; squawk's `assume_in_transaction` maps
to impact's transaction_wrapping = "file", its default to "statement"; pg_version is passed on.
Results and every disagreement explained: bench/squawk_comparison.md."""
import json, pathlib, re, sys, tempfile
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from impact.pipeline import scan


def make_repo(root, files):
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root

SRC = pathlib.Path(sys.argv[1])
NAME = {"adding_primary_key_constraint": "adding-serial-primary-key-field", "disallow_unique_constraint": "disallowed-unique-constraint"}
MAP = {
 "adding-field-with-default": {"adding-field-with-volatile-default", "adding-field-with-default-before-pg11", "adding-generated-column-rewrites"},
 "adding-foreign-key-constraint": {"constraint-missing-not-valid", "lock-held-during-later-work"},
 "ban-concurrent-index-creation-in-transaction": {"ban-concurrent-index-creation-in-transaction", "non-transactional-statement-in-wrapped-file"},
 "adding-not-null-field": {"setting-not-nullable-field"},
 "adding-serial-primary-key-field": {"disallowed-unique-constraint"},
 "ban-drop-column": {"drop-column-loses-data"}, "ban-drop-table": {"drop-table-loses-data"},
 "renaming-table": {"renaming-table"}, "prefer-bigint-over-smallint": {"prefer-bigint-over-int"},
 "constraint-missing-not-valid": {"constraint-missing-not-valid", "lock-held-during-later-work"},
 "require-timeout-settings": {"require-lock-timeout", "require-statement-timeout"},
}
cases = []
for path in sorted(SRC.glob("*.rs")):
    rule = NAME.get(path.stem, path.stem.replace("_", "-"))
    text = path.read_text()
    if "mod test" not in text:
        continue
    body = text[text.index("mod test"):]
    for block in re.split(r"#\[test\]", body)[1:]:
        m = re.search(r"fn (\w+)\(\)", block)
        sqlm = re.search(r'r#"(.*?)"#', block, re.S) or re.search(r'let sql = "(.*?)";', block, re.S)
        if not m or not sqlm:
            continue
        calls = [(block.find(k), v) for k, v in (("lint_errors", "errors"), ("lint_ok", "ok"), ("fix_sql", "errors"), ("fix(", "errors")) if block.find(k) >= 0]
        if not calls:
            continue
        verdict = min(calls)[1]
        pg = re.search(r'pg_version: "(\d+)"', block)
        cases.append({"rule": rule, "test": m.group(1), "sql": sqlm.group(1), "squawk": verdict,
                      "assume_txn": "assume_in_transaction: true" in block, "pg": pg.group(1) if pg else None})
results = []
for c in cases:
    if c["rule"] in ("require-table-schema", "prefer-bigint-over-smallint"):
        c["impact"] = "n/a"; results.append(c); continue
    files = {"migrations/0001_change.sql": c["sql"]}
    # squawk's assume_in_transaction is impact's transaction_wrapping = "file"; its default, "statement".
    cfg = ['transaction_wrapping = "file"' if c["assume_txn"] else 'transaction_wrapping = "statement"']
    if c["pg"]:
        cfg.append(f"pg_version = {c['pg']}")
    if cfg:
        files[".impact.toml"] = "\n".join(cfg)
    with tempfile.TemporaryDirectory() as d:
        try:
            r = scan(make_repo(pathlib.Path(d), files), "1", use_cache=False)
            fired = {f.rule_id for f in r.findings}
            c["fired"] = sorted(fired)
            c["impact"] = "errors" if fired & MAP.get(c["rule"], {c["rule"]}) else "ok"
        except Exception as exc:
            c["impact"] = f"refused: {type(exc).__name__}: {exc}"
    results.append(c)
if len(sys.argv) > 2:
    json.dump(results, open(sys.argv[2], "w"), indent=1)
comparable = [c for c in results if c["impact"] in ("ok", "errors")]
agree = [c for c in comparable if c["impact"] == c["squawk"]]
print(f"{len(cases)} squawk test snippets; {len(comparable)} compared; agree {len(agree)}; disagree {len(comparable)-len(agree)}; "
      f"refused {sum(c['impact'].startswith('refused') for c in results)}; n/a {sum(c['impact']=='n/a' for c in results)}")
for c in comparable:
    if c["impact"] != c["squawk"]:
        print(f"- {c['rule']}::{c['test']} squawk={c['squawk']} impact={c['impact']} txn={c['assume_txn']} pg={c['pg']}")
for c in results:
    if c["impact"].startswith("refused"):
        print("REFUSED", c["rule"], c["test"], c["impact"][:200])
