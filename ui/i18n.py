"""Interface language: installs the Qt translator for English (source) or Hindi.

Translations live in ``resources/translations/sampark_<lang>.qm`` (sources ``.ts``, rebuilt by
``resources/translations/update.sh``). Installing a translator makes Qt send
``QEvent.LanguageChange`` to every widget; the caller window's widgets retranslate on it, so a
change in settings applies at once.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from softphone import paths

LANGUAGES = {"en": "English", "hi": "हिन्दी"}
SOURCE_LANGUAGE = "en"

_installed: dict[int, QTranslator] = {}  # id(app) -> the translator we installed


def translations_dir() -> Path:
    return paths.resources_dir() / "translations"


def qm_file(language: str) -> Path:
    return translations_dir() / f"sampark_{language}.qm"


def install(app: QCoreApplication, language: str) -> bool:
    """Switch ``app`` to ``language``; returns False (and stays in English) if it cannot."""
    previous = _installed.pop(id(app), None)
    if previous is not None:
        app.removeTranslator(previous)
    if language == SOURCE_LANGUAGE or language not in LANGUAGES:
        QLocale.setDefault(QLocale(QLocale.Language.English))
        return language == SOURCE_LANGUAGE
    translator = QTranslator(app)
    if not translator.load(str(qm_file(language))):
        return False
    app.installTranslator(translator)
    _installed[id(app)] = translator
    QLocale.setDefault(QLocale(language))
    return True


def current_language(app: QCoreApplication) -> str:
    translator = _installed.get(id(app))
    return translator.language().split("_")[0] if translator is not None else SOURCE_LANGUAGE
