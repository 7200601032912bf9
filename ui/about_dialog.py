"""Help → About: Sampark's version and where its files are (for IT on the phone).

Shows the version (package metadata, stamped into the frozen app), the log folder
(``softphone.logs``) with a button that opens it, the data folder (journal) and the
machine-wide configuration file. Every path is selectable text so it can be read out or copied.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from softphone import logs, paths, selftest


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("about_dialog")
        self.setWindowTitle(self.tr("About Sampark"))
        self.version = selftest.version()
        self.log_folder = logs.current_folder()
        self.title_label = QLabel(self.tr("Sampark %1").replace("%1", self.version), self)
        self.title_label.setObjectName("about_version")
        form = QFormLayout()
        self.log_label = self._path_row(form, self.tr("Logs"), str(self.log_folder))
        self.log_label.setObjectName("about_log_folder")
        self._path_row(form, self.tr("Data"), str(paths.data_dir()))
        self._path_row(form, self.tr("Machine settings"), str(paths.machine_config_file()))
        self.open_logs_button = QPushButton(self.tr("Open log folder"), self)
        self.open_logs_button.clicked.connect(self.open_log_folder)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addLayout(form)
        layout.addWidget(self.open_logs_button)
        layout.addWidget(buttons)

    def _path_row(self, form: QFormLayout, name: str, value: str) -> QLabel:
        label = QLabel(value, self)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(name, label)
        return label

    def open_log_folder(self) -> bool:
        self.log_folder.mkdir(parents=True, exist_ok=True)
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_folder)))
