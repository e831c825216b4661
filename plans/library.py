"""The action library every workspace starts with (SPEC §4 and §10): plain data, no Django.

The first entry of each ADKAR dimension is the scoring model's built-in recommendation text, so
a workspace that never edited it finds the same words in its library.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring import engine


@dataclass(frozen=True)
class DefaultEntry:
    target: str
    title: str
    guidance: str
    suggested_duration_days: int = 30
    kind: str = "action"


def _first_sentence(text: str, limit: int = 120) -> str:
    """Return a title from a recommendation text: its first clause, cut at a word."""
    head = text.split(":")[0].split(". ")[0].strip().rstrip(".")
    if len(head) <= limit:
        return head
    return head[:limit].rsplit(" ", 1)[0].rstrip(",;") + "…"


def title_from_text(text: str) -> str:
    """Return the title a library entry made from a scoring-model action text gets."""
    return _first_sentence(text) or "Recommended action"


ACTIONS: tuple[DefaultEntry, ...] = (
    *(
        DefaultEntry(dimension, title_from_text(text), text, 30)
        for dimension, text in engine.DEFAULT_ACTIONS.items()
    ),
    DefaultEntry(
        "awareness",
        "Kick-off town hall led by the executive sponsor",
        "The sponsor explains in person why the change happens now, which business problem it "
        "solves and what the cost of staying put is; record it for those who miss it.",
        14,
    ),
    DefaultEntry(
        "awareness",
        "Managers' talking points for team meetings",
        "Give every manager a one-page brief with the reasons for the change and the questions "
        "people ask most, so the message arrives from someone they work with.",
        14,
    ),
    DefaultEntry(
        "desire",
        "“What's in it for me” per role",
        "For each role, write down what gets easier with the new way and share it in the "
        "team's own words; invite a respected peer to tell their story.",
        21,
    ),
    DefaultEntry(
        "desire",
        "Resistance conversations with managers",
        "Managers hold short one-to-ones to hear concerns, answer what they can and bring the "
        "rest to the project team; track the recurring themes.",
        30,
    ),
    DefaultEntry(
        "knowledge",
        "Job aids for the changed tasks",
        "One-page guides and short videos for the tasks that change most, linked from where "
        "people work.",
        21,
    ),
    DefaultEntry(
        "knowledge",
        "Tell people where help is",
        "Publish where the training, the guides and the help desk are, and repeat it in every "
        "project update.",
        7,
    ),
    DefaultEntry(
        "ability",
        "Floor support during the switch",
        "Super-users and coaches sit with the teams in the first weeks after go-live and answer "
        "questions on the spot.",
        30,
    ),
    DefaultEntry(
        "ability",
        "Protected practice time",
        "Book time in every calendar to practise in a sandbox with real cases before go-live.",
        21,
    ),
    DefaultEntry(
        "reinforcement",
        "Share adoption metrics every month",
        "Show teams how usage and readiness move, celebrate progress and name what is next.",
        60,
    ),
    DefaultEntry(
        "reinforcement",
        "Retire the old way",
        "Set a date to switch off the old tools or reports, and keep to it.",
        45,
    ),
    DefaultEntry(
        engine.FORCED_ADOPTION,
        "Listen to end users and fix their top irritants",
        "People use the product because they must: run short listening sessions with end "
        "users, fix the three most-cited irritants and tell them what changed.",
        30,
    ),
    DefaultEntry(
        engine.FORCED_ADOPTION,
        "Show end users what the product does for them",
        "Demonstrate the features that save end users time, not just those that serve reporting.",
        21,
    ),
    DefaultEntry(
        engine.LEADERSHIP_GAP,
        "Bring leaders and end users together",
        "Leaders are readier than the people who do the work: hold joint sessions where end "
        "users show leaders what blocks them, and agree on what leadership will remove.",
        30,
    ),
    DefaultEntry(
        engine.LEADERSHIP_GAP,
        "Managers cascade the change to their teams",
        "Each manager explains to their team what the change means for them and reports back "
        "the questions raised.",
        21,
    ),
    DefaultEntry(
        engine.SAY_DO_GAP,
        "Find out what stops people from using the product",
        "People say they know and can, yet do not use the product: observe real work, check "
        "access and data, and remove the blockers found.",
        21,
    ),
    DefaultEntry(
        engine.SAY_DO_GAP,
        "Make the product the only way for one key task",
        "Pick one frequent task and route it through the product only, with support at hand.",
        30,
    ),
)

PROMPTS: tuple[DefaultEntry, ...] = (
    DefaultEntry(
        "awareness",
        "Why are we changing?",
        "What business problem do you think this "
        "change is meant to solve, and what happens if we keep working as today?",
        7,
        "prompt",
    ),
    DefaultEntry(
        "awareness",
        "What have you heard?",
        "What have you heard about the change so far, and from whom?",
        7,
        "prompt",
    ),
    DefaultEntry(
        "desire",
        "What's in it for you?",
        "What would make this change worth it for you personally?",
        7,
        "prompt",
    ),
    DefaultEntry(
        "desire",
        "What worries you?",
        "What is the biggest risk of this change for your team?",
        7,
        "prompt",
    ),
    DefaultEntry(
        "knowledge",
        "What will you do differently?",
        "Which of your daily tasks will change, and what do you still need to learn for them?",
        7,
        "prompt",
    ),
    DefaultEntry(
        "knowledge",
        "Where would you look for help?",
        "If you were stuck tomorrow, where would you look for help?",
        7,
        "prompt",
    ),
    DefaultEntry(
        "ability",
        "What would stop you?",
        "What would stop you from working the new way on day one: time, access, tools or support?",
        7,
        "prompt",
    ),
    DefaultEntry(
        "ability",
        "Where do you need practice?",
        "Which situations would you like to practise before go-live?",
        7,
        "prompt",
    ),
    DefaultEntry(
        "reinforcement",
        "How will we know it stuck?",
        "How will we notice, three months after go-live, that the new way has stuck?",
        7,
        "prompt",
    ),
    DefaultEntry(
        "reinforcement",
        "What pulls us back?",
        "What could pull us back to the old tools and habits?",
        7,
        "prompt",
    ),
)

DEFAULT_ENTRIES: tuple[DefaultEntry, ...] = (*ACTIONS, *PROMPTS)
