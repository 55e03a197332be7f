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


def test_a_file_read_once_tells_whether_it_names_a_likely_model_class():
    from impact.text_looks import model_words

    looks = TextLooks()
    looks.words = model_words(["checkout_checkoutline", "orders"])
    assert {"checkoutline", "checkout_checkoutline", "orders", "order"} <= looks.words
    texts = {"a.py": USER_FILE, "b.py": "from x import Order\n", "c.py": "x = 1\n"}
    for rel, text in texts.items():
        looks.note_words(rel, text.lower())
    for models in ({"CheckoutLine": None}, {"Order": None}, {"CheckoutLine": None, "Order": None}):
        assert {rel: looks.names_none(rel, models) for rel in texts} == {rel: not mentions_any(text, list(models)) for rel, text in texts.items()}
    assert looks.names_none("d.py", {"Order": None}) is None  # not seen: read it
    assert looks.names_none("a.py", {"Line": None}) is None  # a model named otherwise than its table: read it
