"""Three lines, one list (三线一单): control units, access lists and project screening.

Modules, functional core first:

- :mod:`~ecoguard.zoning.model`: vocabulary (categories, levels, dimensions, verdicts) and results;
- :mod:`~ecoguard.zoning.industry`: GB/T 4754 selectors and the 两高 tag;
- :mod:`~ecoguard.zoning.rules`: access-list parsing, 1+5+15+N inheritance, per-clause verdicts;
- :mod:`~ecoguard.zoning.geometry`: CRS handling, validity repair, equal-area measures;
- :mod:`~ecoguard.zoning.screening`: the STRtree screening engine and its boundary tie-break;
- :mod:`~ecoguard.zoning.layers`, :mod:`~ecoguard.zoning.demo`: layer tables, generated demo data;
- edges: :mod:`~ecoguard.zoning.importer`, :mod:`~ecoguard.zoning.projects`,
  :mod:`~ecoguard.zoning.enterprises`, :mod:`~ecoguard.zoning.store`,
  :mod:`~ecoguard.zoning.export`, :mod:`~ecoguard.zoning.mapdraw`, :mod:`~ecoguard.zoning.report`;
- :mod:`~ecoguard.zoning.service`: the facade the CLI and the API call.
"""
