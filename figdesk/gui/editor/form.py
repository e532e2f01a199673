"""The metadata form for one item (existing or new): fields, inline checks, unsaved marker.

The form knows nothing about the network: it turns widgets into an ``EditableMetadata`` and
back. Its baseline is what the form showed right after loading, so an untouched form is never
"dirty" even when Qt rewrites the description's HTML.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from figdesk.core.metadata import (
    EditableMetadata,
    Issue,
    custom_field_issues,
    field_issues,
    publish_issues,
)
from figdesk.gui.editor.authors import AuthorsEditor
from figdesk.gui.editor.categories import CategoryPicker
from figdesk.gui.editor.custom_fields import CustomFieldsForm
from figdesk.gui.editor.refdata import ReferenceData, fallback_item_types
from figdesk.gui.editor.rich_text import RichTextEdit
from figdesk.gui.editor.tags import TagEditor


class MetadataForm(QWidget):
    """Emits ``dirty_changed(bool)``, ``save_clicked``, ``revert_clicked``, ``publish_clicked``."""

    dirty_changed = Signal(bool)
    save_clicked = Signal()
    revert_clicked = Signal()
    publish_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.article_id: int | None = None
        self.is_new = False
        self.is_public = False
        self.file_count: int | None = None
        self.ref = ReferenceData(item_types=fallback_item_types())
        self._baseline = EditableMetadata()
        self._dirty = False
        self._loading = False

        # --- header: what is edited, unsaved marker, actions --------------------------
        self.heading = QLabel("No item selected")
        self.heading.setObjectName("sectionTitle")
        self.heading.setWordWrap(True)
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.revert_button = QPushButton("Revert")
        self.publish_button = QPushButton("Publish…")
        head = QHBoxLayout()
        head.addWidget(self.heading, 1)
        head.addWidget(self.revert_button)
        head.addWidget(self.save_button)
        head.addWidget(self.publish_button)
        self.readiness = QLabel("")
        self.readiness.setObjectName("readiness")
        self.readiness.setWordWrap(True)
        self.readiness.setTextFormat(Qt.TextFormat.RichText)

        # --- fields -------------------------------------------------------------------
        self.title = QLineEdit()
        self.title.setPlaceholderText("A title that says what this is (3 characters or more)")
        self.description = RichTextEdit()
        self.authors = AuthorsEditor()
        self.item_type = QComboBox()
        self.license = QComboBox()
        self.keywords = TagEditor()
        self.categories = CategoryPicker()
        self.references = QPlainTextEdit()
        self.references.setPlaceholderText("One web address per line")
        self.references.setMaximumHeight(64)
        self.funding = QLineEdit()
        self.funding.setPlaceholderText("Grant or funder, free text")
        self.resource_doi = QLineEdit()
        self.resource_doi.setPlaceholderText("10.1234/journal.article")
        self.resource_title = QLineEdit()
        self.first_online = QLineEdit()
        self.first_online.setPlaceholderText("YYYY-MM-DD (optional)")
        self.first_online.setMaximumWidth(160)
        self.metadata_record = QCheckBox("Metadata-only record (no files)")
        self.metadata_reason = QLineEdit()
        self.metadata_reason.setPlaceholderText("Why there are no files, e.g. held by the "
                                                "publisher")
        self.group = QComboBox()
        self.custom = CustomFieldsForm()

        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        rows: list[tuple[str, str, QWidget]] = [
            ("title", "Title", self.title),
            ("description", "Description", self.description),
            ("authors", "Authors", self.authors),
            ("item_type", "Item type", self.item_type),
            ("license", "License", self.license),
            ("keywords", "Keywords", self.keywords),
            ("categories", "Categories", self.categories),
            ("references", "References", self.references),
            ("funding", "Funding", self.funding),
            ("resource_doi", "Resource DOI", self.resource_doi),
            ("resource_title", "Resource title", self.resource_title),
            ("first_online", "First online", self.first_online),
            ("metadata_record", "", self.metadata_record),
            ("metadata_reason", "Reason", self.metadata_reason),
            ("group", "Group", self.group),
        ]
        for key, label, widget in rows:
            box = QWidget()
            v = QVBoxLayout(box)
            v.setContentsMargins(0, 0, 0, 0)
            v.setSpacing(2)
            v.addWidget(widget)
            err = QLabel("")
            err.setObjectName("error")
            err.setWordWrap(True)
            err.hide()
            v.addWidget(err)
            self.errors[key] = err
            form.addRow(label, box)
        custom_title = QLabel("Institution fields")
        custom_title.setObjectName("subTitle")
        form.addRow(custom_title)
        form.addRow(self.custom)
        self.errors["custom"] = QLabel("")
        self.errors["custom"].setObjectName("error")
        self.errors["custom"].setWordWrap(True)
        self.errors["custom"].hide()
        form.addRow(self.errors["custom"])

        inner = QWidget()
        inner.setLayout(form)
        self.scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.readiness)
        layout.addWidget(scroll, 1)

        self._fill_item_types()
        for sig in (self.title.textChanged, self.description.changed, self.authors.changed,
                    self.item_type.currentIndexChanged, self.license.currentIndexChanged,
                    self.keywords.changed, self.categories.changed,
                    self.references.textChanged, self.funding.textChanged,
                    self.resource_doi.textChanged, self.resource_title.textChanged,
                    self.first_online.textChanged, self.metadata_record.toggled,
                    self.metadata_reason.textChanged, self.group.currentIndexChanged,
                    self.custom.changed):
            sig.connect(self._edited)
        self.metadata_record.toggled.connect(self.metadata_reason.setEnabled)
        self.save_button.clicked.connect(self.save_clicked)
        self.revert_button.clicked.connect(self.revert_clicked)
        self.publish_button.clicked.connect(self.publish_clicked)
        self.set_enabled(False)

    # --- reference data -----------------------------------------------------------------

    def set_reference_data(self, ref: ReferenceData) -> None:
        """Refill the pickers; the values shown are kept."""
        current = self.current() if self.article_id is not None or self.is_new else None
        self.ref = ref
        self._loading = True
        self._fill_item_types()
        self.license.clear()
        self.license.addItem("(choose a license)", None)
        for lic in ref.licenses:
            self.license.addItem(lic.name, lic.value)
        self.group.clear()
        self.group.addItem("(none)", None)
        for g in ref.groups:
            self.group.addItem(g.name, g.id)
        self.categories.load(ref.categories)
        self.custom.build(ref.custom_fields)
        self._loading = False
        if current is not None:
            self._show(current)

    def _fill_item_types(self) -> None:
        self.item_type.clear()
        self.item_type.addItem("(choose a type)", "")
        for t in self.ref.item_types:
            self.item_type.addItem(t.name[:1].upper() + t.name[1:], t.name.lower())

    # --- load, read, dirty --------------------------------------------------------------

    def load(self, meta: EditableMetadata, *, article_id: int | None, is_public: bool = False,
             file_count: int | None = None) -> None:
        """Show ``meta`` for an item (``article_id`` None: a new item)."""
        self.article_id = article_id
        self.is_new = article_id is None
        self.is_public = is_public
        self.file_count = file_count
        # Publishing a public item makes a new public version; say so on the button.
        self.publish_button.setText("Publish new version…" if is_public else "Publish…")
        self.set_enabled(True)
        self._show(meta)
        self._baseline = self.current()
        self._set_dirty(False)
        self._update_checks()
        self._update_heading()

    def clear(self) -> None:
        self.article_id = None
        self.is_new = False
        self._show(EditableMetadata())
        self._baseline = self.current()
        self._set_dirty(False)
        self.set_enabled(False)
        self.readiness.setText("")
        for err in self.errors.values():
            err.hide()
        self.heading.setText("No item selected")

    def set_enabled(self, on: bool) -> None:
        for w in self.findChildren(QWidget):
            if w not in (self.heading, self.readiness):
                w.setEnabled(on)
        if on:
            self.metadata_reason.setEnabled(self.metadata_record.isChecked())
            self.publish_button.setEnabled(not self.is_new)

    def set_file_count(self, count: int) -> None:
        self.file_count = count
        self._update_checks()

    def _show(self, m: EditableMetadata) -> None:
        self._loading = True
        try:
            self.title.setText(m.title)
            self.description.set_html(m.description)
            self.authors.set_authors(m.authors)
            self._choose(self.item_type, m.item_type, m.item_type)
            self._choose(self.license, m.license, f"license {m.license}")
            self.keywords.set_tags(m.keywords)
            self.categories.set_checked(m.categories)
            self.references.setPlainText("\n".join(m.references))
            self.funding.setText(m.funding)
            self.resource_doi.setText(m.resource_doi)
            self.resource_title.setText(m.resource_title)
            self.first_online.setText(m.first_online)
            self.metadata_record.setChecked(m.is_metadata_record)
            self.metadata_reason.setText(m.metadata_reason)
            self._choose(self.group, m.group_id or None, f"group {m.group_id}")
            self.custom.set_values(m.custom())
        finally:
            self._loading = False

    @staticmethod
    def _choose(combo: QComboBox, value: object, label: str) -> None:
        i = combo.findData(value)
        if i < 0 and value not in (None, ""):
            combo.addItem(label, value)   # a value the lists do not offer: keep, not lose it
            i = combo.findData(value)
        combo.setCurrentIndex(max(0, i))

    def current(self) -> EditableMetadata:
        custom = self.custom.values()
        group = self.group.currentData()
        return EditableMetadata(
            title=self.title.text(),
            description=self.description.html(),
            authors=self.authors.authors(),
            categories=self.categories.checked(),
            keywords=self.keywords.tags(),
            item_type=str(self.item_type.currentData() or ""),
            license=self.license.currentData(),
            references=tuple(r.strip() for r in self.references.toPlainText().splitlines()
                             if r.strip()),
            funding=self.funding.text().strip(),
            resource_doi=self.resource_doi.text().strip(),
            resource_title=self.resource_title.text().strip(),
            first_online=self.first_online.text().strip(),
            is_metadata_record=self.metadata_record.isChecked(),
            metadata_reason=self.metadata_reason.text().strip(),
            custom_fields=custom,
            group_id=group if isinstance(group, int) else None,
        )

    @property
    def baseline(self) -> EditableMetadata:
        return self._baseline

    @property
    def dirty(self) -> bool:
        return self._dirty

    def revert(self) -> None:
        self._show(self._baseline)
        self._set_dirty(False)
        self._update_checks()

    def mark_saved(self, meta: EditableMetadata, article_id: int) -> None:
        self.load(meta, article_id=article_id, is_public=self.is_public,
                  file_count=self.file_count)

    def _edited(self, *_args: object) -> None:
        if self._loading:
            return
        self._set_dirty(self.current() != self._baseline)
        self._update_checks()

    def _set_dirty(self, dirty: bool) -> None:
        changed = dirty != self._dirty
        self._dirty = dirty
        self.save_button.setEnabled(self.isEnabled() and (dirty or self.is_new))
        self.revert_button.setEnabled(dirty)
        self._update_heading()
        if changed:
            self.dirty_changed.emit(dirty)

    def _update_heading(self) -> None:
        if self.article_id is None and not self.is_new:
            return
        name = self.title.text().strip() or "Untitled"
        what = "New item" if self.is_new else f"Item {self.article_id}"
        mark = "\u00a0*" if self._dirty else ""     # no break: the marker stays on the line
        self.heading.setText(f"{what}: {name}{mark}")
        self.heading.setToolTip("Unsaved changes" if self._dirty else "")

    # --- checks -------------------------------------------------------------------------

    def field_issues(self) -> list[Issue]:
        m = self.current()
        return field_issues(m) + custom_field_issues(m, self.ref.custom_fields)

    def publish_issues(self) -> list[Issue]:
        return publish_issues(self.current(), self.ref.custom_fields,
                              file_count=self.file_count)

    def _update_checks(self) -> None:
        by_field: dict[str, list[str]] = {}
        for issue in self.field_issues():
            key = "custom" if issue.field.startswith("custom:") else issue.field
            by_field.setdefault(key, []).append(issue.message)
        for key, label in self.errors.items():
            msgs = by_field.get(key)
            label.setText(" ".join(msgs) if msgs else "")
            label.setVisible(bool(msgs))
        needs = self.publish_issues()
        hard = [i.message for i in needs if i.blocking]
        soft = [i.message for i in needs if not i.blocking]
        if not hard and not soft:
            text = "✔ Ready to publish."
        else:
            text = ""
            if hard:
                text += "<b>To publish, still needed:</b> " + ", ".join(hard) + "."
            if soft:
                text += (" " if text else "") + "<i>Suggested:</i> " + ", ".join(soft) + "."
        self.readiness.setText(text)
        if self.readiness.property("ready") != (not hard):
            self.readiness.setProperty("ready", not hard)
            # Style sheets match dynamic properties only when the widget is re-polished.
            self.readiness.style().unpolish(self.readiness)
            self.readiness.style().polish(self.readiness)
        self.save_button.setEnabled(self.isEnabled() and (self._dirty or self.is_new)
                                    and not by_field)
        if not self.is_new:
            self.publish_button.setEnabled(not hard)
