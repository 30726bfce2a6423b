"""validate_rdf: check build/rdf/ with the standards' own tools.

1. data.ttl, data.nt and data.jsonld parse (rdflib) and hold the same triples; catalog.ttl,
   vocab.ttl and context.jsonld parse.
2. pyshacl with the project's shapes (shapes.ttl) on the data graph + vocab.ttl.
3. pyshacl with the official DCAT-AP 3.0.1 shapes (shapes.ttl + range.ttl as one shapes graph)
   on catalog + data graph + vocab.ttl: zero violations required.
4. shapes_recommended.ttl: warnings are reported, not failed (the README explains them).
The DCAT-AP shapes are read from `dcat_ap_dir` (env KANMIN_DCAT_AP_DIR, default ../shared/dcat-ap
beside the repository); they are never copied into the project.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyshacl
from rdflib import Graph, Namespace

from ..settings import REPO
from .build import SHAPES_SOURCE

SH = Namespace("http://www.w3.org/ns/shacl#")
DCAT_AP_SHAPES = ("shapes.ttl", "range.ttl")
DCAT_AP_RECOMMENDED = "shapes_recommended.ttl"
FORMATS = {"data.ttl": "turtle", "data.nt": "nt", "data.jsonld": "json-ld"}


def default_dcat_ap_dir() -> Path:
    env = os.environ.get("KANMIN_DCAT_AP_DIR")
    return Path(env) if env else REPO.parent / "shared" / "dcat-ap"


def shacl_results(data: Graph, shapes: Graph) -> list[dict]:
    """Every SHACL result as a plain dict (severity, focus, path, shape, message, value)."""
    _conforms, results, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                                advanced=True)
    out = []
    for result in results.subjects(SH.resultSeverity, None):
        def one(p):
            value = results.value(result, p)
            return None if value is None else str(value)
        out.append({"severity": one(SH.resultSeverity).rsplit("#", 1)[-1],
                    "focus": one(SH.focusNode), "path": one(SH.resultPath),
                    "shape": one(SH.sourceConstraintComponent), "message": one(SH.resultMessage),
                    "value": one(SH.value)})
    return sorted(out, key=lambda r: tuple(str(v) for v in r.values()))


def parse_outputs(out_dir: Path) -> tuple[dict[str, Graph], list[str]]:
    graphs, problems = {}, []
    for name, fmt in FORMATS.items():
        graphs[name] = Graph().parse(out_dir / name, format=fmt)
    reference = set(graphs["data.ttl"])
    for name, graph in graphs.items():
        if set(graph) != reference:  # no blank nodes, so set equality is graph isomorphism
            problems.append(f"{name}: {len(set(graph) ^ reference)} triples differ from data.ttl")
    graphs["catalog.ttl"] = Graph().parse(out_dir / "catalog.ttl", format="turtle")
    graphs["vocab.ttl"] = Graph().parse(out_dir / "vocab.ttl", format="turtle")
    json.loads((out_dir / "context.jsonld").read_text(encoding="utf-8"))
    return graphs, problems


def validate_rdf(out_dir: Path, dcat_ap_dir: Path | None = None) -> dict:
    """Report of all checks; report["ok"] is False if anything but recommendations failed."""
    out_dir = Path(out_dir)
    dcat_ap_dir = Path(dcat_ap_dir) if dcat_ap_dir else default_dcat_ap_dir()
    missing = [n for n in (*FORMATS, "catalog.ttl", "vocab.ttl", "context.jsonld")
               if not (out_dir / n).is_file()]
    if missing:
        return {"ok": False, "problems": [f"{out_dir / n}: missing; run `kanmin rdf` first"
                                          for n in missing]}
    shape_files = [dcat_ap_dir / n for n in (*DCAT_AP_SHAPES, DCAT_AP_RECOMMENDED)]
    absent = [str(p) for p in shape_files if not p.is_file()]
    if absent:
        return {"ok": False, "problems": [f"{p}: DCAT-AP shapes not found; set KANMIN_DCAT_AP_DIR "
                                          "or pass --dcat-ap-dir" for p in absent]}
    graphs, problems = parse_outputs(out_dir)
    # The vocabulary is validated with the data: it types the concepts the data points at.
    data = graphs["data.ttl"] + graphs["vocab.ttl"]

    own = shacl_results(data, Graph().parse(SHAPES_SOURCE, format="turtle"))
    dcat_shapes = Graph()
    for name in DCAT_AP_SHAPES:
        dcat_shapes.parse(dcat_ap_dir / name, format="turtle")
    combined = graphs["catalog.ttl"] + data
    dcat = shacl_results(combined, dcat_shapes)
    recommended = shacl_results(combined, Graph().parse(dcat_ap_dir / DCAT_AP_RECOMMENDED,
                                                        format="turtle"))
    violations = [r for r in own + dcat if r["severity"] == "Violation"]
    return {
        "ok": not problems and not violations,
        "problems": problems,
        "triples": {name: len(g) for name, g in graphs.items()},
        "own_shapes": own,
        "dcat_ap": dcat,
        "dcat_ap_recommended": recommended,
    }
