"""The built-in ADKAR readiness template (SPEC §3), present in every workspace."""

from __future__ import annotations

from typing import NamedTuple

DEFAULT_TEMPLATE_NAME = "ADKAR readiness"


class ItemSpec(NamedTuple):
    code: str
    kind: str
    dimension: str
    wording: str


DEFAULT_ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec(
        "AW1",
        "likert",
        "awareness",
        "I understand why {product} is being introduced in our organization.",
    ),
    ItemSpec(
        "AW2",
        "likert",
        "awareness",
        "I know which business problems this change is meant to solve.",
    ),
    ItemSpec(
        "AW3",
        "likert",
        "awareness",
        "I understand what happens if we keep working the way we do today.",
    ),
    ItemSpec("DE1", "likert", "desire", "I personally want this change to succeed."),
    ItemSpec("DE2", "likert", "desire", "I can see how {product} will help me in my daily work."),
    ItemSpec(
        "DE3", "likert", "desire", "I am willing to spend time learning the new way of working."
    ),
    ItemSpec(
        "KN1",
        "likert",
        "knowledge",
        "I know what I will need to do differently once {product} goes live.",
    ),
    ItemSpec("KN2", "likert", "knowledge", "I know where to find training and help for {product}."),
    ItemSpec(
        "KN3", "likert", "knowledge", "I have had, or have been offered, the training I need."
    ),
    ItemSpec(
        "AB1", "likert", "ability", "I have the time and resources to start working the new way."
    ),
    ItemSpec("AB2", "likert", "ability", "I am confident I can do my job using {product}."),
    ItemSpec(
        "AB3",
        "likert",
        "ability",
        "My team will have practical support (coaching, help desk) while we switch.",
    ),
    ItemSpec(
        "RE1",
        "likert",
        "reinforcement",
        "Our leaders will recognize people who adopt the new way of working.",
    ),
    ItemSpec(
        "RE2",
        "likert",
        "reinforcement",
        "Progress with {product} will be measured and shared with us.",
    ),
    ItemSpec(
        "RE3",
        "likert",
        "reinforcement",
        "Once we switch, we will not drift back to the old tools and habits.",
    ),
    ItemSpec(
        "LS1",
        "likert",
        "leadership",
        "Our executive sponsor actively and visibly supports this change.",
    ),
    ItemSpec(
        "LS2",
        "likert",
        "leadership",
        "My manager has explained what this change means for our team.",
    ),
    ItemSpec(
        "LS3",
        "likert",
        "leadership",
        "Leadership has given the implementation enough people and time.",
    ),
    ItemSpec(
        "NPS",
        "nps",
        "sentiment",
        "Based on what you know so far, how likely are you to recommend {product} to a colleague?",
    ),
    ItemSpec("CON", "text", "comment", "What is your biggest concern about this change?"),
)
