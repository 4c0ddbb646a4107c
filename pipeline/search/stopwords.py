"""Stop words for Dutch and English: function words that say nothing about a topic.

Used by the lexical topic signal and to keep chapter keywords to content words. Kept short and
hand-written; spoken language adds fillers (ja, nee, oké, hè) that written lists lack.
"""

from __future__ import annotations

from pipeline.search.textnorm import fold_text


def words_of(text: str) -> frozenset[str]:
    return frozenset(text.split())


DUTCH = words_of(
    """
    aan aangezien achter af al alle alleen allemaal als alsof altijd ander andere anders ben
    bent bij binnen boven buiten daar daarna daarom daarin daarop dan dat de deed deze die dit
    doch doe doen doet door dus echt een eens eigenlijk en enige enkele er erg even gaan gaat
    gedaan geen gehad gewoon geweest ging gingen goed had hadden heb hebben hebt heeft hem hen
    het hier hij hoe hoor hun iemand iets ik in is ja je jij jou jouw jullie kan kon konden
    kunnen kunt laat laten maar me meer men met mij mijn moest moet moeten mocht mogen na naar
    natuurlijk nee net niet niets nog nooit nu of ofwel oké om omdat onder ons onze ook op over
    gauw precies tegen toch toen tot u uit uw van veel voor vooral waar waarom wanneer want
    waren was wat we weer wel welk welke werd werden wie wij wil willen word wordt worden zal
    zich zij zijn zo zoals zodat zonder zou zouden zulke zullen zulk zeer zelf zelfs nou hè eh
    uh hm oh ach tja nou ze z'n m'n 't 'n da dáár dié hé hallo weet wist weten denk denken dacht
    zeg zegt zeggen zei gaan ga kijk kijken zien zie ziet lijkt lijken komen komt kom kwam
    misschien waarschijnlijk heel beetje soms steeds al weer dingen ding iets wat manier keer
    ermee erop eraan eruit erin ervan erover hieruit hierin hiermee daarmee daarvan genoeg niks
    heen krijg krijgt krijgen hou houd houdt zit zitten staat staan zetten graag inderdaad
    eindelijk zeker bijna weg heet heten nodig
    """
)

# The tokenizer splits "aren't" and "aren’t" at the apostrophe: their first parts ("aren",
# "don") are function words too ("won" and "can't"'s "can" are words of their own).
ENGLISH = words_of(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing done down during each even
    ever every few for from further get gets got had has have having he her here hers herself
    him himself his how i if in into is it its itself just know like me might more most must
    my myself no nor not now of off oh ok okay on once only or other our ours ourselves out
    over own really same say said see seems she should so some such than that the their
    theirs them themselves then there these they thing things this those through to too
    under until up us very was we well were what when where which while who whom why will
    with would yeah yes you your yours yourself yourselves think maybe probably way going
    go come look let lets one much many something anything nothing still
    i'm i've i'll i'd you're you've you'll it's that's there's don't doesn't didn't can't
    won't isn't aren't wasn't weren't haven't hasn't wouldn't shouldn't couldn't let's
    aren isn wasn weren don doesn didn hasn haven hadn wouldn shouldn couldn mustn needn ain ll ve
    possibly finally anyway actually sure right wait need
    """
)

STOP_WORDS = {"nl": DUTCH, "en": ENGLISH}
# As the index holds words: folded ("oké" is "oke").
FOLDED_STOP_WORDS = {lang: {fold_text(w) for w in words} for lang, words in STOP_WORDS.items()}
