"""Text material for the built-in scenarios: varied wording, handles, hashtags,
URLs, emojis and typos. Every template names which entity forms it uses."""

from __future__ import annotations

import random

HANDLE_WORDS = (
    "sam jo kat mike anna lee dev bookworm runner coffee night owl pixel indie jazz tech mom dad girl guy "
    "city river north blue red green real the its mr ms dr geek nerd fan travel chef music film photo gamer"
).split()

# events per hour at the daily mean, per default-watchlist entity
BASELINE_RATES = {
    "amazon-kindle": 30.0,
    "united-airlines": 24.0,
    "sonos": 12.0,
    "apple": 60.0,
    "netflix": 40.0,
    "starbucks": 30.0,
    "tesla": 36.0,
    "delta-air-lines": 20.0,
    "spotify": 30.0,
    "nike": 24.0,
}
BASELINE_MIX = (25, 45, 30)  # negative, neutral, positive

FORMS = {
    "amazon-kindle": ["Kindle", "kindle", "Amazon Kindle", "@AmazonKindle", "#kindle", "my kindle", "the Kindle DX"],
    "united-airlines": ["United Airlines", "@united", "#UnitedAirlines", "United airlines", "@UnitedAirlines"],
    "sonos": ["Sonos", "@Sonos", "#sonos", "sonos", "my Sonos One", "the Sonos Arc"],
    "apple": ["Apple", "@Apple", "#apple", "Apple Inc"],
    "netflix": ["Netflix", "@netflix", "#netflix", "netflix"],
    "starbucks": ["Starbucks", "@Starbucks", "#starbucks", "starbucks"],
    "tesla": ["Tesla", "@Tesla", "#tesla", "tesla"],
    "delta-air-lines": ["Delta Air Lines", "@Delta", "#flydelta", "Delta airlines"],
    "spotify": ["Spotify", "@Spotify", "#spotify", "spotify"],
    "nike": ["Nike", "@Nike", "#nike", "nike"],
}

TOPIC = {
    "amazon-kindle": ["ebook", "battery", "screen", "new book", "reading app", "store", "page turn"],
    "united-airlines": ["flight", "gate agent", "legroom", "baggage", "connection", "crew", "upgrade"],
    "sonos": ["speaker", "app update", "sound", "setup", "soundbar", "multiroom"],
    "apple": ["iphone", "macbook", "ios update", "airpods", "apple store", "watch"],
    "netflix": ["show", "series", "subscription", "recommendations", "finale", "app"],
    "starbucks": ["latte", "barista", "cold brew", "app order", "drive thru", "rewards"],
    "tesla": ["model 3", "autopilot", "supercharger", "service center", "delivery", "software update"],
    "delta-air-lines": ["flight", "lounge", "crew", "delay", "seat", "app"],
    "spotify": ["playlist", "podcast", "wrapped", "shuffle", "premium", "app"],
    "nike": ["running shoes", "sneakers", "app", "drop", "store", "hoodie"],
}

NEG = [
    "{f} {t} is terrible today",
    "really disappointed with {f}, the {t} keeps failing",
    "ugh {f} {t} broke AGAIN",
    "worst {t} experience ever with {f} 😡",
    "{f} why is your {t} so bad lately",
    "not happy with {f} at all. {t} is a mess",
    "so annoyed, {f} {t} still not working {u}",
    "{f} customer service is awful, {t} problem unresolved",
    "hate the new {t} from {f}",
    "{f} {t} is sooooo slow, what a joke",
]
NEU = [
    "anyone know if {f} changed the {t}?",
    "reading about {f} {t} {u}",
    "{f} {t} news today {u}",
    "thinking about the {t} from {f}",
    "does {f} ship the {t} to canada",
    "{f} {t} review thread",
    "just saw the {f} {t} ad",
    "question for {f}: {t} options?",
]
POS = [
    "love my {f} {t} ❤️",
    "{f} {t} is amazing, thank you!",
    "great {t} from {f} today 👍",
    "really happy with {f}, {t} works perfectly",
    "big fan of the {f} {t}",
    "{f} nailed the {t} #winning",
    "best {t} ever, well done {f}",
]

DISTRACTORS = [
    "made an apple pie this afternoon, house smells amazing",
    "apple juice and a long nap, perfect sunday",
    "the united states open starts next week",
    "manchester united played terribly, again",
    "the amazon rainforest is burning and nobody cares",
    "kayaking the amazon river was the trip of a lifetime",
    "delta of the river flooded after the storm",
    "united nations meeting livestream {u}",
    "picked apples at the orchard, ate way too many",
    "reading 1984 for class, orwell was right about everything",
    "my cat knocked over the coffee again",
    "traffic is horrible on the bridge this morning",
]

KINDLE_WAVE = [
    ("Amazon just deleted 1984 from my Kindle. Orwell would laugh. {u}", ["amazon-kindle"]),
    ("wtf @AmazonKindle remotely deleted books I PAID for #amazonfail", ["amazon-kindle"]),
    ("So Amazon can reach into my kindle and take back 1984?? unbelievable", ["amazon-kindle"]),
    ("never buying another ebook from amazon after the 1984 deletion #kindle", ["amazon-kindle"]),
    ("The irony: Amazon memory-holes Orwell's 1984 from Kindles {u}", ["amazon-kindle"]),
    ("my kindle copy of Animal Farm vanished overnight. refund is not the point #amazonfail", ["amazon-kindle"]),
    ("RT this is why DRM is evil: Amazon deleted 1984 from our Kindles {u}", ["amazon-kindle"]),
    ("cancelling my kindle order. if they can delete books they can delete anything", ["amazon-kindle"]),
    ("student lost all his notes when amazon deleted 1984 from his kindle. disgraceful", ["amazon-kindle"]),
    ("Kindle owners: your books aren't yours. Amazon proved it today. #kindlegate", ["amazon-kindle"]),
    ("@kindle give us back our books!!! 😡😡", ["amazon-kindle"]),
    ("Big Brother is an Amazon Kindle. deleted 1984 lol, can't make this up", ["amazon-kindle"]),
    ("amzon deletd 1984 frm my kindel wtf", ["amazon-kindle"]),  # typos: 'kindel' is not 'kindle'
]
UNITED_WAVE = [
    ("United Airlines broke Dave Carroll's guitar and wouldn't pay. watch this {u}", ["united-airlines"]),
    ("#unitedbreaksguitars is the best customer service lesson ever {u}", ["united-airlines"]),
    ("@united you broke his Taylor guitar and ignored him for a year?? shameful", ["united-airlines"]),
    ("never flying United again after watching United Breaks Guitars {u}", ["united-airlines"]),
    ("baggage handlers throwing guitars, classy @United #unitedbreaksguitars", ["united-airlines"]),
    ("that song about united airlines is stuck in my head. terrible airline tho", ["united-airlines"]),
    ("United lost my bag last month too. this video is so true {u}", ["united-airlines"]),
    ("RT @sonsofmaxwell United Breaks Guitars {u} #unitedbreaksguitars", ["united-airlines"]),
    ("united airlines customer service = a brick wall. share the guitar video", ["united-airlines"]),
    ("unted airlnes broke my guitar too 😭", ["united-airlines"]),  # typo: no match expected
]
SONOS_WAVE = [
    ("the new Sonos update is incredible, sounds better than ever ❤️", ["sonos"]),
    ("@Sonos you absolutely nailed this launch #sonos", ["sonos"]),
    ("best speaker I have ever owned, thank you Sonos", ["sonos"]),
    ("Sonos Arc + sub = movie night heaven 🔥", ["sonos"]),
    ("wow the sonos one sounds amazing for the price {u}", ["sonos"]),
    ("setup took 2 minutes. Sonos just works. love it", ["sonos"]),
    ("my whole house is sonos now and I regret nothing 😍 #sonos", ["sonos"]),
    ("Great review of the new Sonos speaker {u}", ["sonos"]),
]
BOT_TEXT = "Tesla is a fraud and its cars are death traps. Sell now before it collapses"


def _url(r: random.Random) -> str:
    return r.choice(["http://bit.ly/", "https://t.co/", "https://youtu.be/"]) + "".join(
        r.choices("abcdefghijkmnpqrstuvwxyzABCDEFGH23456789", k=r.randint(6, 10))
    )


def _noise(r: random.Random, text: str) -> str:
    x = r.random()
    if x < 0.08:
        text = text.lower()
    elif x < 0.12:
        text = text.upper()
    if r.random() < 0.1:
        text += " " + r.choice(["lol", "smh", "ffs", "tbh", "fr", "ikr", "😂", "🙄", "!!!"])
    return text


def baseline_text(r: random.Random, entity: str, label: str) -> str:
    tmpl = r.choice({"neg": NEG, "neu": NEU, "pos": POS}[label])
    text = tmpl.format(f=r.choice(FORMS[entity]), t=r.choice(TOPIC[entity]), u=_url(r))
    return _noise(r, text)


def distractor(r: random.Random) -> str:
    return _noise(r, r.choice(DISTRACTORS).format(u=_url(r)))


def wave_text(r: random.Random, entity: str, kind: str) -> tuple[str, list[str]]:
    pool = {"kindle": KINDLE_WAVE, "united": UNITED_WAVE, "sonos": SONOS_WAVE}[kind]
    tmpl, ents = r.choice(pool)
    text = _noise(r, tmpl.format(u=_url(r)))
    # typo'd templates are written so that no watchlist form survives
    if "kindel" in tmpl or "unted" in tmpl:
        ents = []
    return text, ents
