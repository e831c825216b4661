"""The discussion prompts a workshop shows for a barrier point, until a workspace edits them."""

from __future__ import annotations

from readiness.models import Dimension

# Shown until a workspace saves prompts of its own; `{product}` is the project's product name.
DEFAULT_PROMPTS: dict[str, tuple[str, ...]] = {
    Dimension.AWARENESS: (
        "What have you heard so far about why we are introducing {product}?",
        "What would happen if we kept working the way we do today?",
        "Which question about this change would you most like a leader to answer?",
    ),
    Dimension.DESIRE: (
        "What would make {product} worth it for you personally?",
        "What worries you most about changing the way you work?",
        "Who in your team could show the others what is in it for them?",
    ),
    Dimension.KNOWLEDGE: (
        "What will you need to do differently once {product} goes live?",
        "Where would you look for help today, and is that the right place?",
        "Which training format works best for your team?",
    ),
    Dimension.ABILITY: (
        "What would stop you from using {product} on your first day?",
        "Where do you need time, practice or floor support to switch?",
        "Which task should we rehearse together before go-live?",
    ),
    Dimension.REINFORCEMENT: (
        "How will we notice that the new way of working has stuck?",
        "What could pull us back to the old tools and habits?",
        "How should progress be recognized and shared with the team?",
    ),
}
