"""The learning estimate of one simulated year, from what was delivered to each student.

Input is plain data (`Delivered`: arrays per student and per teacher), never the engine. Each
student gets one exposure per feature, in the unit its effect size is per (docs/outcomes.md):

- tutoring.<kind>.<size>: 1 for a student who received at least the threshold's sessions a
  week (a threshold, not minutes times a slope: Wanzek et al. 2016 find no difference by
  hours), split by who delivered the minutes and in what group size; 0 below the threshold;
- coaching: the share of the student's teachers observed at least the threshold's times a week;
- mcl_team: the share of days on a team whose multi-classroom leader was in post;
- class_size: how much smaller the student's class is than 22, in STAR's 7-student contrast;
- teacher_absence, student_absence: days.

Overlaps: an MCL team's effect was measured for the team as a whole (Backes & Hansen 2018):
the leader coaching the team's teachers and the small-group teaching the leader and the team's
teachers do. So for the share of days a student is on such a team, its teachers' coaching and
the small groups its own team's teachers gave are not counted again. Tutoring by tutors,
residents, paraprofessionals or volunteers, on the team or off it, and small groups from
teachers outside the team, still count. Levers are otherwise added.

The estimate is linear in the effect sizes: for a group of students (all, or one need tier)
it is the group's mean exposures times each subject's coefficients, so effect sizes drawn in
an outer loop (uncertainty.py) cost one matrix product per year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtr

from simulate.schema.model import Learning

KINDS = ("teacher", "paraprofessional", "nonprofessional")
SIZES = ("one_to_one", "small_group")
TUTORING = tuple(f"tutoring.{kind}.{size}" for kind in KINDS for size in SIZES)
FEATURES = (*TUTORING, "coaching", "mcl_team", "class_size", "teacher_absence", "student_absence")
SUBJECTS = ("reading", "math")
# Project STAR's contrast (Krueger 1999): regular classes of 22-25 against small ones of 13-17.
# A class-size effect is counted per 7 students below 22, within 13-25: never extrapolated.
STAR_REGULAR, STAR_SMALL, STAR_RANGE = 22.0, 15.0, (13.0, 25.0)
ALL = "all"


@dataclass(frozen=True)
class Source:
    """Who gave a student small-group minutes: the kind of tutor, whether one-to-one, and
    whether the adult is on the student's own team."""

    kind: str
    one_to_one: bool
    own_team: bool


@dataclass(frozen=True)
class Delivered:
    """One simulated year as delivered, per student and per teacher (homeroom adult).

    `links` ties students to their teachers: (student, teacher, weight) with each student's
    weights adding to 1 (a specialized team's students share its teachers)."""

    tier: np.ndarray  # need tier name, per student
    sessions_per_week: np.ndarray  # small-group sessions received, per instructional week
    small_group: Mapping[Source, np.ndarray]  # minutes received, per student, by source
    led_share: np.ndarray  # share of days on a team whose MCL was in post
    class_size: np.ndarray  # students in the student's homeroom
    days_absent: np.ndarray  # school days the student missed
    observations_per_week: np.ndarray  # per teacher: observations received
    teacher_absence_days: np.ndarray  # per teacher: days absent
    links: tuple[np.ndarray, np.ndarray, np.ndarray] = field(repr=False)

    @property
    def count(self) -> int:
        return len(self.tier)

    def per_student(self, per_teacher: np.ndarray) -> np.ndarray:
        """A per-teacher figure averaged over each student's teachers (weighted)."""
        student, teacher, weight = self.links
        return np.bincount(student, weight * per_teacher[teacher], minlength=self.count)


def tutored(delivered: Delivered, settings: Learning) -> np.ndarray:
    """Students who received at least the threshold's sessions a week (boolean)."""
    return delivered.sessions_per_week >= settings.tutoring_sessions_per_week - 1e-9


def exposures(delivered: Delivered, settings: Learning) -> np.ndarray:
    """Students x FEATURES: each student's exposure to each lever (see the module)."""
    n = delivered.count
    x = np.zeros((n, len(FEATURES)))
    led = delivered.led_share
    total = sum(delivered.small_group.values(), np.zeros(n))
    share = np.divide(1.0, total, out=np.zeros(n), where=total > 0)
    on = tutored(delivered, settings).astype(float)
    for source, minutes in delivered.small_group.items():
        size = SIZES[0] if source.one_to_one else SIZES[1]
        inside_team = source.own_team and source.kind == "teacher"  # in the MCL effect
        counted = (1.0 - led) if inside_team else 1.0
        x[:, FEATURES.index(f"tutoring.{source.kind}.{size}")] += on * minutes * share * counted
    coached = delivered.observations_per_week >= settings.coaching_observations_per_week - 1e-9
    x[:, FEATURES.index("coaching")] = delivered.per_student(coached.astype(float)) * (1.0 - led)
    x[:, FEATURES.index("mcl_team")] = led
    size = np.clip(delivered.class_size, *STAR_RANGE)
    x[:, FEATURES.index("class_size")] = (STAR_REGULAR - size) / (STAR_REGULAR - STAR_SMALL)
    x[:, FEATURES.index("teacher_absence")] = delivered.per_student(delivered.teacher_absence_days)
    x[:, FEATURES.index("student_absence")] = delivered.days_absent
    return x


def group_means(delivered: Delivered, x: np.ndarray) -> dict[str, np.ndarray]:
    """Mean exposures for all students and for each need tier (tier=<name>)."""
    out = {ALL: x.mean(axis=0) if len(x) else np.zeros(len(FEATURES))}
    for tier in dict.fromkeys(delivered.tier.tolist()):
        out[f"tier={tier}"] = x[delivered.tier == tier].mean(axis=0)
    return out


Values = Mapping[tuple[str, str], np.ndarray | float]


def coefficients(values: Values, reading_share: float) -> np.ndarray:
    """SUBJECTS x FEATURES (x draws, when the values are arrays of draws): what one unit of
    each exposure is worth. A tutored student's effect is the tutoring effect times the
    moderators of who tutored and in what group size, times the share of small-group time
    spent on the subject."""
    shares = {"reading": reading_share, "math": 1.0 - reading_share}
    rows = []
    for subject in SUBJECTS:
        row = []
        for kind in KINDS:
            for size in SIZES:
                row.append(
                    np.asarray(values[("tutoring", subject)])
                    * np.asarray(values[(f"tutor_{kind}", subject)])
                    * np.asarray(values[(size, subject)])
                    * shares[subject]
                )
        for lever in FEATURES[len(TUTORING) :]:
            row.append(np.asarray(values[(lever, subject)]))
        rows.append(np.stack(np.broadcast_arrays(*row)))
    return np.stack(rows)


def percentile_points(sd: np.ndarray | float) -> np.ndarray:
    """An effect in SD as percentile points for a student at the median (Baird & Pane 2019)."""
    return 100.0 * (ndtr(np.asarray(sd, dtype=float)) - 0.5)
