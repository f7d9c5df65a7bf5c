"""/api/v1/datasets: the open-data catalog, and staff's datasets added or corrected by hand.

A city catalog is a few thousand rows, so the list pages by number (`page`, as the catalog
page does): even the last page is cheap.
"""

from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import gettext as _

from civicboard.api import serializers
from civicboard.api.core import (
    OPTIONAL_TEXT,
    ROWS,
    TERMS,
    TEXT,
    acting_user,
    choice_arg,
    created_response,
    int_arg,
    json_body,
    limit_arg,
    list_response,
    page_url,
    take,
    text_arg,
)
from civicboard.datasets import queries, services
from civicboard.datasets.models import Dataset, DatasetStatus
from civicboard.extensions import db
from civicboard.links import absolute_url

bp = Blueprint("datasets", __name__, url_prefix="/datasets")

DATASET_FIELDS = {
    "title": TEXT,
    "description": OPTIONAL_TEXT,
    "publisher": OPTIONAL_TEXT,
    "keywords": TERMS,
    "theme": TERMS,
    "landing_page": OPTIONAL_TEXT,
    "license": OPTIONAL_TEXT,
    "accrual_periodicity": OPTIONAL_TEXT,
    "contact_name": OPTIONAL_TEXT,
    "contact_email": OPTIONAL_TEXT,
    "distributions": ROWS,
    "status": TEXT,
}
STATUSES = [s.value for s in DatasetStatus]


def dataset_or_404(dataset_id: int) -> Dataset:
    """A dataset (withdrawn ones too: they stay citable), else 404."""
    dataset = queries.get_dataset(dataset_id)
    if dataset is None:
        abort(404, _("There is no dataset %(id)s.", id=dataset_id))
    return dataset


def dataset_url(dataset: Dataset) -> str:
    """The dataset's address in the API."""
    return absolute_url("api.datasets.show", dataset_id=dataset.id)


@bp.get("")
def list_datasets():
    """Datasets matching q/keyword/publisher/theme/status, in the chosen order, by page."""
    filters = queries.DatasetFilters(
        q=text_arg("q"),
        keyword=text_arg("keyword"),
        publisher=text_arg("publisher", 255),
        theme=text_arg("theme"),
        status=choice_arg("status", STATUSES, DatasetStatus.ACTIVE.value),
        sort=choice_arg("sort", list(queries.SORTS), queries.DEFAULT_SORT),
    )
    page_number = int_arg("page", default=1, maximum=queries.MAX_PAGE) or 1
    page = queries.list_datasets(filters, page=page_number, per_page=limit_arg(), with_facets=False)
    has_next = page.has_next and page_number < queries.MAX_PAGE
    next_url = page_url("api.datasets.list_datasets", str(page_number + 1) if has_next else None, name="page")
    return list_response([serializers.dataset(d) for d in page.items], page.total, next_url)


@bp.get("/<id:dataset_id>")
def show(dataset_id: int):
    """One dataset with its distributions."""
    return serializers.dataset(dataset_or_404(dataset_id))


@bp.post("")
def create():
    """Add a dataset by hand (staff); 201 with its Location."""
    user = acting_user()
    dataset = services.create_dataset(user, take(json_body(), DATASET_FIELDS))
    db.session.commit()
    dataset = dataset_or_404(dataset.id)
    return created_response(serializers.dataset(dataset), dataset_url(dataset))


@bp.patch("/<id:dataset_id>")
def update(dataset_id: int):
    """Change some of a dataset's fields, or withdraw it (`status`) (staff)."""
    user = acting_user()
    dataset = dataset_or_404(dataset_id)
    services.update_dataset(user, dataset, take(json_body(), DATASET_FIELDS))
    db.session.commit()
    return serializers.dataset(dataset_or_404(dataset_id))
