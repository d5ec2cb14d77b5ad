"""The reviewer's language: English or Chinese, from one gettext catalogue.

Which language. The first of these that says something decides:
:func:`set_language` (the CLI's ``auditor --lang zh|en``), the environment
variable ``AUDITOR_LANG``, then the locale's ``LC_ALL``, ``LC_MESSAGES`` and
``LANG`` (the first of them that is set and not empty, as gettext reads them).
A value starting with ``zh`` (``zh``, ``zh_CN.UTF-8``, ``zh-TW``) means Chinese;
anything else (``C``, ``en_GB``, ``fr``) means English, and so does nothing at all.

The catalogue. The English strings in the code and the report's templates are
the msgids; the Chinese lives in one file, ``auditor/locale/zh/LC_MESSAGES/auditor.po``,
in gettext's format, shipped as package data (``auditor.locale``). It is read
as it is shipped, with no compile step: the first string asked for in Chinese
makes Babel parse the .po (``babel.messages.pofile.read_po``) and compile it
into a .mo in memory (``babel.messages.mofile.write_mo``, into a BytesIO),
which the standard library's :class:`gettext.GNUTranslations` loads: the
lookups, plural forms and fallbacks are then gettext's own. Nothing is built
on disk or downloaded, and there is no .mo in the repository to fall out of
step with the .po. English never reads the file (and never imports Babel):
the msgids are the English. Fuzzy entries and entries without a msgstr are
left out of the compiled catalogue, so their English shows. Reading the
catalogue costs about 0.08 s once per process (0.03 s of it importing Babel),
against the 6 s of a cold ``auditor check``; worker processes forked after it
share it, and the language, with the main process.

Marking strings. ``_()`` (:func:`gettext`) translates now, :func:`ngettext`
picks a plural, :func:`pgettext` gives a short word its context (the verdict
"protected" or the status "pass"), and :func:`N_` only marks a string for
extraction where it is defined (a table of labels), to be translated by ``_()``
where it is shown. Messages are ``str.format`` templates with named fields
(``"{n} of {total} documents"``), so a translation can put them in its own
order; in the templates, Jinja's new-style gettext formats them with ``%``
(``_("Publication gate: %(status)s", status=…)``, which escapes the values).
A ``_()`` inside an f-string is not extracted (Babel reads the f-string as one
token): call it outside and put the result in. ``make messages`` re-extracts the msgids (``pybabel extract`` with
``babel.cfg``; the gate's rule texts by :func:`auditor.locale.extract_python`)
and merges them into the .po (``pybabel update``); ``tests/test_i18n.py`` fails
while a msgid of the code or the templates has no Chinese.

What is not translated: machine formats (JSON, SARIF, CSV: their keys, rule
ids, statuses such as ``not-checked``, and their messages), which the CLI makes
in English whatever the language (:func:`using`); place names, paths and
values inside messages; and what the clue finder and the loader write into
the records (a clue's rule, a file's load message), which are data.

``--help`` stays English: click builds it before ``--lang`` is read.

The report's templates get the same functions through Jinja's i18n extension
(:func:`install`): ``{{ _("Overview") }}``, ``{% trans %}`` blocks, and
``html_lang()`` for ``<html lang>``.
"""
from __future__ import annotations

import contextlib
import functools
import gettext as _gettext
import io
import os
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
DOMAIN = "auditor"
# Read in this order; the first that is set and not empty decides.
ENVIRONMENT_VARIABLES = ("AUDITOR_LANG", "LC_ALL", "LC_MESSAGES", "LANG")
# The language of a page as HTML's lang attribute names it.
HTML_LANGUAGES = {"en": "en", "zh": "zh-CN"}

_chosen: str | None = None  # set_language's choice; None: from the environment


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language the first of AUDITOR_LANG, LC_ALL, LC_MESSAGES and LANG that
    is set and not empty starts with (``zh`` for ``zh_CN.UTF-8``), if auditor
    speaks it; ``en`` otherwise."""
    environ = os.environ if environ is None else environ
    for name in ENVIRONMENT_VARIABLES:
        value = environ.get(name, "").strip().lower()
        if value:
            return next((lang for lang in LANGUAGES if value.startswith(lang)), DEFAULT_LANGUAGE)
    return DEFAULT_LANGUAGE


def set_language(lang: str | None) -> None:
    """Speak ``lang`` (``"zh"`` or ``"en"``) from now on; ``None``: as the
    environment says. Anything else is a ValueError."""
    global _chosen
    if lang is not None:
        lang = lang.strip().lower()
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
    _chosen = lang


def language() -> str:
    """The language in use: ``"en"`` or ``"zh"``."""
    return _chosen or language_from_environment()


def html_lang() -> str:
    """The language in use as HTML's lang attribute names it (``zh-CN``)."""
    return HTML_LANGUAGES[language()]


@contextlib.contextmanager
def using(lang: str | None) -> Iterator[None]:
    """Speak ``lang`` inside the block (the CLI makes machine formats in English)."""
    global _chosen
    previous = _chosen
    set_language(lang)
    try:
        yield
    finally:
        _chosen = previous


def catalogue_path(lang: str = "zh"):
    """The .po of ``lang`` (a Traversable inside the installed package)."""
    return resources.files("auditor.locale").joinpath(lang, "LC_MESSAGES", f"{DOMAIN}.po")


@functools.lru_cache(maxsize=None)
def translations(lang: str) -> _gettext.NullTranslations:
    """The catalogue of ``lang``, read from its .po and compiled in memory once
    per process; English is the msgids themselves."""
    if lang == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalogue_path(lang).open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # leaves out fuzzy and untranslated entries
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def gettext(message: str) -> str:
    """``message`` in the language in use."""
    lang = language()
    return message if lang == DEFAULT_LANGUAGE else translations(lang).gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular`` / ``plural`` for ``n``, in the language in use."""
    lang = language()
    if lang == DEFAULT_LANGUAGE:
        return singular if n == 1 else plural
    return translations(lang).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the language in use, as meant in ``context``."""
    lang = language()
    return message if lang == DEFAULT_LANGUAGE else translations(lang).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    lang = language()
    if lang == DEFAULT_LANGUAGE:
        return singular if n == 1 else plural
    return translations(lang).npgettext(context, singular, plural, n)


def listing(items) -> str:
    """Items as a list is written in the language in use: "a, b" in English, "a、b" in Chinese."""
    return pgettext("list separator", ", ").join(items)


def N_(message: str) -> str:
    """Marks ``message`` for extraction only: ``_()`` translates it where it is shown."""
    return message


def install(env: "jinja2.Environment") -> None:
    """Gives a Jinja environment the catalogue: ``_()``, ``gettext``,
    ``ngettext``, ``pgettext`` and ``{% trans %}`` (new-style: the translation
    is formatted with the variables it names, which are escaped), and
    ``html_lang()``. Blocks are trimmed, as ``babel.cfg`` extracts them."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(gettext, ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext)
    env.globals["html_lang"] = html_lang
