"""RDF stage: published package -> linked data (data graph, DCAT-AP catalog), SHACL, SPARQL.

Input: data/curated/metadata.json (schema and dataset metadata, the single source), the CSVs in
data/ and datapackage.json. Output: build/rdf/ (data.ttl, data.nt, data.jsonld, context.jsonld,
catalog.ttl, vocab.ttl, shapes.ttl). Entry points: `build_rdf` and `validate_rdf`; CLI
`kanmin rdf` (and `kanmin rdf --validate`). Example queries are in queries/*.rq.
"""

from .build import build_rdf
from .validate import validate_rdf

__all__ = ["build_rdf", "validate_rdf"]
