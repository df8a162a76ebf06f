"""The sandbox: moto plus the Ground Truth operations it lacks, stricter where gtops depends on AWS rules.

`install()` hooks everything into moto once; it serves `with mock_aws():` in process and the server
(`python -m gtops.sandbox.server`) alike. Nothing outside the sandbox command and the tests imports this.
"""

from __future__ import annotations

import threading
from typing import Any

_install_lock = threading.Lock()


def install() -> None:
    """Hook the Ground Truth operations, model validation, locks and realism into moto (idempotent)."""
    from gtops.sandbox.launcher import require_installed

    require_installed()
    with _install_lock:
        try:
            from gtops.sandbox import cognito
        except ImportError:  # pragma: no cover - built alongside; absent only mid-development
            cognito = None  # type: ignore[assignment]
        if cognito is not None:
            cognito.install()

        from gtops.sandbox import hooks, preflight
        from gtops.sandbox.sagemaker import GroundTruthResponse

        preflight.install()

        for service in hooks.URL_MODULES:
            replace = {"{0}/$": GroundTruthResponse.dispatch} if service == "sagemaker" else None
            hooks.install_service(service, replace)
        _keep_s3_urls()


def _keep_s3_urls() -> None:
    """moto's S3 backend reloads its urls module on every lookup (to follow env settings), which would
    throw away the wrapped handlers: S3 calls would skip the service lock, latency and faults."""
    import moto.s3.urls as s3_urls
    from moto.s3.models import S3Backend

    S3Backend._url_module = property(lambda self: s3_urls)  # type: ignore[assignment,method-assign]


def advance_jobs(job: str | None = None, steps: int = 1) -> list[str]:
    """Advance the simulated workers of one labeling job (by name) or of all jobs; returns the names."""
    from gtops.sandbox.hooks import LOCKS
    from gtops.sandbox.sagemaker import call_labeling, iter_labeling_jobs

    advanced = []
    with LOCKS["sagemaker"]:
        for account_id, region, data in list(iter_labeling_jobs()):
            if job is None or data["LabelingJobName"].lower() == job.lower():
                call_labeling("advance", data, steps, account_id, region)
                advanced.append(data["LabelingJobName"])
    return advanced


def configure(**changes: Any) -> dict[str, Any]:
    """Change realism settings in this process: latency_ms, quotas, fault_rate, fault_kinds, seed, targets."""
    from gtops.sandbox.realism import REALISM

    return REALISM.configure(**changes).to_json()


def reset(realism: bool = True) -> None:
    """Forget all emulated AWS state in this process, and the realism settings unless told otherwise."""
    from moto.core.base_backend import BackendDict

    from gtops.sandbox.realism import REALISM

    BackendDict.reset()
    if realism:
        REALISM.reset()
    else:
        REALISM.reset_counters()
