"""Reading municipal and ministry extracts into the database (docs/formats.md).

>>> from loaders import import_files            # doctest: +SKIP
>>> for r in import_files(db, [Path("trivsel.csv")]):
...     print(r.summary())
"""

from loaders.importer import ImportRejected, ImportResult, detect_kind, import_files

__all__ = ["ImportRejected", "ImportResult", "detect_kind", "import_files"]
