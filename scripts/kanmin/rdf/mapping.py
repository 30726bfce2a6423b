"""Tables -> data graph. The mapping says, per table field, which RDF property carries it.

Input: the package model (``kanmin.model.Package``): typed rows (int, bool, str, None) that the
pipeline made once and frictionless validated, foreign keys included; nothing is re-read or
re-typed here. Datatypes come from the Table Schema (integer -> xsd:integer, boolean ->
xsd:boolean, string -> language-tagged text or a plain identifier), so the mapping names only
properties. Every field of the schema must be mapped (`check_mapping`), so a new column cannot
silently go missing from the RDF. Missing cells give no triple; the effect flags stay absent when
unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import DataError, Problem
from ..model import Package
from ..settings import table_path
from .namespaces import DCAT, DCT, FOAF, KD, ORG, PROV, RDFS, SCHEMA, SKOS, Iris, vocab_term
from .serialize import RDF_TYPE, XSD_BOOLEAN, XSD_INTEGER, Lit, Triple, bad_iri


@dataclass(frozen=True)
class F:
    """How one field becomes triples.

    kind: "lit" (literal, datatype from the schema, strings tagged `lang` unless lang == ""),
    "ident" (the row's key as a plain xsd:string, also for integer keys),
    "ref" (object IRI built by `Iris.<target>(value)`), "iri" (the value is an IRI), "concept"
    (vocabulary concept `kd:<target>-<value>`), "parent" (triple parent-policy -> this row, and
    `inverse` back from the row to its policy), "effect" (policy flag for the effect category
    named after the field).
    """

    kind: str
    props: tuple[str, ...] = ()
    lang: str = "ja"
    target: str = ""
    inverse: str = ""


def lit(*props: str, lang: str = "ja") -> F:
    return F("lit", props, lang)


IDENT = F("ident", (DCT + "identifier",))
LABEL = RDFS + "label"
POSITION = lit(SCHEMA + "position")
SOURCE_LINES = {"source_line_start": lit(KD + "sourceLineStart"),
                "source_line_end": lit(KD + "sourceLineEnd")}


@dataclass(frozen=True)
class Shortcut:
    """A direct link from the row's policy to the node a field points at (and back), beside the
    qualified node the row itself becomes (as prov:wasAttributedTo beside prov:qualifiedAttribution)."""

    prop: str
    inverse: str
    target: str
    field: str


@dataclass(frozen=True)
class ResourceMap:
    types: tuple[str, ...] | Callable[[dict], tuple[str, ...]]
    subject: Callable[[Iris, dict], str]
    fields: dict[str, F]
    # rdfs:label of a node whose table has no name field of its own: row -> {lang: text}
    label: Callable[[dict], dict[str, str]] | None = None
    shortcut: Shortcut | None = None


def _ministry_types(row: dict) -> tuple[str, ...]:
    """A collective (関係府省庁, 全府省庁, …) is a group of organisations, not an organisation."""
    if row["kind"] == "collective":
        return (FOAF + "Group", FOAF + "Agent")
    return (ORG + "Organization", FOAF + "Agent")


def _attribution_label(row: dict) -> dict[str, str]:
    lead = row["role"] == "lead"
    return {"ja": f"施策{row['policy_id']}の府省庁{row['position']}：{row['name_as_printed']}{'（◎）' if lead else ''}",
            "en": f"Policy {row['policy_id']}, ministry {row['position']} ({'lead' if lead else 'co-responsible'})"}


def _reference_label(row: dict) -> dict[str, str]:
    """An English label always; a Japanese one only where no caption is printed."""
    label = {"en": f"Reference {row['reference_id']} of policy {row['policy_id']}"}
    if row["label"] is None:
        label["ja"] = f"施策{row['policy_id']}の参考URL {row['position']}"
    return label


def _listing_label(row: dict) -> dict[str, str]:
    return {"ja": f"施策{row['policy_id']}の予算事業{row['position']}",
            "en": f"Policy {row['policy_id']}, budget project {row['position']}"}


MAPPING: dict[str, ResourceMap] = {
    "policies": ResourceMap(
        (KD + "Policy",), lambda i, r: i.policy(r["policy_id"]),
        {"policy_id": IDENT,
         "policy_code": lit(SKOS + "notation", lang=""),
         "name": lit(DCT + "title", LABEL),
         "overview": lit(DCT + "description"),
         "pillar_id": F("ref", (DCT + "subject",), target="pillar"),
         "pillar_as_printed": lit(KD + "pillarAsPrinted"),
         "timing": lit(KD + "timing"),
         "start_fiscal_year": lit(KD + "startFiscalYear"),
         "effect_mark_count": lit(KD + "effectMarkCount"),
         "effect_efficiency": F("effect"),
         "effect_regional_economy": F("effect"),
         "effect_convenience": F("effect"),
         "effect_safety": F("effect"),
         "support_measures": lit(KD + "supportMeasures"),
         **SOURCE_LINES}),
    "ministries": ResourceMap(
        _ministry_types, lambda i, r: i.ministry(r["ministry_id"]),
        {"ministry_id": IDENT,
         "name_ja": lit(SKOS + "prefLabel", FOAF + "name", LABEL),
         "name_en": lit(SKOS + "prefLabel", FOAF + "name", LABEL, lang="en"),
         "kind": F("concept", (DCT + "type",), target="kind")}),
    "policy_ministries": ResourceMap(
        (PROV + "Attribution",), lambda i, r: i.attribution(r["policy_id"], r["position"]),
        {"policy_id": F("parent", (PROV + "qualifiedAttribution",)),
         "position": POSITION,
         "ministry_id": F("ref", (PROV + "agent",), target="ministry"),
         "role": F("concept", (DCAT + "hadRole",), target="role"),
         "name_as_printed": lit(KD + "nameAsPrinted")},
        label=_attribution_label,
        shortcut=Shortcut(PROV + "wasAttributedTo", "", "ministry", "ministry_id")),
    "kpis": ResourceMap(
        (KD + "KPI",), lambda i, r: i.kpi(r["kpi_id"]),
        {"kpi_id": IDENT,
         "policy_id": F("parent", (KD + "kpi",), inverse=DCT + "isPartOf"),
         "kind": F("concept", (DCT + "type",), target="kpi"),
         "position": POSITION,
         "kpi_group": lit(KD + "kpiGroup"),
         "text": lit(RDFS + "label"),
         "not_set": lit(KD + "notSet"),
         **SOURCE_LINES}),
    "policy_references": ResourceMap(
        (KD + "Reference",), lambda i, r: i.reference(r["reference_id"]),
        {"reference_id": IDENT,
         "policy_id": F("parent", (KD + "reference",), inverse=DCT + "isReferencedBy"),
         "position": POSITION,
         "label": lit(LABEL),
         "url": F("iri", (SCHEMA + "url",)),
         "note": lit(KD + "note"),
         "printed_in": F("concept", (KD + "printedIn",), target="column"),
         **SOURCE_LINES},
        label=_reference_label),
    "budget_projects": ResourceMap(
        (KD + "BudgetProject",), lambda i, r: i.budget_project(r["budget_project_id"]),
        {"budget_project_id": IDENT,
         "name": lit(DCT + "title", LABEL)}),
    "policy_budget_projects": ResourceMap(
        (KD + "BudgetProjectListing",), lambda i, r: i.budget_listing(r["policy_id"], r["position"]),
        {"policy_id": F("parent", (KD + "qualifiedBudgetProject",)),
         "position": POSITION,
         "budget_project_id": F("ref", (KD + "budgetProject",), target="budget_project"),
         **SOURCE_LINES},
        label=_listing_label,
        shortcut=Shortcut(KD + "budgetProject", DCT + "isReferencedBy", "budget_project", "budget_project_id")),
    "pillars": ResourceMap(
        (SKOS + "Concept",), lambda i, r: i.pillar(r["pillar_id"]),
        {"pillar_id": IDENT,
         "name_ja": lit(SKOS + "prefLabel", LABEL),
         "name_en": lit(SKOS + "prefLabel", LABEL, lang="en")}),
    "effect_categories": ResourceMap(
        (SKOS + "Concept",), lambda i, r: i.effect_category(r["effect_category_id"]),
        {"effect_category_id": IDENT,
         "position": POSITION,
         "name_ja": lit(SKOS + "prefLabel", LABEL),
         "name_en": lit(SKOS + "prefLabel", LABEL, lang="en")}),
}
# Tables whose rows are the concepts of one SKOS concept scheme titled like the table.
SCHEMES = ("pillars", "effect_categories")
EFFECT_PREFIX = "effect_"


def check_mapping(metadata: dict) -> list[Problem]:
    """The mapping and the schema must name the same resources and fields."""
    problems = []
    resources = {r["name"]: r for r in metadata["resources"]}
    for name in sorted(set(resources) | set(MAPPING)):
        if name not in MAPPING:
            problems.append(Problem("metadata.json", None, f"resource {name!r} has no RDF mapping",
                                    "add it to MAPPING in kanmin/rdf/mapping.py"))
            continue
        if name not in resources:
            problems.append(Problem("metadata.json", None, f"mapped resource {name!r} is not in the schema",
                                    "remove it from MAPPING or add it to the schema"))
            continue
        fields = [f["name"] for f in resources[name]["fields"]]
        for field in fields:
            if field not in MAPPING[name].fields:
                problems.append(Problem(name, None, "field has no RDF mapping; add it to MAPPING",
                                        field=field))
        for field in MAPPING[name].fields:
            if field not in fields:
                problems.append(Problem(name, None, "mapped field is not in the schema", field=field))
    return problems


_DATATYPES = {"integer": XSD_INTEGER, "boolean": XSD_BOOLEAN}


def _lexical(value: object) -> str:
    """Canonical lexical form of a typed cell (booleans true/false, integers in decimal)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def data_triples(package: Package, iris: Iris, source_iri: str) -> set[Triple]:
    """All triples of the data graph; raises DataError with every problem found."""
    triples: set[Triple] = set()
    problems: list[Problem] = []
    effect_ids = {r["effect_category_id"] for r in package.tables["effect_categories"]}
    concept: dict[tuple[str, str], str] = {}  # so that each vocab IRI string is made once
    for name, rmap in MAPPING.items():
        fields = {f["name"]: f for f in package.resource(name)["fields"]}
        file = table_path(name)
        types = rmap.types
        row_types = types if callable(types) else (lambda _row, t=types: t)
        seen: set[str] = set()
        add = triples.add
        for number, row in enumerate(package.tables[name], start=2):
            s = rmap.subject(iris, row)
            if s in seen or bad_iri(s):
                problems.append(Problem(file, None, f"duplicate or unusable key giving IRI {s}", row=number))
                continue
            seen.add(s)
            for t in row_types(row):
                add((s, RDF_TYPE, t))
            if rmap.label:
                for lang, text in rmap.label(row).items():
                    add((s, LABEL, Lit(text, lang)))
            for field, spec in rmap.fields.items():
                value = row[field]
                if value is None:
                    continue
                kind = spec.kind
                if kind == "lit":
                    datatype = _DATATYPES.get(fields[field]["type"], "")
                    o = Lit(_lexical(value), "", datatype) if datatype else Lit(value, spec.lang, "")
                    for p in spec.props:
                        add((s, p, o))
                elif kind == "ident":
                    add((s, spec.props[0], Lit(_lexical(value))))
                elif kind == "ref":
                    add((s, spec.props[0], getattr(iris, spec.target)(value)))
                elif kind == "iri":
                    if bad_iri(value):
                        problems.append(Problem(file, None, f"{value!r} is not an absolute IRI",
                                                row=number, field=field))
                        continue
                    add((s, spec.props[0], value))
                elif kind == "concept":
                    term = concept.get((spec.target, value)) or concept.setdefault(
                        (spec.target, value), vocab_term(spec.target, value))
                    add((s, spec.props[0], term))
                elif kind == "parent":
                    add((iris.policy(value), spec.props[0], s))
                    if spec.inverse:
                        add((s, spec.inverse, iris.policy(value)))
                elif kind == "effect":
                    category = field[len(EFFECT_PREFIX):]
                    if category not in effect_ids:
                        problems.append(Problem(file, None, f"no effect category {category!r}",
                                                row=number, field=field))
                        continue
                    p = KD + ("expectedEffect" if value else "notExpectedEffect")
                    add((s, p, iris.effect_category(category)))
            if "source_line_start" in row:
                add((s, PROV + "wasDerivedFrom", source_iri))
            if rmap.shortcut:
                cut = rmap.shortcut
                policy, other = iris.policy(row["policy_id"]), getattr(iris, cut.target)(row[cut.field])
                add((policy, cut.prop, other))
                if cut.inverse:
                    add((other, cut.inverse, policy))
    if problems:
        raise DataError(problems)
    triples |= scheme_triples(package, iris)
    return triples


def scheme_triples(package: Package, iris: Iris) -> set[Triple]:
    """The concept schemes of the controlled lists kept as tables, titled from the schema."""
    out: set[Triple] = set()
    for name in SCHEMES:
        schema = package.resource(name)
        scheme = iris.scheme(name.replace("_", "-"))
        out.add((scheme, RDF_TYPE, SKOS + "ConceptScheme"))
        for lang, text in schema["title"].items():
            out.add((scheme, DCT + "title", Lit(text, lang)))
            out.add((scheme, LABEL, Lit(text, lang)))
        for lang, text in schema.get("description", {}).items():
            out.add((scheme, DCT + "description", Lit(text, lang)))
        rmap = MAPPING[name]
        for row in package.tables[name]:
            concept_iri = rmap.subject(iris, row)
            out.add((concept_iri, SKOS + "inScheme", scheme))
            out.add((concept_iri, SKOS + "topConceptOf", scheme))
            out.add((scheme, SKOS + "hasTopConcept", concept_iri))
    return out
