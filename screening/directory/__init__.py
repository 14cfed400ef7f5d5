"""The service directory: Open Referral HSDS 3.0 packages imported into the database.

`import_package` checks a package completely and then writes it in one
transaction; see `importer.py` for the rules and the reasons for them,
`hsds.py` for the HSDS 3.0 files and fields it reads, and `tables.py` for the
tables (registered on screening.records.models.metadata when this package is
imported).
"""
from .importer import ImportProblem, ImportReport, PackageRefused, TableCount, import_package
from .tables import DIRECTORY_TABLES, directory_imports

__all__ = [
    "DIRECTORY_TABLES", "ImportProblem", "ImportReport", "PackageRefused", "TableCount",
    "directory_imports", "import_package",
]
