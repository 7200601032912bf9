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

_TRANSLATOR_NAME = "sampark_translator"  # our translator is a child of the app, found by name


def translations_dir() -> Path:
    return paths.resources_dir() / "translations"


def qm_file(language: str) -> Path:
    return translations_dir() / f"sampark_{language}.qm"


def install(app: QCoreApplication, language: str) -> bool:
    """Switch ``app`` to ``language``; returns False (and stays in English) if it cannot."""
    previous = _our_translator(app)
    if previous is not None:
        app.removeTranslator(previous)
        previous.setObjectName("")
        previous.deleteLater()
    if language == SOURCE_LANGUAGE or language not in LANGUAGES:
        QLocale.setDefault(QLocale(QLocale.Language.English))
        return language == SOURCE_LANGUAGE
    translator = QTranslator(app)
    if not translator.load(str(qm_file(language))):
        translator.deleteLater()
        return False
    translator.setObjectName(_TRANSLATOR_NAME)
    app.installTranslator(translator)
    QLocale.setDefault(QLocale(language))
    return True


def current_language(app: QCoreApplication) -> str:
    translator = _our_translator(app)
    return translator.language().split("_")[0] if translator is not None else SOURCE_LANGUAGE


def _our_translator(app: QCoreApplication) -> QTranslator | None:
    return app.findChild(QTranslator, _TRANSLATOR_NAME)
