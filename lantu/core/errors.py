"""Shared error type for the pure cores.

Errors carry a machine-readable ``code`` and ``params`` so that callers (forms,
APIs, import reports) can react to the kind of problem, plus ready-made
messages in Chinese and English built from per-class templates.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import ClassVar

__all__ = ["LantuValueError"]

# Long user input (e.g. a whole pasted cell) would swamp a message; the full
# value stays available in ``params``.
_MAX_SHOWN = 40


class LantuValueError(ValueError):
    """A value was refused; subclasses supply message templates per code.

    Parameters
    ----------
    code
        Machine-readable reason, e.g. ``"incompatible"``.
    params
        Values the messages are built from, e.g. ``{"from_unit": "亿元"}``.

    Attributes
    ----------
    code : str
        The reason code.
    params : dict[str, object]
        A copy of the parameters.
    """

    templates_zh: ClassVar[Mapping[str, str]] = {}
    templates_en: ClassVar[Mapping[str, str]] = {}

    code: str
    params: dict[str, object]

    def __init__(self, code: str, params: Mapping[str, object] | None = None) -> None:
        self.code = code
        self.params = dict(params or {})
        # Passing both to ValueError keeps the exception picklable.
        super().__init__(code, self.params)

    @property
    def message_zh(self) -> str:
        """Human-readable message in Chinese."""
        return self._render(self.templates_zh, "zh")

    @property
    def message_en(self) -> str:
        """Human-readable message in English."""
        return self._render(self.templates_en, "en")

    def __str__(self) -> str:
        """Return the Chinese message, the one shown to users."""
        return self.message_zh

    def __repr__(self) -> str:
        """Show the code and parameters, which is what a developer needs."""
        return f"{type(self).__name__}(code={self.code!r}, params={self.params!r})"

    def _display_params(self, lang: str) -> dict[str, object]:
        """Turn ``params`` into strings fit for the message templates."""
        separator = "、" if lang == "zh" else ", "
        shown: dict[str, object] = {}
        for key, value in self.params.items():
            if isinstance(value, (list, tuple, Set)):
                shown[key] = separator.join(str(item) for item in value)
            elif isinstance(value, str) and len(value) > _MAX_SHOWN:
                shown[key] = value[:_MAX_SHOWN] + "…"
            else:
                shown[key] = value
        return shown

    def _render(self, templates: Mapping[str, str], lang: str) -> str:
        template = templates.get(self.code)
        if template is None:
            return f"{self.code}: {self.params}"
        try:
            return template.format_map(self._display_params(lang))
        except (KeyError, IndexError, ValueError):
            # A missing parameter must not hide the original error.
            return f"{self.code}: {self.params}"
