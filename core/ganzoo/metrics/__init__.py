"""The lectures' measures of a generator (LECTURES.md section 4), on feature arrays (numpy or
torch, any device). Names and named-tuple fields are part of the public API."""

from ganzoo.metrics.arrays import MetricInputError
from ganzoo.metrics.frechet import KID, frechet_distance, kernel_inception_distance
from ganzoo.metrics.likelihood import ParzenResult, parzen_log_likelihood
from ganzoo.metrics.prdc import (
    DensityCoverage,
    NeighbourStatistics,
    PrecisionRecall,
    density_coverage,
    neighbour_statistics,
    precision_recall,
)
from ganzoo.metrics.scores import (
    ClassCoverage,
    InceptionScore,
    ModeCoverage,
    class_coverage,
    inception_score,
    mode_coverage,
)
from ganzoo.metrics.support import BirthdaySupport, NearestCopies, birthday_support, nearest_copies
from ganzoo.metrics.twosample import C2ST, NDBResult, c2st, ndb

__all__ = [
    "C2ST", "KID", "BirthdaySupport", "ClassCoverage", "DensityCoverage", "InceptionScore",
    "MetricInputError", "ModeCoverage", "NDBResult", "NearestCopies", "NeighbourStatistics",
    "ParzenResult", "PrecisionRecall", "birthday_support", "c2st", "class_coverage",
    "density_coverage", "frechet_distance", "inception_score", "kernel_inception_distance",
    "mode_coverage", "ndb", "nearest_copies", "neighbour_statistics", "parzen_log_likelihood",
    "precision_recall",
]  # fmt: skip
