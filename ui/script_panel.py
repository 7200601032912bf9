"""The script panel: what to say, rendered with the contact's variables in one language.

Shows a ``RenderedScript`` (``softphone.campaign``: language, version, title, sections,
questions, languages available): each section as a heading and paragraphs, then the survey
questions with their answer options, and the script version (it is recorded with the outcome).
The language combo lists the languages the campaign has scripts for; choosing one emits
``language_chosen`` and the workflow re-renders (also mid-call).
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QEvent, QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui.contact_card import language_name


def script_html(script: Any) -> str:
    """Sections and survey questions as simple HTML (all text escaped)."""
    out = [f"<h2>{html.escape(script.title)}</h2>"]
    for section in script.sections:
        if section.title:
            out.append(f"<h3>{html.escape(section.title)}</h3>")
        rendered = getattr(section, "html", None)  # RenderedSection: escaped, <br> for \n
        if rendered is None:
            rendered = html.escape(section.text).replace("\n", "<br>")
        out.append(f"<p>{rendered}</p>")
    if script.questions:
        out.append("<hr>")
        for question in script.questions:
            out.append(f"<p><b>{html.escape(question.text)}</b>")
            if question.options:
                options = " / ".join(html.escape(o) for o in question.options)
                out.append(f"<br><i>{options}</i>")
            out.append("</p>")
    return "\n".join(out)


class ScriptPanel(QFrame):
    language_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("script_panel")
        self.script: Any = None
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("script_text")
        self.browser.setOpenLinks(False)
        self.language = QComboBox(self)
        self.language.setObjectName("script_language")
        self.language.activated.connect(self._chosen)
        self.version_label = QLabel(self)
        self.version_label.setObjectName("script_version")
        self._language_caption = QLabel(self)
        self._language_caption.setBuddy(self.language)
        top = QHBoxLayout()
        top.addWidget(self._language_caption)
        top.addWidget(self.language)
        top.addStretch(1)
        top.addWidget(self.version_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.browser, 1)
        self.retranslate()

    def show_script(self, script: Any) -> None:
        """Show a ``RenderedScript``, or nothing for ``None``."""
        self.script = script
        if script is None:
            self.browser.clear()
            self.language.clear()
            self._show_version()
            return
        self.browser.setHtml(script_html(script))
        with QSignalBlocker(self.language):
            self.language.clear()
            for code in script.languages or [script.language]:
                self.language.addItem(language_name(code), code)
            self.language.setCurrentIndex(max(0, self.language.findData(script.language)))
        self._show_version()

    def choose_language(self, code: str) -> None:
        """As if the caller picked ``code`` in the combo."""
        index = self.language.findData(code)
        if index >= 0:
            self.language.setCurrentIndex(index)
            self._chosen(index)

    def text(self) -> str:
        return self.browser.toPlainText()

    def _chosen(self, index: int) -> None:
        code = self.language.itemData(index)
        if code and (self.script is None or code != self.script.language):
            self.language_chosen.emit(code)

    def _show_version(self) -> None:
        if self.script is None:
            self.version_label.setText("")
            return
        text = self.tr("Script version %1").replace("%1", str(self.script.version))
        self.version_label.setText(text)

    def retranslate(self) -> None:
        self._language_caption.setText(self.tr("Script &language:"))
        self._show_version()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
