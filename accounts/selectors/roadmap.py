"""Where each account stands on the sales roadmap: its current stage (the first stage
with a milestone still open) and its next milestone; the board of accounts by stage."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import AccountMilestone, RoadmapMilestone, RoadmapStage


@dataclass
class StageView:
    stage: RoadmapStage
    milestones: list[RoadmapMilestone] = field(default_factory=list)


def roadmap() -> list[StageView]:
    """The active stages in order, each with its active milestones (two queries)."""
    stages = {
        s.pk: StageView(stage=s) for s in RoadmapStage.objects.filter(is_active=True).order_by("sort_order", "id")
    }
    for milestone in RoadmapMilestone.objects.filter(is_active=True, stage_id__in=list(stages)).order_by(
        "sort_order", "id"
    ):
        stages[milestone.stage_id].milestones.append(milestone)
    return [view for view in stages.values() if view.milestones]


@dataclass(frozen=True)
class Progress:
    stage: RoadmapStage | None  # None: every milestone reached
    next_milestone: RoadmapMilestone | None
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress_of(stages: list[StageView], ticked: set[int]) -> Progress:
    total = sum(len(v.milestones) for v in stages)
    done = sum(1 for v in stages for m in v.milestones if m.pk in ticked)
    for view in stages:
        for milestone in view.milestones:
            if milestone.pk not in ticked:
                return Progress(stage=view.stage, next_milestone=milestone, done=done, total=total)
    return Progress(stage=None, next_milestone=None, done=done, total=total)


def ticked_by_account(account_ids) -> dict[int, dict[int, AccountMilestone]]:
    result: dict[int, dict[int, AccountMilestone]] = {pk: {} for pk in account_ids}
    for row in AccountMilestone.objects.filter(account_id__in=list(result)).select_related("done_by"):
        result[row.account_id][row.milestone_id] = row
    return result


def progress_for_accounts(account_ids, stages: list[StageView] | None = None) -> dict[int, Progress]:
    """Each account's stage and next milestone (three queries for any number of accounts)."""
    stages = stages if stages is not None else roadmap()
    ticked = ticked_by_account(account_ids)
    return {pk: progress_of(stages, set(rows)) for pk, rows in ticked.items()}


def account_roadmap(account) -> dict:
    """The checklist of one account: every stage and milestone with what was ticked."""
    stages = roadmap()
    ticked = ticked_by_account([account.pk])[account.pk]
    progress = progress_of(stages, set(ticked))
    return {
        "progress": progress,
        "stages": [
            {
                "stage": view.stage,
                "is_current": progress.stage is not None and view.stage.pk == progress.stage.pk,
                "done": sum(1 for m in view.milestones if m.pk in ticked),
                "milestones": [
                    {
                        "milestone": m,
                        "reached": ticked.get(m.pk),
                        "is_next": progress.next_milestone is not None and m.pk == progress.next_milestone.pk,
                    }
                    for m in view.milestones
                ],
            }
            for view in stages
        ],
    }


def roadmap_board(accounts) -> dict:
    """Accounts by current stage (columns in roadmap order, then "all reached")."""
    accounts = list(accounts)
    stages = roadmap()
    progress = progress_for_accounts([a.pk for a in accounts], stages)
    columns = {view.stage.pk: {"stage": view.stage, "cards": []} for view in stages}
    finished = {"stage": None, "cards": []}
    for account in accounts:
        item = progress[account.pk]
        card = {"account": account, "progress": item}
        (columns[item.stage.pk] if item.stage is not None else finished)["cards"].append(card)
    return {"columns": [*columns.values(), finished], "count": len(accounts)}
