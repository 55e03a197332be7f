"""The Python extractor: Django ORM queries, and the notes-py fixture app end to end."""
from __future__ import annotations

import re
import textwrap

import pytest

from impact.extract.python import extract, models_in, resolve_model_queries
from impact.model import Query
from tests.python_extraction import FIXTURE_APP, q, queries, row


# -- Django -----------------------------------------------------------------------------------

DJANGO_MODELS = """
from django.db import models
from django.db.models import F, Q, Count
from django.shortcuts import get_object_or_404

class Stamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    class Meta:
        abstract = True

class Post(Stamped):
    title = models.CharField(max_length=200)
    body = models.TextField(db_column="content")
    author = models.ForeignKey("auth.User", on_delete=models.CASCADE)
    tags = models.ManyToManyField("Tag")
    views = models.IntegerField(default=0)

class Tag(models.Model):
    code = models.CharField(max_length=8, primary_key=True)
    name = models.CharField(max_length=50)
    class Meta:
        db_table = "tags"
"""
POST_COLUMNS = "id, created_at, title, content, author_id, views"
TAG_COLUMNS = "code, name"


def test_django_models():
    stamped, post, tag = models_in("blog/models.py", DJANGO_MODELS)
    # An abstract model is listed as what it is: no table, columns it lends (impact.orm.inherited_columns).
    assert (stamped.name, stamped.table, stamped.abstract, stamped.columns) == ("Stamped", None, True, ("created_at",))
    assert (post.name, post.table, post.framework, post.columns, post.primary_key) == (
        "Post", "blog_post", "django", ("id", "created_at", "title", "content", "author_id", "views"), ("id",))
    assert post.column_for("author") == post.column_for("author_id") == "author_id"
    assert post.column_for("body") == "content" and post.column_for("tags") is None
    assert post.column_for("pk") == "id"
    assert (tag.table, tag.columns, tag.primary_key) == ("tags", ("code", "name"), ("code",))


@pytest.mark.parametrize("path, table", [
    ("blog/models.py", "blog_post"),
    ("src/shop/models/post.py", "shop_post"),
    ("models.py", None),
])
def test_django_default_table_from_app_label(path, table):
    (post,) = models_in(path, "from django.db import models\nclass Post(models.Model):\n    title = models.CharField()\n")
    assert post.table == table


def test_django_custom_user_models_inherit_the_auth_fields():
    source = """
    from django.contrib.auth.models import AbstractUser
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import PermissionsMixin
    class User(AbstractUser):
        email = models.EmailField(db_column="mail")
        tenant = models.ForeignKey("Tenant", on_delete=models.CASCADE)
    class Member(AbstractBaseUser, PermissionsMixin):
        nick = models.CharField(max_length=20)
    """
    user, member = models_in("accounts/models.py", textwrap.dedent(source))
    assert (user.name, user.table, user.framework) == ("User", "accounts_user", "django")
    assert user.column_for("is_staff") == "is_staff" and user.column_for("date_joined") == "date_joined"
    assert user.column_for("email") == "mail" and user.column_for("tenant") == "tenant_id"  # its own fields win
    assert member.table == "accounts_member" and member.column_for("is_superuser") == "is_superuser"
    assert member.column_for("last_login") == "last_login" and member.column_for("is_staff") is None


def test_django_forms_and_serializers_are_not_models():
    source = """
    from django import forms
    class NoteForm(forms.Form):
        title = forms.CharField()
    class NoteSerializer(serializers.Serializer):
        title = serializers.CharField()
    """
    assert models_in("blog/forms.py", textwrap.dedent(source)) == []


DJANGO_CASES = {
    "filter lookups, exclude, order_by": (
        "Post.objects.filter(author__username='x', views__gte=3).exclude(title__icontains='y').order_by('-created_at')",
        [q(1, "select_star", "blog_post", POST_COLUMNS, "author_id, views, title, created_at", "medium")],
    ),
    "values / values_list / only": (
        "Post.objects.values('title', 'author__email')\n"
        "Post.objects.filter(pk=1).values_list('views', flat=True)\n"
        "Post.objects.only('body')",
        [q(1, "select_columns", "blog_post", "title, author_id", "", "medium"),
         q(2, "select_columns", "blog_post", "views", "id", "medium"),
         q(3, "select_columns", "blog_post", "content, id", "", "medium")],
    ),
    "update with F(), create, delete with Q(), count": (
        "Post.objects.filter(pk=1).update(views=F('views') + 1)\n"
        "Post.objects.create(title='t', body='b', author=user)\n"
        "Post.objects.filter(Q(title='a') | Q(body='b')).delete()\n"
        "Post.objects.filter(views__gt=1).count()",
        [q(1, "update", "blog_post", "views", "id, views", "medium"),
         q(2, "insert", "blog_post", POST_COLUMNS, "", "medium"),
         q(3, "delete", "blog_post", "", "title, content", "medium"),
         q(4, "select_columns", "blog_post", "", "views", "medium")],
    ),
    "get_or_create reads then inserts; custom primary key": (
        "Tag.objects.get_or_create(name='x', defaults={'code': 'X'})",
        [q(1, "select_star", "tags", "code, name", "name", "medium"),
         q(1, "insert", "tags", TAG_COLUMNS, "", "medium")],
    ),
    "bulk_create and bulk_update": (
        "Post.objects.bulk_create([Post(title='a'), Post(title='b', views=2)])\n"
        "Post.objects.bulk_update(posts, ['title', 'views'])",
        [q(1, "insert", "blog_post", POST_COLUMNS, "", "medium"),
         q(2, "update", "blog_post", "title, views", "id", "medium")],
    ),
    "get_object_or_404 then save(update_fields)": (
        "post = get_object_or_404(Post, pk=pk)\npost.title = 'new'\npost.save(update_fields=['title'])",
        [q(1, "select_star", "blog_post", POST_COLUMNS, "id", "medium"),
         q(3, "update", "blog_post", "title", "id", "medium")],
    ),
    "a fetched row saved whole, and deleted": (
        "post = Post.objects.get(pk=1)\npost.views = 0\npost.save()\npost.delete()",
        [q(1, "select_star", "blog_post", POST_COLUMNS, "id", "medium"),
         q(3, "update", "blog_post", POST_COLUMNS, "id", "medium"),
         q(4, "delete", "blog_post", "", "id", "medium")],
    ),
    "Model(...).save() inserts": (
        "Post(title='n', author=user).save()\np = Post(views=1)\np.save()",
        [q(1, "insert", "blog_post", POST_COLUMNS, "", "medium"),  # every concrete field, given or defaulted
         q(2, "insert", "blog_post", POST_COLUMNS, "", "medium")],
    ),
    "a method of a field of the row is no save; auth's create_user inserts": (
        "image = Post.objects.create(title='t')\nimage.file.save('a.png', data)\n"
        "User.objects.create_user(username='u', email='e')",
        [q(1, "insert", "blog_post", POST_COLUMNS, "", "medium"),
         q(3, "insert", None, "username, email", "", "low")],
    ),
    "a queryset built in steps": (
        "qs = Post.objects.all()\nif request:\n    qs = qs.filter(title__startswith='a')\nreturn qs.values_list('id')",
        [q(1, "select_columns", "blog_post", "id", "title", "medium")],
    ),
    "a model of another file": (
        "Comment.objects.filter(post_id=1, author__name='x')",
        [q(1, "select_star", None, "", "post_id, author", "low")],
    ),
}


@pytest.mark.parametrize("code, expected", DJANGO_CASES.values(), ids=DJANGO_CASES.keys())
def test_django_queries(code, expected):
    offset = DJANGO_MODELS.count("\n") + 1
    source = DJANGO_MODELS + "def view(request, pk, user, posts, data):\n" + textwrap.indent(code, "    ") + "\n"
    found_queries = [x for x in queries(source, path="blog/models.py") if x.extractor == "django"]
    shifted = [(line + offset, *rest) for line, *rest in expected]
    assert sorted(row(x) for x in found_queries) == sorted(shifted)


def test_cls_in_a_models_classmethod_is_that_model():
    """plane's `IssueVersion.log_issue_version` writes the row with `cls.objects.create(...)`."""
    source = DJANGO_MODELS + (
        "class Version(models.Model):\n"
        "    title = models.CharField(max_length=20)\n"
        "    @classmethod\n"
        "    def log(cls, post):\n"
        "        cls.objects.create(title=post.title)\n"
        "        return cls.objects.filter(title='x').values('title')\n"
        "class Helper:\n"
        "    @classmethod\n"
        "    def all(cls):\n"
        "        return cls.objects.all()\n")
    offset = DJANGO_MODELS.count("\n")
    found = sorted(row(x) for x in queries(source, path="blog/models.py") if x.extractor == "django")
    assert found == sorted([q(offset + 5, "insert", "blog_version", "id, title", "", "medium"),
                            q(offset + 6, "select_columns", "blog_version", "title", "title", "medium")])


def test_django_query_resolved_from_another_file():
    models = {m.name: m for m in models_in("blog/models.py", DJANGO_MODELS)}
    views = queries("from blog.models import Post\ndef v():\n    Post.objects.filter(author__email='x').values('body')\n",
                    path="blog/views.py")
    (resolved,) = resolve_model_queries(views, models)
    assert row(resolved) == q(3, "select_columns", "blog_post", "content", "author_id", "medium")


# -- the fixture app --------------------------------------------------------------------------

def _expected_tables() -> dict[str, list[tuple]]:
    """The markdown tables of EXPECTED.md, by section title."""
    tables: dict[str, list[tuple]] = {}
    title = ""
    for line in (FIXTURE_APP / "EXPECTED.md").read_text().splitlines():
        if line.startswith("## "):
            title = line[3:]
        elif line.startswith("| `"):
            location, kind, columns, filters, confidence = [c.strip() for c in line.strip("|").split("|")]
            names = lambda text: () if text == "—" else tuple(n.strip() for n in text.split(","))  # noqa: E731
            tables.setdefault(title, []).append((location.strip("`"), kind, names(columns), names(filters), confidence))
    return tables


def _app_queries() -> list[Query]:
    files = {p.relative_to(FIXTURE_APP).as_posix(): p.read_text() for p in sorted(FIXTURE_APP.rglob("*.py"))}
    models = {model.name: model for rel, text in files.items() for model in models_in(rel, text)}
    found_queries = []
    for rel, text in files.items():
        extraction = extract(rel, text)
        assert extraction.issues == [], rel
        found_queries += resolve_model_queries(extraction.queries, models)
    return found_queries


def _as_row(query: Query) -> tuple:
    return (f"{query.file}:{query.line}", query.kind.value, query.columns, query.filter_columns, query.confidence.value)


def test_fixture_app_queries():
    expected = _expected_tables()
    on_notes = next(rows for title, rows in expected.items() if title.startswith("Queries on `notes`"))
    unresolved = next(rows for title, rows in expected.items() if "variable" in title)
    found_queries = _app_queries()
    # Sorted lists, not sets: a query reported twice must fail the comparison too.
    assert sorted(_as_row(x) for x in found_queries if x.table == "notes") == sorted(on_notes)
    assert sorted(_as_row(x) for x in found_queries if x.table is None) == sorted(unresolved)
    assert len(on_notes) == 26
    assert len({location.split(":")[0] for location, *_ in on_notes}) == 7


def test_fixture_app_models_and_migrations():
    models = models_in("notes_app/models.py", (FIXTURE_APP / "notes_app" / "models.py").read_text())
    assert {m.name: m.table for m in models} == {  # Timestamped: an abstract base, lending its columns
        "Timestamped": None, "User": "users", "Note": "notes", "Tag": "tags", "AuditEntry": "audit_log", "note_tags": "note_tags"}
    note = next(m for m in models if m.name == "Note")
    migrations = sorted((FIXTURE_APP / "migrations").glob("*.sql"))
    assert [p.name[:4] for p in migrations] == ["0001", "0002", "0003", "0004", "0005"]
    schema = "\n".join(p.read_text() for p in migrations)
    for column in note.columns:  # every mapped column exists in the migrated schema
        assert re.search(rf"^\s+{column}\s|ADD COLUMN {column}\s", schema, re.MULTILINE), column


def test_sqlalchemy_python_side_defaults_are_written_by_every_insert():
    source = '''from sqlalchemy import Column, String
from sqlalchemy.orm import Mapped, mapped_column


class Base:
    created_by = Column(String, default="system")


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column("state", String(20), default="open")
    note: Mapped[str] = mapped_column(String, server_default="")


def open_ticket(session, title):
    session.add(Ticket(title=title))
'''
    ticket, = [m for m in models_in("app/models.py", source) if m.name == "Ticket"]
    assert ticket.client_defaults == ("created_by", "state")  # server_default: the database's, not written
    insert, = [q for q in resolve_model_queries(extract("app/models.py", source).queries, {"Ticket": ticket}) if q.kind.value == "insert"]
    assert insert.columns == ("title", "created_by", "state")
