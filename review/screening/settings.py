"""The screening protocol of a project, declared once, with a default and a help text per setting.

Stored in `Project.settings["screening"]` (only the values that differ from the defaults need be
there); read with `ProtocolSettings.from_stored`, listed for the settings page with
`describe_settings`, changed through `review.screening.service.update_settings` (owner only).

>>> ProtocolSettings().reviewers_required("full_text")
2
>>> ProtocolSettings.from_stored({"blinding": False, "unknown": 1}).blinding
False
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from review.screening.model import Stage, parse_stage

SETTINGS_KEY = "screening"
"""The key of `Project.settings` that holds the protocol."""

DEFAULT_EXCLUSION_REASONS: tuple[str, ...] = (
    "Wrong population",
    "Wrong concept",
    "Wrong context",
    "Wrong publication type",
    "Not in an included language",
    "No full text, only an abstract",
)

SCREENING_ORDERS: tuple[str, ...] = ("random", "prioritised")
"""The queue orders a project may choose (`ProtocolSettings.screening_order`)."""


def _setting(default: Any, help: str) -> Any:
    """A dataclass field with a default and the help text the settings page shows beside it."""
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class ProtocolSettings:
    """How a project screens. Lists are tuples so that a settings value can be shared safely."""

    # -- eligibility criteria (Population, Concept, Context), shown beside every record --------
    population: str = _setting("", "Population: who the included studies are about.")
    concept: str = _setting("", "Concept: what the review maps.")
    context: str = _setting("", "Context: settings, countries, periods the review covers.")
    inclusion_criteria: tuple[str, ...] = _setting((), "Inclusion criteria, one per line.")
    exclusion_criteria: tuple[str, ...] = _setting((), "Exclusion criteria, one per line.")
    # -- who decides ----------------------------------------------------------------------------
    reviewers_title_abstract: int = _setting(
        2,
        "Reviewers needed per record at title/abstract: a record leaves every queue once this "
        "many reviewers have decided it.",
    )
    reviewers_full_text: int = _setting(2, "Reviewers needed per record at full text.")
    blinding: bool = _setting(
        True,
        "Blind screening: while on, a reviewer sees only their own decisions (the owner sees all; "
        "conflicts are shown to the resolver without reviewer names).",
    )
    maybe_counts_as_include: bool = _setting(
        True,
        "A Maybe counts as Include when decisions are compared (conflicts, agreement). Off: Maybe is "
        "a category of its own, and Include against Maybe is a conflict.",
    )
    exclusion_reasons: tuple[str, ...] = _setting(
        DEFAULT_EXCLUSION_REASONS,
        "Reasons offered when excluding; a reason is required at full text (PRISMA counts "
        "full-text exclusions by reason).",
    )
    # -- reading aids ---------------------------------------------------------------------------
    highlight_include: tuple[str, ...] = _setting(
        (), "Words highlighted in green in titles and abstracts (terms suggesting inclusion)."
    )
    highlight_exclude: tuple[str, ...] = _setting(
        (), "Words highlighted in red (terms suggesting exclusion, e.g. 'protocol', 'rats')."
    )
    # -- calibration --------------------------------------------------------------------------
    pilot_size: int = _setting(
        25,
        "Calibration pilot: the first this-many records of the title/abstract queue are screened by "
        "every reviewer before the rest (0: no pilot).",
    )
    pilot_pass_mark: float = _setting(
        0.75, "Percent agreement (0-1) the pilot must reach (JBI guidance for scoping reviews: 75%)."
    )
    agreement_batch_size: int = _setting(50, "Records per batch in the kappa-over-time chart.")
    # -- queue order ----------------------------------------------------------------------------
    screening_order: str = _setting(
        "random",
        "Order of the title/abstract queue: random (the same stable random order for everyone), or "
        "prioritised (each reviewer's queue puts the records most like the includes first, learnt "
        "only from that reviewer's own decisions and the team's final ones, so it never reveals "
        "another reviewer's blind decisions).",
    )

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """ValueError naming the setting that is out of range."""
        for name in ("reviewers_title_abstract", "reviewers_full_text"):
            if not 1 <= getattr(self, name) <= 20:
                raise ValueError(f"{name} must be between 1 and 20, not {getattr(self, name)}")
        if self.pilot_size < 0:
            raise ValueError("pilot_size must not be negative")
        if not 0.0 <= self.pilot_pass_mark <= 1.0:
            raise ValueError(f"pilot_pass_mark must be between 0 and 1, not {self.pilot_pass_mark}")
        if self.screening_order not in SCREENING_ORDERS:
            raise ValueError(
                f"screening_order must be one of {', '.join(SCREENING_ORDERS)}, not {self.screening_order!r}"
            )
        if self.agreement_batch_size < 1:
            raise ValueError("agreement_batch_size must be at least 1")
        reasons = [reason.strip() for reason in self.exclusion_reasons]
        if any(not reason for reason in reasons):
            raise ValueError("an exclusion reason must not be empty")

    @property
    def prioritised(self) -> bool:
        """Is the title/abstract queue ranked per reviewer (`review.screening.priority_queue`)?"""
        return self.screening_order == "prioritised"

    def reviewers_required(self, stage: str) -> int:
        """How many reviewers must decide a record at `stage`."""
        if parse_stage(stage) == Stage.FULL_TEXT:
            return self.reviewers_full_text
        return self.reviewers_title_abstract

    def with_values(self, **changes: Any) -> ProtocolSettings:
        """A copy with some settings changed (lists become tuples; checked by `validate`)."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown screening settings: {', '.join(unknown)}")
        return replace(self, **{name: _frozen(value) for name, value in changes.items()})

    def to_stored(self) -> dict[str, Any]:
        """The values as JSON-able data for `Project.settings["screening"]`."""
        return {
            name: list(value) if isinstance(value, tuple) else value for name, value in asdict(self).items()
        }

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any] | None) -> ProtocolSettings:
        """The settings from stored data; unknown keys (from a newer version) are ignored."""
        known = {f.name for f in fields(cls)}
        values = {name: _frozen(value) for name, value in (stored or {}).items() if name in known}
        return cls(**values)


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


@dataclass(frozen=True)
class SettingInfo:
    """One setting as the settings page shows it."""

    name: str
    default: Any
    value: Any
    help: str


def describe_settings(settings: ProtocolSettings | None = None) -> list[SettingInfo]:
    """Every setting with its default, current value and help text, in declared order.

    >>> [s.name for s in describe_settings()][:3]
    ['population', 'concept', 'context']
    """
    current = settings or ProtocolSettings()
    return [
        SettingInfo(f.name, f.default, getattr(current, f.name), str(f.metadata.get("help", "")))
        for f in fields(ProtocolSettings)
    ]


def project_settings(settings_json: Mapping[str, Any] | None) -> ProtocolSettings:
    """The protocol from a whole `Project.settings` value."""
    return ProtocolSettings.from_stored((settings_json or {}).get(SETTINGS_KEY))
