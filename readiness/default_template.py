"""The built-in ADKAR readiness template (SPEC §3), present in every workspace."""

from __future__ import annotations

from types import MappingProxyType
from typing import NamedTuple

DEFAULT_TEMPLATE_NAME = "ADKAR readiness"


class ItemSpec(NamedTuple):
    code: str
    kind: str
    dimension: str
    wording: str


# The default items' wording in the other shipped languages, by code, written for respondents
# (formal address: Sie, vous, usted). English is the item's own wording.
DEFAULT_TRANSLATIONS: MappingProxyType[str, dict[str, str]] = MappingProxyType(
    {
        "AW1": {
            "de": "Ich verstehe, warum {product} in unserer Organisation eingeführt wird.",
            "fr": "Je comprends pourquoi {product} est mis en place dans notre organisation.",
            "es": "Entiendo por qué se está implantando {product} en nuestra organización.",
        },
        "AW2": {
            "de": "Ich weiß, welche geschäftlichen Probleme diese Veränderung lösen soll.",
            "fr": "Je sais quels problèmes métier ce changement doit résoudre.",
            "es": "Sé qué problemas de negocio pretende resolver este cambio.",
        },
        "AW3": {
            "de": "Ich verstehe, was passiert, wenn wir weiterhin so arbeiten wie heute.",
            "fr": "Je comprends ce qui se passera si nous continuons à travailler comme aujourd’hui.",
            "es": "Entiendo lo que pasará si seguimos trabajando como hasta ahora.",
        },
        "DE1": {
            "de": "Ich persönlich möchte, dass diese Veränderung gelingt.",
            "fr": "Je souhaite personnellement que ce changement réussisse.",
            "es": "Personalmente, quiero que este cambio salga bien.",
        },
        "DE2": {
            "de": "Ich sehe, wie {product} mir bei meiner täglichen Arbeit helfen wird.",
            "fr": "Je vois en quoi {product} m’aidera dans mon travail au quotidien.",
            "es": "Veo cómo {product} me ayudará en mi trabajo diario.",
        },
        "DE3": {
            "de": "Ich bin bereit, Zeit in das Erlernen der neuen Arbeitsweise zu investieren.",
            "fr": "Je suis prêt(e) à consacrer du temps à l’apprentissage de la nouvelle façon de travailler.",
            "es": "Estoy dispuesto/a a dedicar tiempo a aprender la nueva forma de trabajar.",
        },
        "KN1": {
            "de": "Ich weiß, was ich anders machen muss, sobald {product} in Betrieb geht.",
            "fr": "Je sais ce que je devrai faire autrement une fois que {product} sera en service.",
            "es": "Sé qué tendré que hacer de otra manera cuando {product} entre en funcionamiento.",
        },
        "KN2": {
            "de": "Ich weiß, wo ich Schulungen und Hilfe zu {product} finde.",
            "fr": "Je sais où trouver des formations et de l’aide pour {product}.",
            "es": "Sé dónde encontrar formación y ayuda sobre {product}.",
        },
        "KN3": {
            "de": "Ich habe die Schulung, die ich brauche, erhalten oder angeboten bekommen.",
            "fr": "J’ai suivi la formation dont j’ai besoin, ou elle m’a été proposée.",
            "es": "He recibido la formación que necesito, o me la han ofrecido.",
        },
        "AB1": {
            "de": "Ich habe die Zeit und die Mittel, um mit der neuen Arbeitsweise zu beginnen.",
            "fr": "J’ai le temps et les moyens de commencer à travailler de la nouvelle façon.",
            "es": "Tengo el tiempo y los recursos necesarios para empezar a trabajar de la nueva forma.",
        },
        "AB2": {
            "de": "Ich bin zuversichtlich, dass ich meine Arbeit mit {product} erledigen kann.",
            "fr": "Je me sens capable de faire mon travail avec {product}.",
            "es": "Confío en poder hacer mi trabajo con {product}.",
        },
        "AB3": {
            "de": "Mein Team wird während der Umstellung praktische Unterstützung erhalten (Coaching, Helpdesk).",
            "fr": "Mon équipe bénéficiera d’un soutien concret (accompagnement, assistance) pendant la transition.",
            "es": "Mi equipo contará con apoyo práctico (acompañamiento, servicio de ayuda) durante la transición.",
        },
        "RE1": {
            "de": "Unsere Führungskräfte werden anerkennen, wer die neue Arbeitsweise übernimmt.",
            "fr": "Nos dirigeants valoriseront les personnes qui adoptent la nouvelle façon de travailler.",
            "es": "Nuestra dirección reconocerá a quienes adopten la nueva forma de trabajar.",
        },
        "RE2": {
            "de": "Die Fortschritte mit {product} werden gemessen und uns mitgeteilt.",
            "fr": "Les progrès réalisés avec {product} seront mesurés et partagés avec nous.",
            "es": "Los avances con {product} se medirán y se compartirán con nosotros.",
        },
        "RE3": {
            "de": "Nach der Umstellung werden wir nicht in die alten Werkzeuge und Gewohnheiten zurückfallen.",
            "fr": "Une fois la transition faite, nous ne reviendrons pas aux anciens outils ni aux vieilles habitudes.",
            "es": "Una vez hecho el cambio, no volveremos a las herramientas y costumbres de antes.",
        },
        "LS1": {
            "de": "Unser Sponsor in der Geschäftsleitung unterstützt diese Veränderung aktiv und sichtbar.",
            "fr": "Notre sponsor au sein de la direction soutient ce changement de manière active et visible.",
            "es": "Nuestro patrocinador ejecutivo apoya este cambio de forma activa y visible.",
        },
        "LS2": {
            "de": "Meine Führungskraft hat erklärt, was diese Veränderung für unser Team bedeutet.",
            "fr": "Mon manager a expliqué ce que ce changement implique pour notre équipe.",
            "es": "Mi responsable ha explicado qué supone este cambio para nuestro equipo.",
        },
        "LS3": {
            "de": "Die Führung hat für die Einführung genügend Personal und Zeit bereitgestellt.",
            "fr": "La direction a consacré suffisamment de personnes et de temps au déploiement.",
            "es": "La dirección ha destinado suficientes personas y tiempo a la implantación.",
        },
        "NPS": {
            "de": "Wie wahrscheinlich ist es nach Ihrem bisherigen Kenntnisstand, dass Sie {product} einer Kollegin oder einem Kollegen empfehlen?",
            "fr": "D’après ce que vous savez aujourd’hui, quelle est la probabilité que vous recommandiez {product} à un collègue\xa0?",
            "es": "Con lo que sabe hasta ahora, ¿qué probabilidad hay de que recomiende {product} a un compañero o compañera?",
        },
        "CON": {
            "de": "Was ist Ihre größte Sorge bei dieser Veränderung?",
            "fr": "Quelle est votre principale inquiétude concernant ce changement\xa0?",
            "es": "¿Cuál es su mayor preocupación sobre este cambio?",
        },
    }
)

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
