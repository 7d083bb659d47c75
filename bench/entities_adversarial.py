"""Hand-written adversarial cases for the watchlist matcher (default watchlist).

Written by hand, independently of the scenario generator: near misses that must
not match (substrings, typos, fruit, handles inside URLs and e-mails) and
awkward true mentions (possessives, CamelCase hashtags, all caps, punctuation).
Each case: (text, set of watchlist entity ids truly mentioned).
Used by ``tests/unit/test_matcher_adversarial.py`` and ``bench/entities_matcher.py``.
"""

from __future__ import annotations

CASES: list[tuple[str, set[str]]] = [
    # --- substrings and compounds: no match
    ("UnitedHealth denied my claim again", set()),
    ("unitedhealthcare is the worst insurer", set()),
    ("the teslacoil demo at the science fair was loud", set()),
    ("Nikes are comfy but overpriced", set()),
    ("Deltas of the Nile and the Ganges", set()),
    ("pineapple on pizza is fine actually", set()),
    ("snapple tastes like childhood", set()),
    ("my netflixx trial account got hacked", set()),
    ("@united_fan_club meetup tonight", set()),
    ("follow @nikefanpage for drops", set()),
    # --- typos: no match (documented limitation, no fuzzy matching)
    ("Starbuks got my order wrong again", set()),
    ("spotfy keeps crashing on my phone", set()),
    ("unted airlnes lost my bag", set()),
    # --- ambiguous aliases without the right context: no match
    ("apple pie with a scoop of ice cream", set()),
    ("grandma's apple cider recipe", set()),
    ("ate an apple on the way to the Apple Store", set()),  # exclude word wins for the whole text
    ("the Amazon rainforest is burning, read the books about it", set()),
    ("Manchester United won the match on a late goal", set()),
    ("the United States and the United Kingdom signed a deal", set()),
    ("united we stand", set()),
    ("amazon prime day deals on river cruises", set()),  # exclude: river
    ("#applepie season is here", set()),
    # --- handles and names inside URLs and e-mail addresses: no match
    ("write to support@united.com about the flight", set()),
    ("https://twitter.com/united/status/123 flight delayed", set()),
    ("see www.nike.com/running for details", set()),
    ("http://example.org/?q=tesla+stock", set()),
    ("joe.starbucks@gmail.com is my email", set()),
    # --- true mentions
    ("Apple's new iPhone update drains the battery", {"apple"}),
    ("APPLE STOCK IS DOWN AGAIN", {"apple"}),
    ("@apple why is my mac so slow", {"apple"}),
    ("#AppleEvent tonight: new iPhone and Watch", {"apple"}),
    ("my flight on United was delayed 5 hours", {"united-airlines"}),
    ("United Breaks Guitars (the song) still funny #UnitedBreaksGuitars", {"united-airlines"}),
    ("#unitedbreaksguitars", {"united-airlines"}),
    ("#BoycottUnitedAirlines after today's news", {"united-airlines"}),
    ("#boycottunitedairlines", {"united-airlines"}),
    ("@United lost my luggage.", {"united-airlines"}),
    ("Kindle DX screen cracked, amazon refund pending", {"amazon-kindle"}),
    ("amazon deleted 1984 from my ebook reader", {"amazon-kindle"}),
    ("#kindlegate: what happened to my books?", {"amazon-kindle"}),
    ("Tesla's autopilot and Netflix's new show", {"tesla", "netflix"}),
    ("#TeslaFail on the highway today", {"tesla"}),
    ("@teslamotors recall notice received", {"tesla"}),
    ("#starbucksfail cold coffee again", {"starbucks"}),
    ("#boycottstarbucks", {"starbucks"}),
    ("Delta Air Lines vs United airlines: which is worse?", {"delta-air-lines", "united-airlines"}),
    ("flying with delta airlines tomorrow", {"delta-air-lines"}),
    ("Sonos One + Spotify Connect = ❤️", {"sonos", "spotify"}),
    ("SONOS ARC arrived!!!", {"sonos"}),
    ("(Nike) just dropped new shoes", {"nike"}),
    ("nike,adidas,puma: all the same", {"nike"}),
    ("i love netflix", {"netflix"}),
    ("Netflix…", {"netflix"}),
]
