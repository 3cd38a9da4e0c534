"""Every text the visitor's page shows, in English and in Dutch.

The page follows one language per session: the visitor's switch, or the language of the
last question asked. Texts that come from the assistant (answers, refusals, notices) follow
the question's language on their own.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = [("English", "en"), ("Nederlands", "nl")]


@dataclass(frozen=True)
class PageTexts:
    """The labels, examples and notes of the visitor's page in one language."""

    language_label: str
    tab_ask: str
    tab_timeline: str
    welcome: str
    search_in: str
    kinds: list[tuple[str, str]]
    conversation: str
    chat_placeholder: str
    question_placeholder: str
    send: str
    clear: str
    examples_label: str
    examples: list[str]
    sources: str
    source_link: str
    note: str
    refusal_note: str
    sorry: str
    unavailable: str
    feedback_off: str
    feedback_thanks: str
    timeline_intro: str
    timeline_empty: str
    timeline_chart: str


ENGLISH = PageTexts(
    language_label="Language",
    tab_ask="Ask",
    tab_timeline="Timeline",
    welcome=(
        "### Ask about Flemish life sciences\n"
        "Questions about the biotech ecosystem in Flanders today (institutes, companies, "
        "funding) and its history (founders, spin-offs, acquisitions), in English or Dutch. "
        "Answers quote the documents; each `[n]` links to its source below the answer. "
        "Follow-up questions may refer to the previous ones."
    ),
    search_in="Search in",
    kinds=[("All", "all"), ("Ecosystem", "ecosystem"), ("History", "history")],
    conversation="Conversation",
    chat_placeholder="Ask a question, or pick an example below.",
    question_placeholder="Type a question in English or Dutch…",
    send="Send",
    clear="Clear",
    examples_label="Try one of these",
    examples=[
        "Who acquired Ablynx?",
        "When was VIB founded?",
        "What does imec do in health?",
        "Who founded argenx?",
        "Who founded Janssen Pharmaceutica?",
        "What is a Nanobody?",
        "Which companies grew out of Plant Genetic Systems?",
        "Where does Pfizer make vaccines in Puurs?",
    ],
    sources="Sources",
    source_link="Source {number}",
    note="Note:",
    refusal_note=(
        "No answer found in the documents: the assistant only answers from its sources. "
        "Try rephrasing, or pick one of the example questions."
    ),
    sorry="Sorry:",
    unavailable="The document index is unavailable right now; please try again shortly.",
    feedback_off="Feedback is switched off on this server; thanks all the same.",
    feedback_thanks="Thanks for the feedback.",
    timeline_intro=(
        "**{count} milestones** from the history pages. "
        "Hover a dot for the event; click it to open the page's source."
    ),
    timeline_empty="No milestones found in the history pages.",
    timeline_chart="Milestones of Flemish biotech by page and year",
)

DUTCH = PageTexts(
    language_label="Taal",
    tab_ask="Vragen",
    tab_timeline="Tijdlijn",
    welcome=(
        "### Vraag het over life sciences in Vlaanderen\n"
        "Vragen over het biotechlandschap in Vlaanderen vandaag (instituten, bedrijven, "
        "financiering) en over zijn geschiedenis (oprichters, spin-offs, overnames), in het "
        "Nederlands of het Engels. De antwoorden citeren de documenten; elke `[n]` verwijst "
        "naar de bron onder het antwoord. Een vervolgvraag mag naar de vorige verwijzen."
    ),
    search_in="Zoeken in",
    kinds=[("Alles", "all"), ("Ecosysteem", "ecosystem"), ("Geschiedenis", "history")],
    conversation="Gesprek",
    chat_placeholder="Stel een vraag, of kies hieronder een voorbeeld.",
    question_placeholder="Typ een vraag in het Nederlands of het Engels…",
    send="Verstuur",
    clear="Wissen",
    examples_label="Probeer een van deze vragen",
    examples=[
        "Wie nam Ablynx over?",
        "Wanneer werd het VIB opgericht?",
        "Wat doet imec in de gezondheidszorg?",
        "Wie richtte argenx op?",
        "Wie stichtte Janssen Pharmaceutica?",
        "Wat is een Nanobody?",
        "Welke bedrijven kwamen voort uit Plant Genetic Systems?",
        "Waar maakt Pfizer in Puurs vaccins?",
    ],
    sources="Bronnen",
    source_link="Bron {number}",
    note="Let op:",
    refusal_note=(
        "Geen antwoord gevonden in de documenten: de assistent antwoordt alleen uit zijn "
        "bronnen. Formuleer de vraag anders, of kies een van de voorbeeldvragen."
    ),
    sorry="Sorry:",
    unavailable="De documentindex is nu niet beschikbaar; probeer het straks opnieuw.",
    feedback_off="Feedback staat uit op deze server; toch bedankt.",
    feedback_thanks="Bedankt voor je feedback.",
    timeline_intro=(
        "**{count} mijlpalen** uit de geschiedenispagina's. "
        "Beweeg over een punt voor de gebeurtenis; klik om de bron van de pagina te openen."
    ),
    timeline_empty="Geen mijlpalen gevonden in de geschiedenispagina's.",
    timeline_chart="Mijlpalen van de Vlaamse biotech per pagina en jaar",
)

TEXTS = {"en": ENGLISH, "nl": DUTCH}


def texts_for(language: str | None) -> PageTexts:
    """The page's texts in `language`; English for anything else."""
    return TEXTS.get(language or "en", ENGLISH)
