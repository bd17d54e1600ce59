"""Schemas of the surface-water data endpoints (``/api/v1/water``).

Classes are written as Chinese reports print them (``Ⅱ``, ``劣Ⅴ``) with ``class_number`` 1..6
beside them; colours are the display colours of the section classes (GB 3838-2002 classes as
the national assessment method colours them). Times are ISO 8601 in China Standard Time
(``+08:00``). Missing values are null, never NaN.
"""

from __future__ import annotations

from pydantic import BaseModel


class WaterValues(BaseModel):
    """Measured values in canonical units; null where not measured or not valid.

    ``water_temp`` [degC], ``ph`` [1], ``conductivity`` [uS/cm], ``turbidity`` [NTU],
    ``algae_density`` [cells/L], all others [mg/L].
    """

    water_temp: float | None = None
    ph: float | None = None
    do: float | None = None
    conductivity: float | None = None
    turbidity: float | None = None
    codmn: float | None = None
    nh3_n: float | None = None
    tp: float | None = None
    tn: float | None = None
    chla: float | None = None
    algae_density: float | None = None


class ClassResult(BaseModel):
    """The class of a sample or a period value by the single-factor method (GB 3838-2002 5.1).

    ``deciding`` lists the items (codes) whose class is the section's class; ``meets_target``
    is null when the section has no target class or no class.
    """

    water_class: str | None
    class_number: int | None
    description: str | None
    colour: str | None
    deciding: list[str]
    meets_target: bool | None
    exceedances: list[str]


class SectionLatest(ClassResult):
    """The latest valid cycle of a section, with what a map needs."""

    code: str
    name: str
    water_body: str | None
    water_body_type: str
    basin: str | None
    region_adcode: str
    region_name: str
    lon: float
    lat: float
    target_class: str
    time: str | None
    time_end: str | None
    values: WaterValues


class LatestSections(BaseModel):
    """Every registered section in the caller's scope (``time`` null when none is stored)."""

    rules: str
    items: list[SectionLatest]


class SectionReading(ClassResult):
    """One measuring cycle of a section: its values and their class."""

    time: str
    time_end: str
    values: WaterValues


class SectionSeries(BaseModel):
    """A section's valid readings between two days (CST, inclusive), each classified."""

    code: str
    name: str
    water_body_type: str
    target_class: str
    start: str
    end: str
    rules: str
    items: list[SectionReading]


class SectionAssessment(BaseModel):
    """A section's class over the period (from period means) beside the same period last year."""

    code: str | None
    section: str
    region: str
    basin: str
    section_type: str
    water_class: str | None
    class_number: int | None
    water_class_last_year: str | None
    description: str | None
    colour: str | None
    deciding: list[str]
    target_class: str | None
    meets_target: bool | None
    exceedances: list[str]
    samples: int
    cwqi: float | None
    note: str | None
    values: WaterValues


class GroupAssessment(BaseModel):
    """Figures of a basin or region (``(all)``: every section of the caller's scope).

    Shares are percentages of the classified sections: excellent (Ⅰ-Ⅲ), 劣Ⅴ, and sections that
    meet their target class; ``status`` is the group's 水质状况. ``*_last_year`` are the same
    figures for the same period a year earlier (null when nothing was stored then).
    """

    name: str
    sections: int
    classified: int
    unknown_type: int
    excellent_pct: float | None
    worse_than_v_pct: float | None
    status: str | None
    status_method: str | None
    target_met_pct: float | None
    classified_last_year: int | None
    excellent_pct_last_year: float | None
    worse_than_v_pct_last_year: float | None
    status_last_year: str | None
    target_met_pct_last_year: float | None


class WaterAssessment(BaseModel):
    """Assessment of a month, quarter or year; ``sections`` or ``groups`` is filled by ``by``."""

    period: str
    period_last_year: str
    start: str
    end: str
    by: str
    rules: str
    sections: list[SectionAssessment]
    groups: list[GroupAssessment]
    unknown_type: list[str]


class RefusedRow(BaseModel):
    """A refused cell or row: file, row (header = 1), field, rule and the offending value."""

    file: str
    row: int
    field: str
    rule: str
    value: str


class ImportedFile(BaseModel):
    """What one uploaded file gave."""

    file: str
    samples: int
    readings: int
    inserted: int
    already_stored: int
    published_classes: int
    refused: int


class WaterImportSummary(BaseModel):
    """Result of an upload: per file counts, refused cells and rows (first 1000), failed files."""

    files: list[ImportedFile]
    refused: int
    errors: list[RefusedRow]
    failed_files: list[str]
