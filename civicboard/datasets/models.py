"""Dataset and Distribution: one entry of the city's catalog and its files and APIs."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civicboard.extensions import db
from civicboard.timeutil import utcnow

MANUAL_SOURCE = "manual"


class DatasetStatus(enum.StrEnum):
    """Datasets are never deleted: a dataset gone from its catalog is withdrawn."""

    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class Dataset(db.Model):
    """A catalog entry, normalised from DCAT-US, CKAN or Socrata (or added by staff)."""

    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(80), nullable=False, default=MANUAL_SOURCE)
    source_id: Mapped[str] = mapped_column(String(255), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    theme: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    publisher: Mapped[str | None] = mapped_column(String(255), nullable=True)
    contact_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    landing_page: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    license: Mapped[str | None] = mapped_column(String(500), nullable=True)
    spatial: Mapped[str | None] = mapped_column(String(500), nullable=True)
    temporal: Mapped[str | None] = mapped_column(String(255), nullable=True)
    accrual_periodicity: Mapped[str | None] = mapped_column(String(60), nullable=True)
    modified: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    issued: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=DatasetStatus.ACTIVE.value, nullable=False)
    # A digest of the normalised record, so a re-import can tell "unchanged" cheaply.
    content_hash: Mapped[str] = mapped_column(String(64), default="", nullable=False)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow, nullable=False)
    # Stored counters, kept exact by the services that change problems and votes.
    problem_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    demand: Mapped[int] = mapped_column(Integer, default=0, nullable=False)

    distributions: Mapped[list[Distribution]] = relationship(
        "Distribution",
        back_populates="dataset",
        cascade="all, delete-orphan",
        order_by="Distribution.position",
        lazy="select",
    )

    __table_args__ = (
        UniqueConstraint("source", "source_id", name="uq_datasets_source_source_id"),
        Index("ix_datasets_title", "title"),
        Index("ix_datasets_status", "status"),
        Index("ix_datasets_demand", "demand"),
        Index("ix_datasets_problem_count", "problem_count"),
        Index("ix_datasets_modified", "modified"),
    )

    @property
    def is_withdrawn(self) -> bool:
        return self.status == DatasetStatus.WITHDRAWN

    def __repr__(self) -> str:
        return f"<Dataset {self.id} {self.title!r}>"


class Distribution(db.Model):
    """A file or API of a dataset: title, URL, media type or format."""

    __tablename__ = "distributions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    title: Mapped[str | None] = mapped_column(String(300), nullable=True)
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    media_type: Mapped[str | None] = mapped_column(String(120), nullable=True)
    format: Mapped[str | None] = mapped_column(String(60), nullable=True)

    dataset: Mapped[Dataset] = relationship(Dataset, back_populates="distributions")

    __table_args__ = (Index("ix_distributions_dataset_id", "dataset_id"),)


class CatalogSource(db.Model):
    """A catalog the city publishes, re-imported by `flask datasets refresh`."""

    __tablename__ = "catalog_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The key datasets carry in Dataset.source.
    name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    format: Mapped[str] = mapped_column(String(20), default="auto", nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class RunStatus(enum.StrEnum):
    """An import run is queued, then running, then succeeded or failed."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


#: The statuses of a run that has not finished.
ACTIVE_RUN_STATUSES = (RunStatus.QUEUED.value, RunStatus.RUNNING.value)


class ImportRun(db.Model):
    """One import of a catalog: who asked, when it was queued, ran and finished, what changed, any error.

    Runs from the command line are written when they end; a staff "refresh now" writes a
    queued run first, which a background runner claims (queued -> running) and finishes.
    """

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(80), nullable=False)
    location: Mapped[str] = mapped_column(String(2000), default="", nullable=False)
    format: Mapped[str | None] = mapped_column(String(20), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=RunStatus.SUCCEEDED.value, nullable=False)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    queued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    # None while the run waits in the queue.
    started_at: Mapped[datetime | None] = mapped_column(DateTime, default=utcnow, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    added: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    updated: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    unchanged: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    skipped: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    skipped_reasons: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        Index("ix_import_runs_source", "source", "started_at"),
        Index("ix_import_runs_status", "status"),
    )

    @property
    def is_active(self) -> bool:
        """True while the run is queued or running."""
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def is_failed(self) -> bool:
        return self.status == RunStatus.FAILED or self.error is not None
