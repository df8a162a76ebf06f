"""What each spec task type means to Ground Truth: Lambdas, worker UI, data kind, output format.

One table, so plan, preview and results agree on a task type's rules (e.g. `-ref` for segmentation).
"""

from __future__ import annotations

from dataclasses import dataclass

# AWS-owned accounts that are the same in every region (human task UIs, the public crowd).
AWS_UI_ACCOUNT = "394669845002"


@dataclass(frozen=True)
class TaskType:
    name: str  # the spec's task_type
    suffix: str | None  # AWS's PRE-/ACS- suffix; None for custom (the user's own Lambdas)
    media: str  # "image", "text" or "any": what the manifest's objects are
    element: str | None  # crowd element of gtops's built-in template
    human_task_ui: str | None = None  # AWS-hosted worker UI (no template allowed)
    output_type: str = ""  # `type` in the output manifest's metadata
    multi: bool = False  # several labels per object
    audits: str | None = None  # verification/adjustment: the task type whose labels it checks
    algorithm: str | None = None  # automated data labeling: AWS's built-in algorithm, where AWS offers one

    @property
    def needs_cors(self) -> bool:
        """Workers' browsers fetch images cross-origin (EXIF orientation), so image buckets need CORS."""
        return self.media == "image"


TASKS: dict[str, TaskType] = {
    t.name: t
    for t in (
        TaskType(
            "bounding_box",
            "BoundingBox",
            "image",
            "crowd-bounding-box",
            None,
            "groundtruth/object-detection",
            algorithm="object-detection",
        ),
        TaskType(
            "image_classification",
            "ImageMultiClass",
            "image",
            "crowd-image-classifier",
            None,
            "groundtruth/image-classification",
            algorithm="image-classification",
        ),
        TaskType(
            "image_classification_multi",
            "ImageMultiClassMultiLabel",
            "image",
            "crowd-image-classifier-multi-select",
            None,
            "groundtruth/image-classification-multilabel",
            multi=True,
        ),
        TaskType(
            "semantic_segmentation",
            "SemanticSegmentation",
            "image",
            "crowd-semantic-segmentation",
            None,
            "groundtruth/semantic-segmentation",
            algorithm="semantic-segmentation",
        ),
        TaskType(
            "text_classification",
            "TextMultiClass",
            "text",
            "crowd-classifier",
            None,
            "groundtruth/text-classification",
            algorithm="text-classification",
        ),
        TaskType(
            "text_classification_multi",
            "TextMultiClassMultiLabel",
            "text",
            "crowd-classifier-multi-select",
            None,
            "groundtruth/text-classification-multilabel",
            multi=True,
        ),
        TaskType(
            "named_entity_recognition",
            "NamedEntityRecognition",
            "text",
            "crowd-entity-annotation",
            "NamedEntityRecognition",
            "groundtruth/text-span",
        ),
        # Label verification and adjustment (DG: Verify and Adjust Labels): the input manifest carries the
        # labels of a previous job, which the worker UI shows (task.input.manifestLine).
        TaskType(
            "verification_bounding_box",
            "VerificationBoundingBox",
            "image",
            "crowd-image-classifier",
            None,
            "groundtruth/label-verification",
            audits="bounding_box",
        ),
        TaskType(
            "adjustment_bounding_box",
            "AdjustmentBoundingBox",
            "image",
            "crowd-bounding-box",
            None,
            "groundtruth/object-detection",
            audits="bounding_box",
        ),
        TaskType(
            "verification_semantic_segmentation",
            "VerificationSemanticSegmentation",
            "image",
            "crowd-image-classifier",
            None,
            "groundtruth/label-verification",
            audits="semantic_segmentation",
        ),
        TaskType(
            "adjustment_semantic_segmentation",
            "AdjustmentSemanticSegmentation",
            "image",
            "crowd-semantic-segmentation",
            None,
            "groundtruth/semantic-segmentation",
            audits="semantic_segmentation",
        ),
        TaskType("custom", None, "any", None, None, "groundTruth/custom"),
    )
}
SUFFIX_TO_TASK = {t.suffix: t.name for t in TASKS.values() if t.suffix}

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff")
TEXT_EXTENSIONS = (".txt",)


def task(name: str) -> TaskType:
    return TASKS[name]


# Automated data labeling's built-in algorithms (API reference, LabelingJobAlgorithmsConfig): the same AWS
# account in every region. AWS offers them for single-label image and text classification, bounding boxes
# and semantic segmentation, and never for streaming jobs (DG: Automate Data Labeling).
ALGORITHM_ACCOUNT = "027400017018"
MIN_AUTO_LABELING_OBJECTS = 1250  # "The minimum number of objects allowed for automated data labeling"


def algorithm_arn(partition: str, region: str, algorithm: str) -> str:
    return (
        f"arn:{partition}:sagemaker:{region}:{ALGORITHM_ACCOUNT}:labeling-job-algorithm-specification/"
        f"{algorithm}"
    )


def public_workteam_arn(partition: str, region: str) -> str:
    return f"arn:{partition}:sagemaker:{region}:{AWS_UI_ACCOUNT}:workteam/public-crowd/default"


def human_task_ui_arn(partition: str, region: str, ui: str) -> str:
    return f"arn:{partition}:sagemaker:{region}:{AWS_UI_ACCOUNT}:human-task-ui/{ui}"


def task_of_lambda(arn: str | None) -> str:
    """The spec task type a pre-annotation Lambda ARN selects ('custom' for anything not AWS's)."""
    name = (arn or "").rsplit(":", 1)[-1]
    if name.startswith("PRE-"):
        return SUFFIX_TO_TASK.get(name[4:], "custom")
    return "custom"
