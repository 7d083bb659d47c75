"""Pure surge detection: ``step(state, bucket) -> (state, assessment)``.

Imports nothing from Kafka, Faust, spaCy or Prometheus and never reads the clock.
"""

from detectors.engine import DetectorConfig, DetectorState, SurgeDetector
from detectors.types import Assessment, Bucket, Sensitivity, Severity, Transition

__all__ = [
    "Assessment",
    "Bucket",
    "DetectorConfig",
    "DetectorState",
    "Sensitivity",
    "Severity",
    "SurgeDetector",
    "Transition",
]
