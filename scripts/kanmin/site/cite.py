"""What a policy page gives its reader to cite the policy and to report an error in it.

Input: the ``model.Package`` (the one metadata source: the source document's title and
publisher, the dataset's title, publisher, version and date; the Table Schema's field titles), a
policy's row, the site's base and the build's settings (the repository's address, the contact
address). Output: plain strings and URLs for the templates. Nothing is typed here that the
metadata holds: every name, title and label of a citation comes from it.

- ``iri``: the policy's permanent address, the IRI of the RDF data (``rdf.namespaces.Iris``, the
  one pattern of instance IRIs), ``<base>policy/<No>``; it shares its path with the page
  ``policy/<No>.html``, so the w3id.org redirect can send it there.
- ``citation``: a ready-to-copy reference in a Japanese style (著者「文書名」No（国の施策番号）「施策名」。
  公開者『データセット名』版、アドレス（参照 YYYY-MM-DD）) and an English one (the source's
  title given in Japanese, as printed, the usual way to cite a document that has no English title).
  The English one is dated with the source's date (``source_issued``), which the Japanese title
  already says (令和元年10月11日改訂). ``YYYY-MM-DD`` is the reader's access date, to be filled in.
- ``report_url``: the repository's issue form ``.github/ISSUE_TEMPLATE/data-error.yml`` with the
  policy's No, code and the version filled in (GitHub fills a form field from the query parameter
  named like its id); ``report_mail``: a ``mailto:`` with the same subject, for a build that has a
  contact address but no repository. Without either the page says how to report instead.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from ..model import Package, Row
from ..rdf.namespaces import Iris
from . import views

#: The issue form of the repository (.github/ISSUE_TEMPLATE/) that a report opens.
ISSUE_FORM = "data-error.yml"
#: The access date a reader fills in.
ACCESS_DATE = "YYYY-MM-DD"


def iri(row: Row, base: str) -> str:
    """The policy's IRI under the site's base (the RDF's IRI of the same policy)."""
    return Iris(base).policy(row["policy_id"])


def citation(pkg: Package, row: Row, base: str) -> dict[str, str]:
    """The policy's citation text, {"ja": …, "en": …} (see the module docstring)."""
    md = pkg.metadata
    source = md["sources"][0]["title"]
    office, publisher = md["source_publisher"]["name"], md["publisher"]["name"]
    no, code = views.title_of(pkg, "policies", "policy_id"), views.title_of(pkg, "policies", "policy_code")
    version, date, address = md["version"], md["modified"][:10], iri(row, base)
    pid, pcode, name = row["policy_id"], row["policy_code"], row["name"]
    ja = (f"{office['ja']}「{source}」{no['ja']} {pid}（{code['ja']} {pcode}）「{name}」。"
          f"{publisher['ja']}『{md['title']['ja']}』版 {version}（{date}）、{address}（参照 {ACCESS_DATE}）")
    en = (f"{office['en']} ({md['source_issued']}). “{source}”, {_lower(no['en'])} {pid} "
          f"({_lower(code['en'])} {pcode}): “{name}”. In: {publisher['en']}, {md['title']['en']}, "
          f"version {version} ({date}). {address} (accessed {ACCESS_DATE})")
    return {"ja": ja, "en": en}


def _lower(title: str) -> str:
    """A field's title inside an English sentence: "Row number" → "row number"."""
    return title[:1].lower() + title[1:]


def report_title(row: Row) -> str:
    """The title of a report: which policy (No and code)."""
    return f"データの誤り / Data error: No {row['policy_id']} ({row['policy_code']})"


def report_url(repository: str, row: Row, version: str) -> str:
    """The repository's issue form for an error in this policy, its fields filled in."""
    query = {"template": ISSUE_FORM, "title": report_title(row), "policy": str(row["policy_id"]),
             "code": row["policy_code"], "version": version}
    return f"{repository}/issues/new?{urlencode(query, quote_via=quote)}"


def report_mail(email: str, row: Row, version: str) -> str:
    """A ``mailto:`` to the contact address with the report's title (and the version) as subject."""
    return f"mailto:{email}?{urlencode({'subject': f'{report_title(row)}, {version}'}, quote_via=quote)}"
