"""RDF stage: published package -> linked data (data graph, DCAT-AP catalog), SHACL, SPARQL.

Input: data/curated/metadata.json (schema and dataset metadata, the single source), the CSVs in
data/ and datapackage.json. Output: build/rdf/ (data.ttl, data.nt, data.jsonld, context.jsonld,
catalog.ttl, vocab.ttl, shapes.ttl). Entry points: `build_rdf` and `validate_rdf`; CLI
`kanmin rdf` (and `kanmin rdf --validate`). Example queries are in queries/*.rq.
"""

__all__ = ["build_rdf", "validate_rdf"]


def __getattr__(name: str):
    # Imported on first use (PEP 562): rdflib and pySHACL take half a second to load, and
    # `kanmin linkcheck` or `kanmin --help` should not pay for them.
    if name == "build_rdf":
        from .build import build_rdf
        return build_rdf
    if name == "validate_rdf":
        from .validate import validate_rdf
        return validate_rdf
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
