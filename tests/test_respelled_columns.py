"""A column a SQLAlchemy model maps under another attribute is not named by its column name
(impact.extract.references._attributed: whole-row reads of the file's queries)."""
from __future__ import annotations

from impact.pipeline import scan
from tests.conftest import make_repo
from tests.sqlalchemy_source import declarative

USERS = declarative(("User", "users", "    email = Column(String(320))\n"
                                       '    _profile_image_url = Column("profile_image_url", String(320), nullable=True)\n')) + '''
    @property
    def profile_image_url(self):
        if self._profile_image_url is not None:
            return self._profile_image_url
        return "https://example.com/avatar/" + self.email

    def to_dict(self):
        profile_image_url = self.profile_image_url
        return {"email": self.email, "profile_image_url": profile_image_url}


def get(session, user_id):
    return session.query(User).filter(User.id == user_id).first()


def email_of(user):
    return {"email": user.email}
'''


def test_the_columns_own_name_is_not_the_column_when_the_model_maps_it_under_another_attribute(tmp_path) -> None:
    repo = make_repo(tmp_path, {
        "migrations/001_init.sql": "CREATE TABLE users (id int PRIMARY KEY, email text, profile_image_url text);\n",
        "migrations/002_drop.sql": "ALTER TABLE users DROP COLUMN profile_image_url;\nALTER TABLE users DROP COLUMN email;\n",
        "app/__init__.py": "", "app/users.py": USERS,
    })
    result = scan(repo, str(repo / "migrations/002_drop.sql"), use_cache=False)
    evidence: dict[str, set[int]] = {}
    for finding in result.findings:
        if finding.rule_id == "changed-column-referenced":
            evidence.setdefault(finding.operation.column_name, set()).update(e.line for e in finding.evidence if e.file == "app/users.py")
    assert {15, 16} <= evidence["profile_image_url"]  # self._profile_image_url: the mapped attribute
    assert not {14, 20, 21} & evidence["profile_image_url"]  # the property of the same name, its value's key
    assert {21, 29} <= evidence["email"]  # a column mapped by its own name: the file's whole-row read still tells it
