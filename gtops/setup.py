"""The typed spec: one setup, built once from the validated spec, read by everything after loading.

Each section's type lives with its kind (gtops/kinds/); this module holds the setup-wide settings and the
rules every kind shares: the setup's name, and the ownership tags on what gtops creates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gtops.model import OWNER_TAG, SETUP_TAG

if TYPE_CHECKING:  # the kinds import gtops.spec, which imports this module: annotations only
    from gtops.kinds.app_client import ClientSpec
    from gtops.kinds.labeling_job import JobSpec
    from gtops.kinds.sns_topic import TopicSpec
    from gtops.kinds.user import MembersSpec
    from gtops.kinds.user_group import GroupSpec
    from gtops.kinds.user_pool import PoolSpec
    from gtops.kinds.workforce import WorkforceSpec
    from gtops.kinds.workteam import TeamSpec


@dataclass(frozen=True)
class Prune:
    """What gtops may delete when it leaves the spec (all off: only reported)."""

    members: bool = False
    jobs: bool = False
    groups: bool = False
    teams: bool = False


@dataclass(frozen=True)
class Safety:
    max_worker_change: float = 0.3
    min_workers: int = 10


@dataclass(frozen=True)
class LockSpec:
    bucket: str
    key: str | None = None


@dataclass(frozen=True)
class Setup:
    name: str
    region: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    prune: Prune = Prune()
    safety: Safety = Safety()
    lock: LockSpec | None = None
    permissions_boundary: str | None = None
    topic: TopicSpec | None = None
    pool: PoolSpec | None = None
    groups: tuple[GroupSpec, ...] = ()
    client: ClientSpec | None = None
    domain: str | None = None
    workforce: WorkforceSpec | None = None
    teams: tuple[TeamSpec, ...] = ()
    members: MembersSpec | None = None
    jobs: tuple[JobSpec, ...] = ()

    def ownership_tags(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The setup's tags, then the resource's own, then gtops's ownership pair (which always wins)."""
        tags = {str(k): str(v) for k, v in self.tags.items()}
        tags.update({str(k): str(v) for k, v in (extra or {}).items()})
        tags[OWNER_TAG] = "true"
        tags[SETUP_TAG] = self.name
        return tags

    def owns(self, tags: Mapping[str, str] | None) -> bool:
        """Whether live tags say this setup created (or adopted) the resource."""
        if not tags:
            return False
        return tags.get(OWNER_TAG) == "true" and tags.get(SETUP_TAG) == self.name

    @property
    def declares_anything(self) -> bool:
        return any((self.pool, self.workforce, self.teams, self.topic, self.jobs))

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Setup:
        """From the validated, normalized spec (gtops.spec.load_spec's `data`)."""
        from gtops.kinds import (
            app_client,
            domain,
            labeling_job,
            sns_topic,
            user,
            user_group,
            user_pool,
            workforce,
            workteam,
        )

        pool = user_pool.parse(data.get("pool"))
        name = data.get("name") or (pool.name if pool else None) or "gtops"
        lock = data.get("lock") or {}
        topic = sns_topic.parse(data.get("notifications"))
        return cls(
            name=name,
            region=data.get("region"),
            tags={str(k): str(v) for k, v in (data.get("tags") or {}).items()},
            prune=Prune(**{k: bool(v) for k, v in (data.get("prune") or {}).items()}),
            safety=Safety(**(data.get("safety") or {})),
            lock=LockSpec(lock["bucket"], lock.get("key")) if lock.get("bucket") else None,
            permissions_boundary=data.get("permissions_boundary"),
            topic=topic,
            pool=pool,
            groups=user_group.parse(data.get("groups")),
            client=app_client.parse(data.get("client")),
            domain=domain.parse(data.get("domain")),
            workforce=workforce.parse(data.get("workforce")),
            teams=workteam.parse(data.get("teams"), has_topic=topic is not None),
            members=user.parse(data.get("members")),
            jobs=labeling_job.parse(data.get("jobs")),
        )
