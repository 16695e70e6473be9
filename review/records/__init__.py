"""Bibliographic records: the canonical Record, readers, writers and deduplication."""

from review.records.model import CANONICAL_FIELDS, LIST_FIELDS, Record

__all__ = ["CANONICAL_FIELDS", "LIST_FIELDS", "Record"]
