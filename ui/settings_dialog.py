"""Settings: audio devices (capture, playback, ringer) and interface language.

Device changes apply at once, also during a call (``devices_chosen`` → the window switches the
engine's headset device), and are remembered per PC in the user settings. The language applies
at once too: ``language_chosen`` → ``ui.i18n.install`` swaps the translator and every widget
retranslates itself on ``QEvent.LanguageChange``.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from softphone.config import Settings
from ui.i18n import LANGUAGES

DEVICE_OPTIONS = ("capture_device", "playback_device", "ringer_device")


class SettingsDialog(QDialog):
    devices_chosen = Signal(str, str, str)  # capture, playback, ringer
    language_chosen = Signal(str)  # "en" | "hi"

    def __init__(
        self, settings: Settings, device_names: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settings_dialog")
        self._settings = settings
        self.combos = {name: self._device_combo(name, device_names) for name in DEVICE_OPTIONS}
        self.language = QComboBox(self)
        self.language.setObjectName("language_combo")
        for code, native_name in LANGUAGES.items():
            self.language.addItem(native_name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        self.labels = [QLabel(self) for _ in range(4)]
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.Cancel,
            self,
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Apply)
        apply_button.setObjectName("apply_button")
        apply_button.clicked.connect(self.apply)
        self._build()
        self.retranslate()

    def _device_combo(self, option: str, names: list[str]) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(f"{option}_combo")
        combo.addItems(names)
        current = self._settings.get(option)
        if current in names:
            combo.setCurrentText(current)
        return combo

    def _build(self) -> None:
        form = QFormLayout()
        widgets = [*self.combos.values(), self.language]
        for label, widget in zip(self.labels, widgets, strict=True):
            form.addRow(label, widget)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    def choose_device(self, option: str, name: str) -> None:
        self.combos[option].setCurrentText(name)

    def choose_language(self, code: str) -> None:
        self.language.setCurrentIndex(self.language.findData(code))

    def apply(self) -> None:
        """Save changed options and announce them; unchanged ones are left alone."""
        chosen = {option: combo.currentText() for option, combo in self.combos.items()}
        if any(chosen[o] != self._settings.get(o) for o in DEVICE_OPTIONS):
            for option, value in chosen.items():
                self._settings.set(option, value)
            self.devices_chosen.emit(*(chosen[o] for o in DEVICE_OPTIONS))
        language = self.language.currentData()
        if language != self._settings.language:
            self._settings.set("language", language)
            self.language_chosen.emit(language)

    def accept(self) -> None:
        self.apply()
        super().accept()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Settings"))
        texts = (
            self.tr("Microphone"),
            self.tr("Headset speaker"),
            self.tr("Ringer"),
            self.tr("Language"),
        )
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        self.combos["ringer_device"].setToolTip(self.tr("Where incoming calls ring"))
        standard = QDialogButtonBox.StandardButton
        for button, text in (
            (standard.Ok, self.tr("OK")),
            (standard.Apply, self.tr("Apply")),
            (standard.Cancel, self.tr("Cancel")),
        ):
            self.buttons.button(button).setText(text)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
