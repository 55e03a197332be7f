"""Load and validate rules/*.toml: one rule per file, data only."""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from impact.errors import ConfigError
from impact.judge.predicates import OBJECT_MATCHERS, OP_PREDICATES, QUERY_MATCHERS, REFERENCE_MATCHERS
from impact.model import OpKind

SEVERITIES = ("advice", "caution", "breaking")
EFFECTS = ("breaks", "review")
REQUIRED = ("id", "code", "severity", "title", "on", "message", "why", "solution")
OPTIONAL = ("when", "queries", "references", "objects", "effect", "safe_sql", "example", "category", "evidence")
ANY_OPERATION = "any"  # `on = ["any"]`: the rule looks at every statement
CATEGORIES = ("code", "lock", "data", "rls", "compatibility", "correctness", "meta")


@dataclass(frozen=True)
class Rule:
    id: str
    code: str
    severity: str
    title: str
    on: tuple[str, ...]
    when: tuple[str, ...]
    queries: str | None
    references: str | None
    objects: str | None
    effect: str
    message: str
    why: str
    solution: str
    safe_sql: str
    example_bad: str
    example_good: str
    category: str
    source: str
    # "optional": the rule fires on the operation alone and lists the code it matched as evidence
    # (IMP220 names the readers of a column that may now be NULL); otherwise a rule with matchers
    # fires only when they match.
    evidence: str = "required"

    @property
    def needs_evidence(self) -> bool:
        return bool(self.queries or self.references or self.objects) and self.evidence != "optional"


def rules_dir() -> Path:
    """The checkout's top-level rules/ folder, or the copy installed inside the package."""
    checkout = Path(__file__).resolve().parents[2] / "rules"
    if checkout.is_dir():
        return checkout
    from importlib import resources  # only for an installed package: it imports tempfile, zipfile...

    return Path(str(resources.files("impact.rules")))


@lru_cache(maxsize=1)
def load_rules() -> tuple[Rule, ...]:
    """Every rule of rules/, validated. Parsed once per cache state: the parsed rules are kept (a
    pickle, impact.pickle_cache) under the hash of the files' names and texts and of the code that
    validates them; parsing ~80 TOML files was 2-3 % of a warm scan (issue 13)."""
    from impact import pickle_cache
    from impact.cache import content_key

    paths = sorted(rules_dir().glob("*.toml"))
    try:
        texts = [(path.name, path.read_text(encoding="utf-8")) for path in paths]
    except (OSError, UnicodeDecodeError):
        return _parsed_rules(paths)  # raises the ConfigError naming the file
    where = pickle_cache.folder("rules")
    key = content_key("rules", texts, RULES_CODE) if where is not None else None
    cached = pickle_cache.load(where, key, tuple)
    if cached is not None and all(isinstance(rule, Rule) for rule in cached):
        return cached
    rules = _parsed_rules(paths)
    pickle_cache.store(where, key, rules)
    return rules


RULES_CODE = ("judge/rules.py", "judge/predicates.py", "model.py")  # what a parsed rule depends on


def _parsed_rules(paths: list[Path]) -> tuple[Rule, ...]:
    rules = [load_rule(path) for path in paths]
    seen: dict[str, str] = {}
    for rule in rules:
        for key in (rule.id, rule.code):
            if key in seen:
                raise ConfigError(f"rule {key} is defined twice ({seen[key]} and {rule.source})", "give each rule a unique id and code")
            seen[key] = rule.source
    return tuple(sorted(rules, key=lambda r: r.code))


def load_rule(path: Path) -> Rule:
    import tomllib  # only when the rules are not in the cache (judge/rules.py load_rules)

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"rule file {path.name} is not valid TOML: {exc}", "fix the rule file") from None
    _validate(data, path.name)
    example = data.get("example", {})
    return Rule(
        id=data["id"], code=data["code"], severity=data["severity"], title=data["title"],
        on=tuple(data["on"]), when=tuple(data.get("when", [])), queries=data.get("queries"),
        references=data.get("references"), objects=data.get("objects"), effect=data.get("effect", "breaks" if data["severity"] == "breaking" else "review"),
        message=data["message"], why=data["why"].strip(), solution=data["solution"].strip(),
        safe_sql=data.get("safe_sql", "").strip(), example_bad=example.get("bad", "").strip(),
        example_good=example.get("good", "").strip(), category=data.get("category", "code"), source=path.name,
        evidence=data.get("evidence", "required"),
    )


def _validate(data: dict, source: str) -> None:
    def fail(problem: str) -> None:
        raise ConfigError(f"rule file {source}: {problem}", "see an existing rule in rules/ for the expected shape")

    for key in REQUIRED:
        if key not in data:
            fail(f"missing key {key!r}")
    for key in data:
        if key not in REQUIRED and key not in OPTIONAL:
            fail(f"unknown key {key!r}")
    if data["id"] + ".toml" != source:
        fail(f"id {data['id']!r} must match the file name")
    if data["severity"] not in SEVERITIES:
        fail(f"severity must be one of {SEVERITIES}")
    if data.get("effect", "breaks") not in EFFECTS:
        fail(f"effect must be one of {EFFECTS}")
    if data.get("evidence", "required") not in ("required", "optional"):
        fail("evidence must be 'required' or 'optional'")
    if data.get("category", "code") not in CATEGORIES:
        fail(f"category must be one of {CATEGORIES}")
    kinds = {k.value for k in OpKind}
    for kind in data["on"]:
        if kind not in kinds and kind != ANY_OPERATION:
            fail(f"unknown operation kind {kind!r} in 'on'")
    for name in data.get("when", []):
        if name.removeprefix("not ") not in OP_PREDICATES:
            fail(f"unknown predicate {name!r} in 'when'")
    if data.get("queries") and data["queries"] not in QUERY_MATCHERS:
        fail(f"unknown query matcher {data['queries']!r}")
    if data.get("references") and data["references"] not in REFERENCE_MATCHERS:
        fail(f"unknown reference matcher {data['references']!r}")
    if data.get("objects") and data["objects"] not in OBJECT_MATCHERS:
        fail(f"unknown database-object matcher {data['objects']!r}")


def configured(rules: tuple[Rule, ...], levels: tuple[tuple[str, str], ...]) -> tuple[Rule, ...]:
    """The rules as a project configured them: some off, some at another severity."""
    wanted = dict(levels)
    return tuple(replace(r, severity=wanted[r.id]) if r.id in wanted else r for r in rules if wanted.get(r.id) != "off")


def find_rule(key: str) -> Rule | None:
    key = key.strip().lower()
    return next((r for r in load_rules() if key in (r.id, r.code.lower())), None)
