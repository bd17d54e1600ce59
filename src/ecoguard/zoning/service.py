"""Zoning service: the stored layers and access lists under ``ECOGUARD_HOME/zoning``.

The facade that interfaces call. A FastAPI router can hold one :class:`ZoningService` (built
with :meth:`ZoningService.from_settings` in a dependency) and call :meth:`ZoningService.screen`
directly; the index is built on first use and rebuilt after an import.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ecoguard.config import Settings, get_settings
from ecoguard.zoning.demo import Boundary, DemoLayers, demo_layers
from ecoguard.zoning.importer import LayerImport, RulesImport, read_layer, read_rules
from ecoguard.zoning.layers import Layer
from ecoguard.zoning.model import LayerKind, Project, ScreeningResult
from ecoguard.zoning.screening import ZoningIndex
from ecoguard.zoning.store import (
    RULES,
    load_layer,
    load_rules,
    save_layer,
    save_rules,
    versions,
)


class ZoningNotLoadedError(LookupError):
    """No control units are stored yet."""


class ZoningService:
    """Import, store and screen against the zoning layers of one home directory.

    Parameters
    ----------
    root : Path
        The ``zoning`` folder (``ECOGUARD_HOME/zoning``).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._index: ZoningIndex | None = None
        self._built_from: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> ZoningService:
        """Service over ``<home>/zoning`` of the given (or the environment's) settings."""
        return cls((settings or get_settings()).home / "zoning")

    def import_layer(
        self,
        path: Path,
        kind: LayerKind,
        mapping: dict[str, str] | None = None,
        *,
        layer_name: str | None = None,
        crs: str | None = None,
        encoding: str | None = None,
    ) -> tuple[LayerImport, Path | None]:
        """Read a layer file and store the accepted features as a new version.

        Returns the import result and the stored file (``None`` when nothing was accepted).
        """
        result = read_layer(path, kind, mapping, layer_name=layer_name, crs=crs, encoding=encoding)
        stored = save_layer(self.root, result.layer) if len(result.layer) else None
        self._index = None
        return result, stored

    def import_rules(
        self, path: Path, mapping: dict[str, str] | None = None, *, sheet: str | None = None
    ) -> tuple[RulesImport, Path | None]:
        """Read an access-list workbook and store the accepted clauses as a new version."""
        result = read_rules(path, mapping, sheet=sheet)
        stored = save_rules(self.root, result.rules, source=str(path)) if result.rules else None
        self._index = None
        return result, stored

    def install_demo(
        self, boundaries: Sequence[Boundary] | None, province: str = "650000"
    ) -> DemoLayers:
        """Generate and store the demo layer set (see :mod:`ecoguard.zoning.demo`)."""
        demo = demo_layers(boundaries, province)
        for layer in (demo.units, demo.redlines, demo.reserves):
            save_layer(self.root, layer)
        save_rules(self.root, demo.rules, source="demo")
        self._index = None
        return demo

    def layer(self, kind: LayerKind) -> Layer | None:
        """The latest stored version of a layer."""
        return load_layer(self.root, kind)

    def status(self) -> dict[str, dict[str, object]]:
        """Stored versions and sizes of each layer and of the rules."""
        out: dict[str, dict[str, object]] = {}
        for kind in LayerKind:
            have = versions(self.root, kind.value)
            layer = load_layer(self.root, kind) if have else None
            out[kind.value] = {
                "versions": len(have),
                "latest": have[-1] if have else "",
                "features": len(layer or ()),
            }
        have = versions(self.root, RULES)
        out[RULES] = {
            "versions": len(have),
            "latest": have[-1] if have else "",
            "features": len(load_rules(self.root)),
        }
        return out

    def index(self) -> ZoningIndex:
        """The screening index over the latest stored versions.

        Built on first use and cached; rebuilt when another process has stored a newer
        version since (checked by listing the version folders, which is cheap).

        Raises
        ------
        ZoningNotLoadedError
            When no control units are stored.
        """
        latest = self._latest()
        if self._index is None or latest != self._built_from:
            units = load_layer(self.root, LayerKind.UNITS)
            if units is None or not len(units):
                raise ZoningNotLoadedError(
                    f"no control units under {self.root}: run `ecoguard zoning import units FILE` "
                    "or `ecoguard zoning demo`"
                )
            self._index = ZoningIndex(
                units,
                load_rules(self.root),
                load_layer(self.root, LayerKind.REDLINES),
                load_layer(self.root, LayerKind.RESERVES),
                rules_version=latest[-1],
            )
            self._built_from = latest
        return self._index

    def _latest(self) -> tuple[str, ...]:
        kinds = [k.value for k in LayerKind] + [RULES]
        return tuple((versions(self.root, k) or [""])[-1] for k in kinds)

    def screen(self, project: Project) -> ScreeningResult:
        """Screen one project against the stored layers and lists."""
        return self.index().screen(project)

    def screen_many(self, projects: Sequence[Project]) -> list[ScreeningResult]:
        """Screen many projects at once."""
        return self.index().screen_many(projects)
