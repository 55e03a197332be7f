"""impact.text_looks: one answer per file and text, the same as the looks it stands for."""
from impact.extract import extractor_of
from impact.source_text import mentions_any
from impact.text_looks import TextLooks

MODEL_FILE = "from django.db import models\n\nclass Line(models.Model):\n    quantity = models.IntegerField()\n"
USER_FILE = "def total(lines):\n    return sum(line.quantity for line in CHECKOUTLINE.objects.all())\n"


def test_answers_as_the_looks_it_replaces():
    looks = TextLooks()
    for rel, text in (("app/models.py", MODEL_FILE), ("app/views.py", USER_FILE), ("web/a.ts", USER_FILE), ("README.md", MODEL_FILE)):
        extractor = extractor_of(rel)
        assert looks.may_declare_models(rel, text) == bool(extractor and extractor.may_declare_models(text))
        assert looks.uses_models(rel, text, {"CheckoutLine": None}) == mentions_any(text, ["CheckoutLine"])
    assert looks.may_declare_models("app/models.py", MODEL_FILE) is True
    assert looks.uses_models("app/views.py", USER_FILE, {"CheckoutLine": None}) is True  # any case


def test_another_text_or_other_models_are_looked_at_again():
    looks = TextLooks()
    assert looks.may_declare_models("app/models.py", MODEL_FILE) is True
    assert looks.may_declare_models("app/models.py", "x = 1\n") is False  # the file read again, changed
    assert looks.uses_models("app/views.py", USER_FILE, {"Order": None}) is False
    assert looks.uses_models("app/views.py", USER_FILE, {"Order": None, "CheckoutLine": None}) is True
    looks.clear()
    assert looks.uses_models("app/views.py", "", {"CheckoutLine": None}) is False
