"""The metadata editor on the sandbox: edit, save, read back; new items; unsaved changes."""

from __future__ import annotations

from typing import Any

from figdesk.core.api import FigshareClient
from tests.gui.conftest import WAIT_MS, run_async, sign_in


def open_draft(qtbot: Any, window: Any) -> Any:
    qtbot.waitUntil(lambda: window.ref.licenses != () and not window.items.loading,
                    timeout=WAIT_MS)
    row = next(r for r in window.items.model.rows() if not r.item.is_public)
    window.items.select_article(row.item.id)
    qtbot.waitUntil(lambda: window.form.article_id == row.item.id, timeout=WAIT_MS)
    return row


def test_edit_save_and_read_back(qtbot: Any, gui_sandbox: Any, make_window: Any) -> None:
    window = make_window()
    sign_in(qtbot, window, gui_sandbox.api_url, gui_sandbox.token)
    row = open_draft(qtbot, window)
    form = window.form
    assert not form.dirty and not form.save_button.isEnabled()

    form.title.setText("Edited in the GUI test")
    assert form.dirty and form.heading.text().endswith("*")
    assert window.windowTitle().endswith("*")
    form.authors.entry.setText("Zed Example 0000-0002-1825-0097")
    form.authors.add_from_entry()
    form.keywords.add("gui-test, second keyword")
    lic = window.ref.licenses[-1]
    form.license.setCurrentIndex(form.license.findData(lic.value))
    selectable = [c for c in window.ref.categories if c.is_selectable][:2]
    form.categories.set_checked([c.id for c in selectable])
    form.categories.changed.emit()
    form.description.edit.setPlainText("A description typed in the editor.")
    form.references.setPlainText("https://example.org/paper")
    form.first_online.setText("2021-06-01")
    form.funding.setText("Grant 42")
    department = form.custom.widgets["Department"]
    department.setCurrentIndex(department.findData("History"))
    group = window.ref.groups[-1]
    form.group.setCurrentIndex(form.group.findData(group.id))
    assert form.save_button.isEnabled()

    form.save_button.click()
    qtbot.waitUntil(lambda: not form.dirty, timeout=WAIT_MS)

    article = FigshareClient(gui_sandbox.token, api_url=gui_sandbox.api_url).get_my_article(
        row.item.id)
    assert article.title == "Edited in the GUI test"
    assert "gui-test" in article.tags and "second keyword" in article.tags
    assert article.license is not None and article.license.value == lic.value
    assert {c.id for c in article.categories} == {c.id for c in selectable}
    assert any(a.orcid_id == "0000-0002-1825-0097" for a in article.authors)
    assert "A description typed in the editor." in article.description
    assert article.references == ("https://example.org/paper",)
    assert article.timeline.get("firstOnline", "")[:10] == "2021-06-01"
    assert article.funding == "Grant 42" and article.group_id == group.id
    assert {c.name: c.value for c in article.custom_fields}["Department"] == "History"
    # The table shows the new title too.
    r = window.items.model.row_of(row.item.id)
    assert r is not None and window.items.model.row_item(r).item.title == article.title


def test_inline_validation_blocks_save(qtbot: Any, gui_sandbox: Any, make_window: Any) -> None:
    window = make_window()
    sign_in(qtbot, window, gui_sandbox.api_url, gui_sandbox.token)
    open_draft(qtbot, window)
    form = window.form
    form.title.setText("ab")
    assert form.errors["title"].isVisible() and not form.save_button.isEnabled()
    form.first_online.setText("2020/01/01")
    assert form.errors["first_online"].isVisible()
    form.first_online.setText("2020-01-01")
    assert not form.errors["first_online"].isVisible()
    form.title.setText("A proper title")
    assert not form.errors["title"].isVisible() and form.save_button.isEnabled()


def test_publish_needs_are_shown(qtbot: Any, gui_sandbox: Any, make_window: Any) -> None:
    window = make_window()
    sign_in(qtbot, window, gui_sandbox.api_url, gui_sandbox.token)
    open_draft(qtbot, window)
    form = window.form
    form.keywords.set_tags([])
    form.keywords.changed.emit()
    assert "at least one keyword" in form.readiness.text()
    assert not form.publish_button.isEnabled()


def test_new_item_is_created(qtbot: Any, gui_sandbox: Any, make_window: Any) -> None:
    window = make_window()
    sign_in(qtbot, window, gui_sandbox.api_url, gui_sandbox.token)
    qtbot.waitUntil(lambda: window.ref.licenses != (), timeout=WAIT_MS)
    before = window.items.model.rowCount()
    run_async(qtbot, window.new_item())
    form = window.form
    assert form.is_new and form.heading.text().startswith("New item")
    form.title.setText("Brand new from the GUI")
    form.keywords.add("new")
    assert run_async(qtbot, window.save_form()) is True
    assert not form.is_new and form.article_id is not None
    assert window.items.model.rowCount() == before + 1
    article = FigshareClient(gui_sandbox.token, api_url=gui_sandbox.api_url).get_my_article(
        form.article_id)
    assert article.title == "Brand new from the GUI" and "new" in article.tags


def test_leaving_unsaved_changes_asks(qtbot: Any, gui_sandbox: Any, make_window: Any) -> None:
    window = make_window()
    sign_in(qtbot, window, gui_sandbox.api_url, gui_sandbox.token)
    row = open_draft(qtbot, window)
    other = next(r for r in window.items.model.rows() if r.item.id != row.item.id)
    window.form.title.setText("Unsaved title")
    asked: list[str] = []

    def answer(choice: str) -> Any:
        def ask() -> str:
            asked.append(choice)
            return choice
        return ask

    window.ask_unsaved = answer("cancel")
    window.items.select_article(other.item.id)
    qtbot.waitUntil(lambda: asked == ["cancel"], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.items.current_row() is not None
                    and window.items.current_row().item.id == row.item.id, timeout=WAIT_MS)
    assert window.form.title.text() == "Unsaved title" and window.form.dirty

    window.ask_unsaved = answer("discard")
    window.items.select_article(other.item.id)
    qtbot.waitUntil(lambda: window.form.article_id == other.item.id, timeout=WAIT_MS)
    assert not window.form.dirty
    title = FigshareClient(gui_sandbox.token, api_url=gui_sandbox.api_url).get_my_article(
        row.item.id).title
    assert title != "Unsaved title"


def test_publish_from_the_form(qtbot: Any, gui_sandbox: Any, make_window: Any) -> None:
    window = make_window()
    sign_in(qtbot, window, gui_sandbox.api_url, gui_sandbox.token)
    row = open_draft(qtbot, window)
    form = window.form
    form.description.edit.setPlainText("Ready for the world.")
    form.keywords.add("published-from-gui")
    form.license.setCurrentIndex(1)
    if not form.authors.authors():
        form.authors.entry.setText("Ann Lee")
        form.authors.add_from_entry()
    if not form.item_type.currentData():
        form.item_type.setCurrentIndex(form.item_type.findData("dataset"))
    form.metadata_record.setChecked(True)
    form.metadata_reason.setText("Held by the museum")
    assert [i.message for i in form.publish_issues() if i.blocking] == []
    assert form.publish_button.isEnabled()
    window.confirm = lambda *_a: True
    assert run_async(qtbot, window.publish(row.item.id)) is True
    assert not form.dirty                                     # saved before publishing
    article = FigshareClient(gui_sandbox.token, api_url=gui_sandbox.api_url).get_my_article(
        row.item.id)
    assert article.is_public and "published-from-gui" in article.tags
    r = window.items.model.row_of(row.item.id)
    assert r is not None and window.items.model.row_item(r).item.status == "public"


def test_leaving_with_save_saves_first(qtbot: Any, gui_sandbox: Any, make_window: Any) -> None:
    window = make_window()
    sign_in(qtbot, window, gui_sandbox.api_url, gui_sandbox.token)
    row = open_draft(qtbot, window)
    other = next(r for r in window.items.model.rows() if r.item.id != row.item.id)
    window.form.title.setText("Saved on the way out")
    window.ask_unsaved = lambda: "save"
    window.items.select_article(other.item.id)
    qtbot.waitUntil(lambda: window.form.article_id == other.item.id, timeout=WAIT_MS)
    assert not window.form.dirty
    title = FigshareClient(gui_sandbox.token, api_url=gui_sandbox.api_url).get_my_article(
        row.item.id).title
    assert title == "Saved on the way out"


def test_real_question_box_runs_outside_the_task(qtbot: Any, gui_sandbox: Any,
                                                 make_window: Any) -> None:
    """The real QMessageBox (not a stand-in): its nested event loop must not run inside the
    asyncio task that asked (asyncio would refuse to step other tasks)."""
    import asyncio

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from figdesk.gui.main_window import MainWindow

    window = make_window()
    window.ask_unsaved = MainWindow.ask_unsaved.__get__(window)
    sign_in(qtbot, window, gui_sandbox.api_url, gui_sandbox.token)
    row = open_draft(qtbot, window)
    other = next(r for r in window.items.model.rows() if r.item.id != row.item.id)
    window.form.title.setText("Throw this away")
    answered: list[bool] = []
    probe: list[Any] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        # While the box is open, other tasks must still be able to run.
        if not probe:
            probe.append(asyncio.ensure_future(asyncio.sleep(0)))
        if not probe[0].done() and len(probe) < 200:
            probe.append(None)          # bounded: a stuck loop fails the test, not hangs it
            QTimer.singleShot(20, answer)
            return
        answered.append(probe[0].done())
        box.button(QMessageBox.StandardButton.Discard).click()

    QTimer.singleShot(20, answer)
    window.items.select_article(other.item.id)
    qtbot.waitUntil(lambda: window.form.article_id == other.item.id, timeout=WAIT_MS)
    assert answered == [True] and not window.form.dirty
    window.ask_unsaved = lambda: "discard"
