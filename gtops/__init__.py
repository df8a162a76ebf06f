"""gtops: declarative plan/apply for SageMaker Ground Truth private labeling."""

__version__ = "0.1.0"
