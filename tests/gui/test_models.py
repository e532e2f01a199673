"""The table and list models pass pytest-qt's model tester and behave under sort/filter."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from figdesk.core.models import ArticleSummary, Author, Category, FileInfo
from figdesk.gui.editor.authors import AuthorsModel
from figdesk.gui.editor.categories import CategoryTreeModel
from figdesk.gui.files_model import FilesModel
from figdesk.gui.items_model import (
    COL_FILES,
    COL_ID,
    COL_TITLE,
    ROW_ROLE,
    ItemRow,
    ItemsModel,
    ItemsProxy,
)


def summary(i: int, *, public: bool = False) -> ArticleSummary:
    return ArticleSummary.from_json({
        "id": i, "title": f"Item {i:05d} {'alpha' if i % 3 == 0 else 'beta'}",
        "defined_type": 3, "defined_type_name": "dataset",
        "created_date": f"2024-01-{1 + i % 28:02d}T10:00:00Z",
        "modified_date": f"2024-02-{1 + i % 28:02d}T10:00:00Z",
        "published_date": "2024-03-01T00:00:00Z" if public else None,
        "doi": f"10.5555/x.{i}" if public else "",
    })


def test_items_model_and_proxy(qtmodeltester: Any) -> None:
    model = ItemsModel()
    proxy = ItemsProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)
    model.append_page([summary(i, public=i % 2 == 0) for i in range(1, 301)])
    model.append_page([summary(i) for i in range(301, 401)])
    assert model.rowCount() == 400
    # A page that repeats known ids replaces rows rather than duplicating them.
    model.append_page([summary(5, public=True)])
    assert model.rowCount() == 400
    qtmodeltester.check(model)

    proxy.sort(COL_ID, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, COL_ID).data() == "400"
    proxy.sort(COL_TITLE, Qt.SortOrder.AscendingOrder)
    assert proxy.index(0, COL_TITLE).data().startswith("Item 00001")
    proxy.set_status("public")
    assert proxy.rowCount() == 151        # 150 even ids (<=300) plus the re-published 5
    proxy.set_text("alpha")
    rows = [proxy.index(r, 0).data(ROW_ROLE) for r in range(proxy.rowCount())]
    assert rows and all(isinstance(r, ItemRow) and r.item.is_public and "alpha" in r.item.title
                        for r in rows)
    proxy.set_status("all")
    proxy.set_text("")
    model.set_file_figures(7, 3, 3000)
    row = model.row_item(model.row_of(7) or 0)
    assert (row.file_count, row.files_size) == (3, 3000)
    proxy.sort(COL_FILES, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, COL_ID).data() == "7"
    model.remove(7)
    assert model.row_of(7) is None and model.rowCount() == 399
    qtmodeltester.check(proxy)


def test_sorting_keeps_selection_rows(qtmodeltester: Any) -> None:
    model = ItemsModel()
    model.append_page([summary(i) for i in range(1, 51)])
    persistent = [model.index(r, 0) for r in range(3)]
    from PySide6.QtCore import QPersistentModelIndex

    kept = [QPersistentModelIndex(i) for i in persistent]
    model.sort(COL_ID, Qt.SortOrder.DescendingOrder)
    assert [k.data() for k in kept] == ["1", "2", "3"]
    assert kept[0].row() == 49
    qtmodeltester.check(model)


def test_files_model(qtmodeltester: Any) -> None:
    model = FilesModel()
    qtmodeltester.check(model)
    files = [FileInfo.from_json({"id": 1, "name": "a.csv", "size": 10, "status": "available",
                                 "supplied_md5": "x", "computed_md5": "x"}),
             FileInfo.from_json({"id": 2, "name": "b.bin", "size": 20, "status": "ic_checking",
                                 "supplied_md5": "y"}),
             FileInfo.from_json({"id": 3, "name": "c.bin", "size": 5, "status": "ic_failure",
                                 "supplied_md5": "y", "computed_md5": "z"})]
    model.set_files(files)
    states = [model.index(r, 2).data() for r in range(3)]
    assert states == ["available", "processing on Figshare", "failed"]
    assert model.index(0, 3).data().startswith("✔") and model.index(2, 3).data() == ""
    model.set_local_states({"d.txt": ("queued", 7, ""), "b.bin": ("uploading", 20, "part 2")})
    assert model.rowCount() == 4
    assert model.index(1, 2).data() == "uploading" and model.index(3, 2).data() == "queued"
    qtmodeltester.check(model)


def test_authors_model(qtmodeltester: Any) -> None:
    model = AuthorsModel()
    model.set_authors([Author(1, "Ann"), Author(None, "Bo"), Author(None, "Cy")])
    qtmodeltester.check(model)
    assert model.move(0, +1)
    assert [a.full_name for a in model.authors()] == ["Bo", "Ann", "Cy"]
    assert model.move(2, -1)
    assert [a.full_name for a in model.authors()] == ["Bo", "Cy", "Ann"]
    assert not model.move(0, -1)
    model.remove(1)
    assert [a.full_name for a in model.authors()] == ["Bo", "Ann"]
    assert model.index(1).data() == "Ann  ·  Figshare id 1"
    qtmodeltester.check(model)


def test_category_model(qtmodeltester: Any) -> None:
    model = CategoryTreeModel()
    model.load([Category(1, "Biology", 0, is_selectable=False),
                Category(2, "Ecology", 1), Category(3, "Genetics", 1), Category(4, "Art", 0)])
    qtmodeltester.check(model)
    assert model.rowCount(QModelIndex()) == 2
    model.set_checked([3, 4, 1])
    assert model.checked() == (3, 4)       # 1 is not selectable
    assert model.index_of(1).flags() & Qt.ItemFlag.ItemIsUserCheckable == Qt.ItemFlag(0)


def test_row_updates_resort_together(qtbot: Any) -> None:
    model = ItemsModel()
    proxy = ItemsProxy()
    proxy.setSourceModel(model)
    model.append_page([summary(i) for i in range(1, 101)])
    proxy.sort(COL_FILES, Qt.SortOrder.DescendingOrder)
    layouts: list[int] = []
    model.layoutChanged.connect(lambda *_: layouts.append(1))
    for i in range(1, 31):                     # figures arriving one row at a time
        model.set_file_figures(i, i, i * 10)
    # Coalesced: rows move once the burst is over, not once per row.
    qtbot.waitUntil(lambda: proxy.index(0, COL_ID).data() == "30", timeout=5000)
    assert len(layouts) == 1
    model.set_file_figures(50, 1, 10)          # does not change the order at the top
    assert [proxy.index(r, COL_ID).data() for r in range(3)] == ["30", "29", "28"]


def _painted(proxy: ItemsProxy, row: int, column: int) -> tuple[str, Qt.AlignmentFlag]:
    """What a delegate paints for a cell: Qt's initStyleOption asks multiData for it."""
    from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

    option = QStyleOptionViewItem()
    QStyledItemDelegate().initStyleOption(option, proxy.index(row, column))
    return option.text, option.displayAlignment


def test_cells_are_painted_from_one_multidata_call(qapp: Any) -> None:
    model = ItemsModel()
    proxy = ItemsProxy()
    proxy.setSourceModel(model)
    model.append_page([summary(i, public=i % 2 == 0) for i in range(1, 41)])
    proxy.sort(COL_ID, Qt.SortOrder.DescendingOrder)
    calls: list[tuple[int, int]] = []
    fill = model.fill_roles
    model.fill_roles = lambda r, c, span: (calls.append((r, c)), fill(r, c, span))[1]  # type: ignore[method-assign]
    text, align = _painted(proxy, 0, COL_ID)
    assert text == "40" and align & Qt.AlignmentFlag.AlignRight
    assert calls == [(0, COL_ID)]
    assert _painted(proxy, 2, COL_TITLE)[0] == proxy.index(2, COL_TITLE).data()
    # Filtered: proxy rows are no longer source rows; the cell still shows its own item.
    proxy.set_status("public")
    proxy.set_text("alpha")
    for r in range(proxy.rowCount()):
        assert _painted(proxy, r, COL_TITLE)[0] == proxy.index(r, COL_TITLE).data()
        assert _painted(proxy, r, COL_ID)[0] == str(proxy.index(r, 0).data(ROW_ROLE).item.id)
    proxy.set_status("all")
    proxy.set_text("")
    assert [_painted(proxy, r, COL_ID)[0] for r in range(3)] == ["40", "39", "38"]
    flags = proxy.index(0, COL_TITLE).flags()
    assert flags == model.index(0, COL_TITLE).flags()
    assert not proxy.flags(QModelIndex()) & Qt.ItemFlag.ItemIsEnabled


def test_clear_frees_rows_a_slice_at_a_time(qtbot: Any) -> None:
    import weakref

    model = ItemsModel()
    model.append_page([summary(i) for i in range(1, 2501)])
    first = weakref.ref(model.row_item(0))
    last = weakref.ref(model.row_item(2499))
    model.clear()
    assert model.rowCount() == 0 and model.row_of(1) is None
    assert last() is not None or first() is not None     # not all freed in the same call
    qtbot.waitUntil(lambda: first() is None and last() is None, timeout=5000)
    model.append_page([summary(1)])
    assert model.rowCount() == 1


def test_a_few_new_rows_are_inserted_where_the_sort_puts_them(qtbot: Any) -> None:
    model = ItemsModel()
    proxy = ItemsProxy()
    proxy.setSourceModel(model)
    model.append_page([summary(i) for i in range(1, 201)])
    inserted: list[int] = []
    layouts: list[int] = []
    for column, order in ((COL_TITLE, Qt.SortOrder.AscendingOrder),
                          (COL_ID, Qt.SortOrder.DescendingOrder),
                          (COL_FILES, Qt.SortOrder.DescendingOrder)):   # all keys equal
        proxy.sort(column, order)
        inserted.clear()
        layouts.clear()
        model.rowsInserted.connect(lambda _p, first, _last: inserted.append(first))
        model.layoutChanged.connect(lambda *_: layouts.append(1))
        # Equal keys (title, id) and new extremes, one upsert at a time as the app does.
        news = [summary(i) for i in (1000, 0, 7)]
        news[2] = ArticleSummary.from_json({**news[2].raw, "id": 100_000 + column})
        for item in news:
            # What appending and resorting (stable) would give, equal keys included.
            expected = sorted([*model.rows(), ItemRow.build(item)], key=lambda r: r.keys[column],
                              reverse=order == Qt.SortOrder.DescendingOrder)
            model.upsert(item)
            assert [r.item.id for r in model.rows()] == [r.item.id for r in expected]
        assert len(inserted) == 3 and not layouts
        assert all(model.row_of(r.item.id) == n for n, r in enumerate(model.rows()))
        model.rowsInserted.disconnect()
        model.layoutChanged.disconnect()
        for item in news:
            model.remove(item.id)


def test_a_page_that_sorts_after_every_row_is_appended_without_a_resort(qtbot: Any) -> None:
    model = ItemsModel()
    proxy = ItemsProxy()
    proxy.setSourceModel(model)
    proxy.sort(COL_ID, Qt.SortOrder.DescendingOrder)
    layouts: list[int] = []
    model.layoutChanged.connect(lambda *_: layouts.append(1))
    # Newest first, as Figshare lists them: each page comes after the rows already there.
    model.append_page([summary(i) for i in range(400, 300, -1)])
    model.append_page([summary(i) for i in range(201, 301)])     # in order once sorted
    assert not layouts
    model.append_page([summary(i) for i in list(range(500, 450, -1)) + [1, 2]])  # not in order
    assert len(layouts) == 1
    ids = [r.item.id for r in model.rows()]
    assert ids == sorted(ids, reverse=True) and len(ids) == 252
    assert all(model.row_of(i) == n for n, i in enumerate(ids))
