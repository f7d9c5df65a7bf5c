"""/data.json: the board's own exports described as a DCAT-US 1.1 (Project Open Data) catalog.

A city is a non-federal publisher, so datasets follow the non-federal schema (no bureauCode or
programCode), but carry every field the federal one asks for as well: keyword, modified, ...
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from civicboard.interop.links import site_url_for
from civicboard.timeutil import isoformat_z, utcnow

CONFORMS_TO = "https://project-open-data.cio.gov/v1.1/schema"
CONTEXT = "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld"
DESCRIBED_BY = "https://project-open-data.cio.gov/v1.1/schema/catalog.json"
GEOREPORT_SPEC = "http://wiki.open311.org/GeoReport_v2"


def _distribution(title: str, media_type: str, fmt: str, *, download: str | None = None, access: str | None = None):
    item: dict[str, Any] = {"@type": "dcat:Distribution", "title": title, "format": fmt, "mediaType": media_type}
    if download:
        item["downloadURL"] = download
    if access:
        item["accessURL"] = access
    return item


def build_catalog(
    config: dict[str, Any], modified: datetime | None, outcomes_modified: datetime | None = None
) -> dict[str, Any]:
    """The catalog for this site.

    `modified` is when the stored export was built (or, before the first one, when visible
    problems last changed); `outcomes_modified` when the stored insights figures were computed
    (the export's time when there are none yet).
    """
    site, city = config["SITE_NAME"], config["CITY_NAME"]
    publisher = {"@type": "org:Organization", "name": f"{site} {city}"}
    contact = {
        "@type": "vcard:Contact",
        "fn": config.get("CONTACT_NAME") or f"{site} team",
        "hasEmail": "mailto:" + config["CONTACT_EMAIL"],
    }
    license_url = config["CONTENT_LICENSE_URL"]
    # An empty board has never changed; "now" is the honest answer to "as of when".
    modified_text = isoformat_z(modified or utcnow())
    outcomes_text = isoformat_z(outcomes_modified) if outcomes_modified else modified_text
    common = {
        "accessLevel": "public",
        "license": license_url,
        "rights": f"User contributions are published under {config['CONTENT_LICENSE_NAME']}.",
        "publisher": publisher,
        "contactPoint": contact,
        "spatial": city,
        "language": ["en-US"],
        "landingPage": site_url_for("problems.index"),
    }
    problems = {
        "@type": "dcat:Dataset",
        "identifier": site_url_for("interop.export_json").removesuffix(".json"),
        "title": f"{site} {city}: problems proposed by residents",
        "description": (
            f"Every visible problem and data request on {site} for {city}: title, status, category, "
            "neighbourhood, the datasets it is tied to, votes, comments, and the latest official "
            "response from city staff. Hidden (moderated) content is left out."
        ),
        "keyword": ["civic problems", "open data", "service requests", "data requests", city.lower()],
        "modified": modified_text,
        "accrualPeriodicity": "R/PT1H",
        "distribution": [
            _distribution("Problems (CSV)", "text/csv", "CSV", download=site_url_for("interop.export_csv")),
            _distribution("Problems (JSON)", "application/json", "JSON", download=site_url_for("interop.export_json")),
            _distribution(
                "Newest problems (Atom feed)",
                "application/atom+xml",
                "Atom",
                access=site_url_for("interop.problems_feed"),
            ),
            {
                **_distribution(
                    "Problems as service requests (Open311 GeoReport v2)",
                    "application/json",
                    "API",
                    access=site_url_for("interop.open311_discovery"),
                ),
                "conformsTo": GEOREPORT_SPEC,
            },
        ],
    }
    outcomes = {
        "@type": "dcat:Dataset",
        "identifier": site_url_for("insights.index"),
        "title": f"{site} {city}: response times and outcomes",
        "description": (
            "Aggregate figures on how the city answers residents: problems by status, median and "
            "90th-percentile time to a first official response and to resolution (overall, by "
            "department and by dataset), and new and resolved problems per month."
        ),
        "keyword": ["performance", "response times", "open data", city.lower()],
        "modified": outcomes_text,
        "accrualPeriodicity": "R/P1D",
        "distribution": [
            _distribution("Outcome figures (CSV)", "text/csv", "CSV", download=site_url_for("insights.figures_csv")),
            _distribution("Outcomes dashboard", "text/html", "HTML", access=site_url_for("insights.index")),
        ],
    }
    return {
        "@context": CONTEXT,
        "@id": site_url_for("interop.data_json"),
        "@type": "dcat:Catalog",
        "conformsTo": CONFORMS_TO,
        "describedBy": DESCRIBED_BY,
        "dataset": [{**problems, **common}, {**outcomes, **common}],
    }
