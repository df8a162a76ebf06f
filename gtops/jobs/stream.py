"""Streaming labeling jobs: send data objects to a running job through its SNS input topic (`gtops send`).

Ground Truth subscribes a queue of its own to the job's input topic; each message is one line of an input
manifest (DG: Send Data to a Streaming Labeling Job): {"source-ref": "s3://..."} for images,
{"source": "text"} for text jobs, or a whole manifest line (a chained adjustment job needs the previous
labels in it). A message sent while the job is not InProgress is not labeled, so gtops refuses to send then.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gtops.errors import GtopsError
from gtops.files import MAX_MANIFEST_FILE, read_bounded

MAX_LINE = 100_000  # characters in one data object (DG: Input Data Quotas); SNS allows 256 KB a message


def messages(
    objects: list[str], text: bool, media: str, manifest: Path | None = None
) -> list[dict[str, Any]]:
    """The data objects to send, each a manifest line; every problem named before anything is sent."""
    from gtops.jobs import s3 as s3u

    out: list[dict[str, Any]] = []
    for value in objects:
        if text:
            if media == "image":
                raise GtopsError("this job labels images: send s3:// URIs of images, not --text")
            if not value.strip():
                raise GtopsError("--text objects must not be empty")
            out.append({"source": value})
            continue
        if not value.startswith("s3://") or not s3u.split(value)[1]:
            raise GtopsError(f"'{value}' is not an s3://bucket/key URI (send text with --text)")
        if media == "text":
            raise GtopsError("this job labels text: send it with --text, or a manifest with --manifest")
        out.append({"source-ref": value})
    if manifest is not None:
        body = read_bounded(manifest, MAX_MANIFEST_FILE, f"--manifest {manifest}")
        out += s3u.data_object_lines(body, f"--manifest {manifest}")
    for n, line in enumerate(out, 1):
        if len(json.dumps(line)) > MAX_LINE:
            raise GtopsError(f"object {n} is longer than {MAX_LINE:,} characters (a Ground Truth limit)")
    if not out:
        raise GtopsError("nothing to send: give s3:// URIs, --text values or --manifest FILE")
    return out


def send(sns: Any, topic_arn: str, lines: list[dict[str, Any]]) -> list[str]:
    """Publish each line to the job's input topic; the message ids, in order."""
    return [sns.publish(TopicArn=topic_arn, Message=json.dumps(line))["MessageId"] for line in lines]
