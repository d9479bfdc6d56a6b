"""Static files from npm: exactly the files the pages load, not whole ``dist`` folders.

ECharts' ``dist`` folder alone is about 50 MB (source maps, ES-module and unminified builds);
collecting and compressing all of it made every ``lantu serve`` start take close to a minute.
The pages load three files, so those three are what ``collectstatic`` sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, overload

from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage

from lantu.env import BASE_DIR

NODE_MODULES = BASE_DIR / "node_modules"
#: URL path under STATIC_URL → file under node_modules.
VENDOR_FILES: dict[str, str] = {
    "vendor/htmx/htmx.min.js": "htmx.org/dist/htmx.min.js",
    "vendor/echarts/echarts.min.js": "echarts/dist/echarts.min.js",
    "vendor/echarts/echarts.common.min.js": "echarts/dist/echarts.common.min.js",
}


class VendorFinder(BaseFinder):
    """Finds the listed npm files; ``make install`` (npm ci) puts them in node_modules."""

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        missing = [name for name in VENDOR_FILES.values() if not (NODE_MODULES / name).is_file()]
        return [
            Error(f"node_modules/{name} is missing: run `make install` (npm ci)", id="lantu.E001") for name in missing
        ]

    @overload
    def find(self, path: str, find_all: Literal[False] = False) -> str | None: ...
    @overload
    def find(self, path: str, find_all: Literal[True]) -> list[str]: ...
    def find(self, path: str, find_all: bool = False) -> str | list[str] | None:
        source = VENDOR_FILES.get(path)
        found = str(NODE_MODULES / source) if source and (NODE_MODULES / source).is_file() else None
        if find_all:
            return [found] if found else []
        return found

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        for url_path, source in VENDOR_FILES.items():
            file = NODE_MODULES / source
            if not file.is_file():
                continue
            storage = FileSystemStorage(location=str(file.parent))
            # collectstatic writes the file at prefix/name, i.e. the URL path.
            storage.prefix = str(Path(url_path).parent)  # type: ignore[attr-defined]
            yield file.name, storage
