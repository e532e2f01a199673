"""The editor's field widgets on their own: custom fields by type, category search, tags,
authors, and the rich-text description's HTML."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit

from figdesk.core.models import Category, CustomField
from figdesk.gui.editor.authors import AuthorsEditor
from figdesk.gui.editor.categories import CategoryPicker
from figdesk.gui.editor.custom_fields import CustomFieldsForm
from figdesk.gui.editor.rich_text import RichTextEdit
from figdesk.gui.editor.tags import TagEditor


def test_custom_fields_by_type(qtbot: Any) -> None:
    form = CustomFieldsForm()
    qtbot.addWidget(form)
    form.build([
        CustomField("Lab", "text", order=2),
        CustomField("Department", "dropdown", order=1, is_mandatory=True,
                    settings={"options": ["Biology", "History"]}),
        CustomField("Access", "textarea", order=3),
        CustomField("Embargo until", "date", order=4),
        CustomField("Homepage", "url", order=5),
    ])
    w = form.widgets
    assert isinstance(w["Department"], QComboBox) and isinstance(w["Access"], QPlainTextEdit)
    assert isinstance(w["Lab"], QLineEdit) and isinstance(w["Homepage"], QLineEdit)
    assert [d.name for d in form.definitions][:2] == ["Department", "Lab"]
    form.set_values({"Department": "History", "Lab": "North", "Access": "Ask us",
                     "Embargo until": "2030-01-31", "Homepage": None})
    assert form.values() == (("Department", "History"), ("Lab", "North"), ("Access", "Ask us"),
                             ("Embargo until", "2030-01-31"), ("Homepage", ""))
    # A stored value the options no longer offer is kept, not silently dropped.
    form.set_values({"Department": "Retired dept"})
    assert dict(form.values())["Department"] == "Retired dept"


def test_category_search_and_check(qtbot: Any) -> None:
    picker = CategoryPicker()
    qtbot.addWidget(picker)
    picker.load([Category(1, "Biological Sciences", 0, is_selectable=False),
                 Category(2, "Genetics", 1), Category(3, "Ecology", 1),
                 Category(4, "Physics", 0, is_selectable=False),
                 Category(5, "Condensed Matter Physics", 4)])
    picker.search.setText("genet")
    assert picker.proxy.rowCount() == 1                       # only the branch that matches
    parent = picker.proxy.index(0, 0)
    assert picker.proxy.rowCount(parent) == 1
    with qtbot.waitSignal(picker.changed, timeout=1000):
        picker.model.itemFromIndex(picker.model.index_of(2)).setCheckState(
            Qt.CheckState.Checked)
    assert picker.checked() == (2,) and "Genetics" in picker.summary.text()


def test_tags_and_authors(qtbot: Any) -> None:
    tags = TagEditor()
    qtbot.addWidget(tags)
    tags.entry.setText("soil, Peat , soil")
    tags.add_from_entry()
    assert tags.tags() == ("soil", "Peat")
    tags.view.setCurrentIndex(tags.model.index(0))
    tags.remove_selected()
    assert tags.tags() == ("Peat",)

    authors = AuthorsEditor()
    qtbot.addWidget(authors)
    for text in ("Ann Lee", "0000-0002-1825-0097", "4242"):
        authors.entry.setText(text)
        authors.add_from_entry()
    got = authors.authors()
    assert got[0].full_name == "Ann Lee"
    assert got[1].orcid_id == "0000-0002-1825-0097" and got[2].id == 4242
    authors.view.setCurrentIndex(authors.model.index(2))
    authors.up_button.click()
    assert [a.id for a in authors.authors()][1] == 4242
    authors.entry.setText("Ann Lee")
    authors.add_from_entry()
    assert len(authors.authors()) == 3 and authors.hint.isVisibleTo(authors)


def test_rich_text_gives_compact_html(qtbot: Any) -> None:
    rich = RichTextEdit()
    qtbot.addWidget(rich)
    assert rich.html() == ""
    rich.edit.setPlainText("Hello")
    rich.edit.selectAll()
    rich.buttons["bold"].click()
    html = rich.html()
    assert "Hello" in html and "font-weight" in html and "<body" not in html
    assert "<!DOCTYPE" not in html


def test_chosen_categories_are_in_sight(qtbot: Any) -> None:
    picker = CategoryPicker()
    qtbot.addWidget(picker)
    picker.load([Category(1, "Biological Sciences", 0, is_selectable=False),
                 Category(2, "Genetics", 1), Category(4, "Physics", 0, is_selectable=False),
                 Category(5, "Optics", 4)])
    picker.set_checked([2])
    bio = picker.proxy.mapFromSource(picker.model.index_of(1))
    physics = picker.proxy.mapFromSource(picker.model.index_of(4))
    assert picker.tree.isExpanded(bio) and not picker.tree.isExpanded(physics)
