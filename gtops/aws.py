"""AWS: the connection (clients, region, endpoint, retries, call counting) and the rules about AWS errors
(error codes, what is transient, creates that must happen once) that every part of gtops shares."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections import Counter
from typing import Any

from gtops.errors import AwsError
from gtops.settings import Settings, env_region

SANDBOX_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


class CallStats:
    """API calls by operation and wall time, for --stats and the benchmarks."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.started = time.monotonic()
        self._lock = threading.Lock()

    def record(self, service: str, operation: str) -> None:
        with self._lock:
            self.calls[f"{service}:{operation}"] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def report(self) -> str:
        lines = [f"API calls: {self.total} in {time.monotonic() - self.started:.2f}s"]
        lines += [f"  {count:6d}  {op}" for op, count in sorted(self.calls.items())]
        return "\n".join(lines)


class Aws:
    """Lazily built AWS clients sharing one botocore session, endpoint and retry policy."""

    def __init__(self, settings: Settings, region: str | None, endpoint_url: str | None = None):
        self.settings = settings
        self.endpoint_url = endpoint_url if endpoint_url is not None else settings.effective_endpoint()
        self.stats = CallStats()
        self._started = threading.local()
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        # botocore sessions are not thread-safe (clients are): readers in threads make their clients one at
        # a time.
        self._session_lock = threading.RLock()
        # A botocore session, not boto3's: boto3 adds only resources and S3 transfers, which gtops does not
        # use, and importing it (s3transfer with it) is a tenth of a start-up.
        import botocore.session

        from gtops.botocache import share_loader

        try:
            self.session = botocore.session.Session(profile=settings.profile or None)
            if settings.sandbox:
                self.session.set_credentials(
                    SANDBOX_CREDENTIALS["aws_access_key_id"], SANDBOX_CREDENTIALS["aws_secret_access_key"]
                )
            if region or env_region():
                self.session.set_config_variable("region", region or env_region())
            share_loader(self.session)  # service models parsed once per process, cached on disk between runs
            self.region = self.session.get_config_variable("region")
        except Exception as err:  # botocore ProfileNotFound and friends
            raise AwsError(f"Cannot set up the AWS session: {err}") from None
        if not self.region:
            raise AwsError("No AWS region: set `region:` in the spec, pass --region, or set AWS_REGION.")
        try:
            self._partition = self.session.get_partition_for_region(self.region)
        except Exception:  # botocore UnknownRegionError
            where = "check --region or the spec's region"
            raise AwsError(f"unknown AWS region {self.region!r}: {where}") from None
        if self.endpoint_url and not self.endpoint_url.startswith(("http://", "https://")):
            raise AwsError(f"--endpoint-url {self.endpoint_url!r} is not an http(s) URL")
        self._account: str | None = None
        self.caller_arn: str | None = None  # who we are, learned with the account (the checks before apply)

    def client(self, service: str, retry: bool = True):
        """A shared client; `retry=False` gives one that tries each call once (for creates that must
        not be repeated blindly, see apply/steps.create_exactly_once)."""
        key = service if retry else f"{service}:once"
        if self._account is None:
            # Who we are is the first call of every run: it fails fast, in one clear sentence, when AWS (or
            # what answers at --endpoint-url) is unreachable or is not AWS. A JSON service would read a
            # non-AWS answer as an empty one ("no such pool") instead.
            _ = self.account
        with self._lock:
            if key not in self._clients:
                attempts = 7 if retry else 1
                self._clients[key] = _Deferred(lambda: self._build(service, attempts=attempts, pool_size=32))
            return self._clients[key]

    def dedicated(self, service: str, threads: int):
        """A client of its own for a batch that paces and retries its calls itself (gtops.members): botocore's
        retries off, so each retry goes through the caller's quota limiter, and one connection per thread.
        Not shared; counted in `stats` (and logged with -v) like every other client."""
        return self._build(service, attempts=1, pool_size=max(1, threads))

    def _build(self, service: str, attempts: int, pool_size: int):
        from botocore.config import Config

        config = Config(
            retries={"mode": "standard", "total_max_attempts": attempts},
            connect_timeout=10,
            read_timeout=60,
            max_pool_connections=pool_size,
        )
        with self._session_lock:
            client = self.session.create_client(service, endpoint_url=self.endpoint_url, config=config)
        self.watch(client)
        return client

    def watch(self, client) -> None:
        """Count every call (for --stats) and, with -v, log each one to stderr: the operation, its HTTP
        status and time, never its parameters or answer (they can hold secrets)."""
        client.meta.events.register("before-call", self._count)
        if self.settings.verbose:
            client.meta.events.register("after-call", self._log_call)
            client.meta.events.register("after-call-error", self._log_error)

    def _count(self, model=None, **_: Any) -> None:
        if model is not None:
            self.stats.record(model.service_model.service_name, model.name)
            self._started.at = time.monotonic()

    def _elapsed(self) -> str:
        started = getattr(self._started, "at", None)
        return f" in {(time.monotonic() - started) * 1000:.0f} ms" if started else ""

    def _log_call(self, http_response=None, model=None, **_: Any) -> None:
        status = getattr(http_response, "status_code", "?")
        name = f"{model.service_model.service_name}:{model.name}" if model is not None else "call"
        print(f"aws: {name} -> HTTP {status}{self._elapsed()}", file=sys.stderr, flush=True)

    def _log_error(self, exception=None, event_name: str = "", **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1] or "call"
        print(f"aws: {operation} -> {type(exception).__name__}{self._elapsed()}", file=sys.stderr, flush=True)

    @property
    def account(self) -> str:
        """Who we are; also the first call of every run, so it fails fast when AWS is unreachable."""
        if self._account is None:
            from botocore.config import Config

            retries = {"mode": "standard", "total_max_attempts": 2}
            quick = Config(retries=retries, connect_timeout=5, read_timeout=30)
            with self._session_lock:
                sts = self.session.create_client("sts", endpoint_url=self.endpoint_url, config=quick)
            self.watch(sts)
            identity = sts.get_caller_identity()
            self._account, self.caller_arn = identity["Account"], identity.get("Arn")
        return self._account

    def partition(self) -> str:
        return self._partition


class _Deferred:
    """A client made on its first use: a command often holds a client it turns out not to need (a plan
    whose jobs need no S3 read), and making one costs 5-35 ms of a start-up."""

    def __init__(self, make: Any) -> None:
        self._make = make
        self._client: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._make()
                client = self._client
        return getattr(client, name)


# Error codes AWS services use for "slow down" (Cognito: TooManyRequestsException; SageMaker:
# ThrottlingException; IAM and S3: Throttling; EC2-style: RequestLimitExceeded) and for their own transient
# failures.
THROTTLING = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
    }
)
TRANSIENT = THROTTLING | frozenset(
    {"InternalErrorException", "InternalError", "InternalFailure", "ServiceUnavailable", "RequestTimeout"}
)


def error_code(err: Exception) -> str:
    response = getattr(err, "response", None) or {}
    return (response.get("Error") or {}).get("Code", "")


def http_status(err: Exception) -> int:
    response = getattr(err, "response", None) or {}
    return int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode", 0) or 0)


def is_transient(err: Exception) -> bool:
    """Worth another try: throttled, a 5xx, or the connection failed or broke before an answer was read."""
    from botocore import exceptions as bx
    from botocore.parsers import ResponseParserError

    if isinstance(err, bx.ClientError):
        return error_code(err) in TRANSIENT or http_status(err) >= 500
    return isinstance(
        err,
        bx.EndpointConnectionError
        | bx.ConnectionClosedError
        | bx.ReadTimeoutError
        | bx.ConnectTimeoutError
        | ResponseParserError
        | ConnectionError,
    )


def unclear(err: Exception) -> bool:
    """Did the call perhaps happen? (throttled, 5xx, or the connection broke after the request was sent)."""
    from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

    if isinstance(err, (ConnectionClosedError, ReadTimeoutError)):
        return True
    if isinstance(err, ClientError):
        return error_code(err) in THROTTLING or http_status(err) >= 500
    return False


def create_exactly_once(
    aws: Any, service: str, operation: str, request: dict[str, Any], find: Any
) -> dict[str, Any]:
    """A create that must not be repeated blindly: Cognito keeps neither pool names nor app-client names
    unique (and a labeling job's name, once taken, is taken for good), so a create retried after a lost answer
    would make a second one or fail. Retry only after looking for what was asked for: `find()` returns the id
    of an existing match or None. Returns the create's answer, or {"found": id}."""
    client = aws.client(service, retry=False)
    delay = 0.2
    for attempt in range(6):
        try:
            answer: dict[str, Any] = getattr(client, operation)(**request)
            return answer
        except Exception as err:
            if not unclear(err) or attempt == 5:
                raise
            found = find()
            if found:
                return {"found": found}
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
    raise AssertionError("unreachable")


def error_message(err: Exception) -> str:
    response = getattr(err, "response", None) or {}
    return response.get("Error", {}).get("Message", str(err))


@contextlib.contextmanager
def translated_errors(endpoint: str | None = None):
    """Turn botocore's connection and credential failures into one clear sentence."""
    from botocore import exceptions as bx
    from botocore.parsers import ResponseParserError

    try:
        yield
    except ResponseParserError:
        where = endpoint or "the AWS endpoint"
        raise AwsError(
            f"{where} answered with something that is not an AWS response; check --endpoint-url "
            "(or AWS_ENDPOINT_URL) and that the sandbox or AWS is what answers there"
        ) from None
    except bx.NoCredentialsError:
        raise AwsError(
            "No AWS credentials found. Configure a profile (--profile), set AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY, or use --sandbox to try gtops locally."
        ) from None
    except bx.PartialCredentialsError as err:
        raise AwsError(f"Incomplete AWS credentials: {err}") from None
    except (bx.EndpointConnectionError, bx.ConnectTimeoutError) as err:
        where = endpoint or getattr(err, "kwargs", {}).get("endpoint_url", "the AWS endpoint")
        raise AwsError(f"Cannot reach {where}: is the network (or the sandbox) up?") from None
    except bx.ProfileNotFound as err:
        raise AwsError(str(err)) from None
    except bx.ClientError as err:
        code = error_code(err)
        if code in (
            "UnrecognizedClientException",
            "InvalidClientTokenId",
            "ExpiredToken",
            "ExpiredTokenException",
        ):
            raise AwsError(f"AWS rejected the credentials ({code}): {error_message(err)}") from None
        if code in ("AccessDenied", "AccessDeniedException"):
            raise AwsError(f"AWS denied access: {error_message(err)}") from None
        raise AwsError(f"AWS error {code}: {error_message(err)}") from None
    except bx.BotoCoreError as err:  # the rest of botocore's own failures: one sentence, no traceback
        raise AwsError(f"the AWS call failed: {err}") from None
