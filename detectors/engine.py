"""Surge detector: a small, serialisable state machine over closed buckets.

``SurgeDetector.step(state, bucket, sensitivity) -> (state, assessment)``; the formula is
documented in ``docs/detection.md``. In short, per bucket:

1. **Voices, not posts.** ``n_eff = min(negative, unique_negative_authors,
   4 * sqrt(authors * distinct_texts), negative_voices)``, times ``min(1, 2 / r)`` where ``r``
   is the recent (EWMA) negative posts per author: accounts that keep posting at bot rates
   count less. ``negative_voices`` (from the aggregator's author memory, when the bucket
   carries it) weighs each negative author by how new a voice it is this hour: thin floods.
2. **Baseline.** Expected negatives ``lam``: a time-of-day profile (hourly slots, an EWMA
   over days) learnt from winsorised counts; the recent level until a slot has been seen.
   The usual negative share ``p0`` (volume-weighted EWMA) is not learnt while an incident
   is open.
3. **Recent activity.** Fast EWMAs (half-life 15 min) of ``n_eff`` and of volume.
4. **Positive-wave discount.** The excess counts in proportion to the probability that the
   *extra* mentions are a negative wave (negative share twice the usual) rather than attention
   at the usual mix (binomial likelihood ratio of their negatives, even prior odds).
5. **Surprise** ``u = min(log((x + 5) / (lam + 5)) / s, z_count)``: the log ratio with a
   pseudo-count (small counts move less) in units of the entity's usual deviation ``s``,
   capped by the Anscombe z of the window count (a big ratio on tiny counts is no evidence).
6. **Score** ``100 * (1 - exp(-u * (1 + boosts) / 5.5))`` times the sensitivity multiplier;
   boosts (each <= +15 %) for acceleration (short doubling time), a rising negative share
   and unusual negative reach, only while ``u >= 3``. ``u = 5`` -> 60 (warning, a page),
   ``u = 8.85`` -> 80 (critical).
7. **Gates and lifecycle.** No incident opens during warm-up (3 h of event time; for a
   discovered entity, i.e. ``Sensitivity.emerging_min_negative`` set, except on an absolute
   storm of negative voices: "emerging"), below
   ``min_negative`` effective negatives in the bucket, in the cool-down after an incident
   (except at critical), or with fewer than ``min_negative`` negatives beyond what the
   bucket's volume explains at the usual negative share (attention is not a backlash); the score
   is capped just below warning instead, so severity
   warning/critical <=> an open incident. Incidents open at warning, escalate when severity
   exceeds their peak, report ``updated`` on severity changes (with 10 points of severity
   hysteresis), and resolve after 30 min below 30, then a 1 h cool-down.

Pure: no I/O, no clock reads; deterministic in its inputs; state is JSON-compatible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from detectors.types import Assessment, Bucket, JSONState, Sensitivity, Severity, Transition

_LN2 = math.log(2.0)
_DAY = 86400.0


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """Tunables of the detector. Defaults are fixed in advance, not per data set.

    Durations are in seconds of event time; the bucket width is read from each bucket.
    """

    # --- baseline ---------------------------------------------------------------------
    level_half_life_s: float = 3 * 3600.0  # recent level: first-day baseline, slot initialisation
    season_slot_s: float = 3600.0  # time-of-day profile resolution (24 slots)
    season_day_weight: float = 0.3  # weight of the newest day in a time-of-day slot
    season_clip: float = 8.0  # baseline updates winsorised at this many scales above expected
    share_half_life_s: float = 24 * 3600.0
    reach_half_life_s: float = 24 * 3600.0
    scale_half_life_s: float = 3 * 24 * 3600.0  # the entity's typical |log ratio|
    scale_prior: float = 0.25
    scale_min: float = 0.05
    # tail-aware scale: at least the entity's typical daily peak log ratio / peak_ratio (for a
    # well-behaved entity the daily peak is ~3x the mean deviation); bursty entities get a wider one
    peak_ratio: float = 3.0
    peak_day_weight: float = 0.2  # EWMA weight of the newest day's peak
    dispersion_half_life_s: float = 24 * 3600.0
    dispersion_prior: float = 0.1
    dispersion_min: float = 0.02
    dispersion_max: float = 4.0
    # --- signals ----------------------------------------------------------------------
    pseudo_count: float = 5.0  # added to observed and expected counts: small counts move less
    fast_half_life_s: float = 900.0  # the surge statistic's smoothing
    slow_half_life_s: float = 1800.0  # acceleration: fast vs slow EWMA
    persistence: bool = False  # surprise = min(this bucket's, previous bucket's)
    posts_per_author: float = 1.0  # posts counted per author and bucket: voices, not posts
    bot_rate: float = 2.0  # authors averaging more negative posts per bucket than this are bot-like
    author_rate_half_life_s: float = 600.0  # memory of the negative posts-per-author rate
    posts_per_voice: float = 4.0  # cap on posts per sqrt(authors * distinct texts): copy-paste floods
    # positive-wave discount: the extra mentions count as far as they are more likely a negative wave
    # (negative share share_full x the usual) than attention at share_floor x the usual (binomial
    # likelihood ratio, even prior odds)
    share_floor: float = 1.0
    share_full: float = 2.0
    share_prior_posts: float = 10.0  # pseudo-counts shrinking the recent share to baseline (share boost)
    # --- score ------------------------------------------------------------------------
    u_scale: float = 5.5  # base = 100 * (1 - exp(-u / u_scale)): u=5 -> 60, u=9 -> 80
    bonus_min_u: float = 3.0  # boosts only while the surprise is at least this
    # surprise x (1 + boost) at a damped doubling time <= accel_doubling_s (the mean-lag growth of
    # fast vs slow EWMA: reads a steady exponential 1.6-3x slower than it is, so in practice the boost
    # stays under ~0.10; the exact doubling time, which is what is reported, was measured as the
    # boost's input on 2026-11-23 and not kept: docs/detection.md)
    accel_boost: float = 0.15
    accel_doubling_s: float = 900.0
    share_boost: float = 0.15  # at a recent-share z >= 6
    reach_boost: float = 0.15  # at negative reach >= 10x usual
    # --- severity and lifecycle -------------------------------------------------------
    watch_score: float = 40.0
    warning_score: float = 60.0
    critical_score: float = 80.0
    resolve_score: float = 30.0
    severity_hysteresis: float = 10.0  # inside an incident, severity drops only this far below a level
    warmup_s: float = 3 * 3600.0
    emerging_share: float = 0.5  # emerging (discovered entities in warm-up): negative share of the bucket
    min_negative: int = 5
    calm_s: float = 1800.0
    cooldown_s: float = 3600.0

    @property
    def page_threshold(self) -> float:
        """Score (0..1 scale) at and above which an incident is open: the paging threshold."""
        return self.warning_score / 100.0


def _new_season() -> list[float]:
    return []


@dataclass(slots=True)
class DetectorState:
    """Per-entity detector state; JSON-serialisable via ``to_dict``/``from_dict``."""

    n: int = 0  # buckets seen
    history_s: float = 0.0  # event-time seconds of history seen
    level: float = -1.0  # recent negatives per bucket (-1 = unset)
    vol_level: float = -1.0  # recent volume per bucket
    season: list[float] = field(default_factory=_new_season)  # negatives per bucket by slot (-1 = unseen)
    vol_season: list[float] = field(default_factory=_new_season)
    scale: float = -1.0  # typical |log ratio| of this entity
    scale_n: int = 0
    day: int = -1  # current UTC day number (event time)
    day_peak: float = 0.0  # the highest log ratio so far today
    peak: float = -1.0  # EWMA over days of the daily peak log ratio (-1 = no full day yet)
    dispersion: float = -1.0
    share_neg: float = 0.0  # EWMA of negatives (baseline share numerator)
    share_vol: float = 0.0  # EWMA of volume
    reach_per_neg: float = -1.0  # EWMA of negative reach per negative mention
    fast: float = 0.0  # fast EWMA of effective negatives
    fast_vol: float = 0.0  # fast EWMA of volume
    slow: float = 0.0  # slow EWMA
    prev_u: float = 0.0
    posts_per_author: float = 1.0  # EWMA of negative posts per negative author (bot signature)
    prev_severity: str = Severity.OK.value
    incident_id: str | None = None
    incident_severity: str = Severity.OK.value
    incident_since: str | None = None  # ISO start of the opening bucket
    calm_s: float = 0.0
    cooldown_s: float = 0.0
    last_end: str | None = None

    def to_dict(self) -> JSONState:
        out: JSONState = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, list) else v
        return out

    @classmethod
    def from_dict(cls, data: JSONState) -> DetectorState:
        names = {f.name for f in fields(cls)}
        kw: dict[str, Any] = {k: (list(v) if isinstance(v, list) else v) for k, v in data.items() if k in names}
        return cls(**kw)

    def copy(self) -> DetectorState:
        new = DetectorState.__new__(DetectorState)
        for name in _STATE_FIELDS:
            setattr(new, name, getattr(self, name))
        new.season = list(self.season)
        new.vol_season = list(self.vol_season)
        return new


_STATE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(DetectorState))


def _alpha(width_s: float, half_life_s: float) -> float:
    """Per-bucket EWMA weight for a half-life given in seconds."""
    if half_life_s <= 0:
        return 1.0
    return 1.0 - math.exp(-_LN2 * width_s / half_life_s)


def _lag_s(alpha: float, width_s: float) -> float:
    """Mean age (seconds) of an EWMA with per-bucket weight ``alpha``."""
    return (1.0 - alpha) / alpha * width_s


def _doubling_s(fast: float, slow: float, a_fast: float, a_slow: float, width: float) -> float:
    """Doubling time (s) of a series growing exponentially, from its fast and slow EWMAs.

    For ``x_t = c * q**t`` the EWMA with weight ``a`` settles at ``a * x_t / (1 - (1 - a) / q)``,
    so ``fast / slow`` determines ``q`` exactly (the mean-lag approximation is only right for
    slow growth). inf when not growing; 0 when it rises faster than the two EWMAs can resolve.
    """
    if fast <= 0.0 or slow <= 0.0 or fast <= slow:
        return math.inf
    r = fast / slow
    num = a_fast - r * a_slow
    if num <= 0.0:
        return 0.0
    rho = num / (a_fast * (1.0 - a_slow) - r * a_slow * (1.0 - a_fast))  # 1 / growth per bucket
    return -width * _LN2 / math.log(rho) if 0.0 < rho < 1.0 else math.inf


def _damped_doubling_s(fast: float, slow: float, a_fast: float, a_slow: float, width: float) -> float:
    """The mean-lag approximation of the doubling time (s): ``ln2 / growth`` with growth
    ``ln((fast + 1) / (slow + 1))`` over the difference of the EWMAs' mean ages. Reads a steady
    exponential 1.6-3x slower than it is; the acceleration boost's input (see the config)."""
    dlag = _lag_s(a_slow, width) - _lag_s(a_fast, width)
    growth = math.log((fast + 1.0) / (slow + 1.0)) / dlag if dlag > 0 else 0.0  # per second
    return _LN2 / growth if growth > 0 else math.inf


def severity_for(score: float, cfg: DetectorConfig) -> Severity:
    if score >= cfg.critical_score:
        return Severity.CRITICAL
    if score >= cfg.warning_score:
        return Severity.WARNING
    if score >= cfg.watch_score:
        return Severity.WATCH
    return Severity.OK


def _fmt_count(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.1f}M"
    if x >= 1e4:
        return f"{x / 1e3:.0f}k"
    return f"{x:.0f}" if x >= 10 else f"{x:.1f}"


def _clamp01(x: float) -> float:
    return 0.0 if x <= 0.0 else (1.0 if x >= 1.0 else x)


class SurgeDetector:
    """Pure detector: no I/O, no clock reads; deterministic in its inputs."""

    def __init__(self, config: DetectorConfig | None = None) -> None:
        self.config = config or DetectorConfig()
        cfg = self.config
        self._slots = max(1, round(_DAY / cfg.season_slot_s))
        self._weights: dict[float, tuple[float, ...]] = {}  # per bucket width: EWMA weights

    def _weights_for(self, width: float) -> tuple[float, ...]:
        """Per-bucket EWMA weights for this bucket width (memoised: pure function of the config)."""
        w = self._weights.get(width)
        if w is None:
            cfg = self.config
            w = (
                _alpha(width, cfg.fast_half_life_s),
                _alpha(width, cfg.slow_half_life_s),
                _alpha(width, cfg.level_half_life_s),
                1.0 - math.pow(1.0 - cfg.season_day_weight, width / cfg.season_slot_s),
                _alpha(width, cfg.scale_half_life_s),
                _alpha(width, cfg.dispersion_half_life_s),
                _alpha(width, cfg.share_half_life_s),
                _alpha(width, cfg.reach_half_life_s),
                _alpha(width, cfg.author_rate_half_life_s),
            )
            self._weights[width] = w
        return w

    def new_state(self) -> DetectorState:
        return DetectorState()

    # ------------------------------------------------------------------------------------
    def _slot(self, start: datetime) -> int:
        """Time-of-day slot of a bucket (the profile is piecewise constant per slot)."""
        return int((start.timestamp() % _DAY) // self.config.season_slot_s) % self._slots

    # ------------------------------------------------------------------------------------
    def step(
        self, state: DetectorState, bucket: Bucket, sensitivity: Sensitivity | None = None
    ) -> tuple[DetectorState, Assessment]:
        cfg = self.config
        sens = sensitivity or Sensitivity()
        width = (bucket.end - bucket.start).total_seconds()
        slot = self._slot(bucket.start)
        new = state.copy()
        if len(new.season) != self._slots:
            new.season = [-1.0] * self._slots
            new.vol_season = [-1.0] * self._slots

        neg = bucket.negative
        vol = max(bucket.volume, neg)
        signals: dict[str, float] = {}
        reasons: list[str] = []
        first = state.n == 0

        # 1. spread: discount many posts from few voices ---------------------------------
        n_eff = float(neg)
        if neg > 0:
            k = cfg.posts_per_author
            ua = bucket.unique_negative_authors if bucket.unique_negative_authors > 0 else neg
            ut = bucket.unique_negative_texts if bucket.unique_negative_texts > 0 else neg
            # posts beyond k per author don't count; authors who have kept posting at more than
            # bot_rate per bucket (learnt over earlier buckets) count as a fraction of a voice.
            # Monotone: more posts in this bucket never lower n_eff.
            n_eff = min(float(neg), k * ua, cfg.posts_per_voice * math.sqrt(ua * ut))
            # across buckets: an author already heard from this hour is not a new voice (a thin
            # flood: many accounts, each posting about once a bucket)
            if bucket.negative_voices is not None:
                n_eff = min(n_eff, max(0.0, bucket.negative_voices))
                signals["negative_voices"] = round(bucket.negative_voices, 3)
            n_eff *= min(1.0, cfg.bot_rate / state.posts_per_author)
            signals["negative_authors_share"] = round(ua / neg, 4)
            if n_eff < neg:
                signals["bot_discount"] = round(1.0 - n_eff / neg, 4)

        # volume with the same discount: the discarded posts are neither negative nor other volume
        vol_eff = vol - neg + n_eff

        # 2. baseline: time-of-day profile learnt over days; recent level until a slot is seen
        season, vseason = new.season[slot], new.vol_season[slot]
        lam = season if season >= 0 else (state.level if state.level >= 0 else n_eff)
        exp_vol = vseason if vseason >= 0 else (state.vol_level if state.vol_level >= 0 else vol_eff)

        # 3. recent negatives and volume: fast EWMAs (the surge statistic's smoothing) ------
        a_fast, a_slow, a_lvl, a_season, a_scale_w, a_disp, a_share_w, a_r, a_ppa = self._weights_for(width)
        n_w = (2.0 - a_fast) / a_fast  # effective number of buckets in the fast window
        fast = n_eff if first else state.fast + a_fast * (n_eff - state.fast)
        fast_vol = vol_eff if first else state.fast_vol + a_fast * (vol_eff - state.fast_vol)
        slow = n_eff if first else state.slow + a_slow * (n_eff - state.slow)

        # 4. positive-wave discount: the negative share of the *extra* volume vs the usual share
        p0 = min(0.99, max(0.01, state.share_neg / state.share_vol)) if state.share_vol > 0 else 0.5
        k_s = cfg.share_prior_posts
        p = (fast * n_w + k_s * p0) / (fast_vol * n_w + k_s)
        x = fast
        excess_neg = fast - lam
        if excess_neg > 0 and p0 < 0.9:  # (nearly) all-negative series carry no mix information
            excess_vol = max(fast_vol - exp_vol, excess_neg)
            # d = the probability that the extra mentions are a negative wave (negative share
            # share_full x the usual) rather than attention at the usual mix (share_floor x), from
            # the binomial likelihood ratio of their negatives (even prior odds). Few extra mentions
            # carry little evidence either way; many at about the usual share carry a lot.
            q0, q1 = min(0.98, p0 * cfg.share_floor), min(0.99, p0 * cfg.share_full)
            n_x, k_x = excess_vol * n_w, excess_neg * n_w
            llr = k_x * math.log(q1 / q0) + (n_x - k_x) * math.log((1.0 - q1) / (1.0 - q0))
            d = 1.0 / (1.0 + math.exp(-llr)) if llr > -50.0 else 0.0
            signals["excess_negative_share"] = round(k_x / n_x, 4)
            signals["negative_wave_log_odds"] = round(llr, 3)
            if d < 1.0:
                x = lam + excess_neg * d
                signals["positive_discount"] = round(1.0 - d, 4)
        # the share carries no information when (nearly) everything is negative, e.g. count series
        share_z = 0.0
        if 0.0 < p0 < 0.9:
            share_z = (p - p0) / math.sqrt(p0 * (1.0 - p0) / (fast_vol * n_w + k_s))

        # 5. surprise: log ratio vs baseline in units of the entity's usual deviation, capped
        # by the count significance --------------------------------------------------------
        c = cfg.pseudo_count
        log_ratio = math.log((x + c) / (lam + c))
        scale = state.scale if state.scale > 0 else cfg.scale_prior
        spread = max(scale, state.peak / cfg.peak_ratio) if state.peak > 0 else scale
        u_ratio = log_ratio / spread
        # count significance: variance-stabilised (Anscombe) Poisson z of the smoothed count over
        # the fast window; at small counts a big ratio is not yet evidence
        z_count = 2.0 * (math.sqrt(x * n_w + 0.375) - math.sqrt(lam * n_w + 0.375))
        u_now = min(u_ratio, z_count)
        u = min(u_now, state.prev_u) if cfg.persistence else u_now
        phi = state.dispersion if state.dispersion >= 0 else cfg.dispersion_prior
        lam_z = max(lam, 0.5)
        z = (n_eff - lam_z) / math.sqrt(lam_z + phi * lam_z * lam_z)

        # reported (signal, reason): the doubling time, exact for a steadily growing series
        doubling_s = _doubling_s(fast, slow, a_fast, a_slow, width)

        reach_ratio = 0.0
        if state.reach_per_neg > 0 and neg > 0:
            reach_ratio = bucket.negative_reach / (state.reach_per_neg * max(lam, float(neg)))

        # 5. score -------------------------------------------------------------------------
        boost = 0.0
        if u >= cfg.bonus_min_u:
            damped_doubling_s = _damped_doubling_s(fast, slow, a_fast, a_slow, width)  # the boost's input
            b = cfg.accel_boost * _clamp01(cfg.accel_doubling_s / damped_doubling_s)
            if b >= 0.02:
                boost += b
                if doubling_s < math.inf:
                    reasons.append(
                        f"accelerating: negative mentions doubling every {doubling_s / 60:.0f} min"
                        if doubling_s >= width
                        else f"accelerating: negative mentions more than doubling every {width / 60:.0f} min"
                    )
            b = cfg.share_boost * _clamp01((share_z - 2.0) / 4.0)
            if b >= 0.02:
                boost += b
                reasons.append(f"recent negative share {100 * p:.0f}% vs usual {100 * p0:.0f}%")
            b = cfg.reach_boost * _clamp01(math.log10(reach_ratio)) if reach_ratio > 1.0 else 0.0
            if b >= 0.02:
                boost += b
                reasons.append(
                    f"negative reach {_fmt_count(bucket.negative_reach)} followers, "
                    f"{reach_ratio:.0f}x the usual for this many posts"
                )
        boosted = max(u, 0.0) * (1.0 + boost)
        score = min(100.0, 100.0 * (1.0 - math.exp(-boosted / cfg.u_scale)) * sens.multiplier)

        if u >= 3.0:
            reasons.insert(
                0,
                f"negative mentions {neg} vs expected {lam:.1f} "
                f"(recent {fast:.1f}/bucket, {u:.1f}x the usual deviation)",
            )
        if n_eff < 0.8 * neg and neg >= 5:
            voices = bucket.negative_voices
            reasons.append(
                f"bot flood discounted: {neg} negative posts from {bucket.unique_negative_authors} authors "
                f"({state.posts_per_author:.1f} per author recently, {bucket.unique_negative_texts} distinct "
                f"texts"
                + (f", {voices:.1f} new voices this hour" if voices is not None else "")
                + f") count as {n_eff:.0f}"
            )
        if "positive_discount" in signals and signals["positive_discount"] > 0.5 and fast > lam + 2:
            reasons.append(
                f"positive wave discounted: {100 * signals['excess_negative_share']:.0f}% of the extra mentions "
                f"are negative, nearer the usual {100 * p0:.0f}% than a backlash's "
                f"{100 * q1:.0f}%"
            )

        # 6. gates -------------------------------------------------------------------------
        cap = cfg.warning_score - 0.01
        # the negatives this bucket's volume explains at the entity's usual mix (no mix information
        # when (nearly) everything is negative, e.g. count series)
        mix_neg = p0 * vol_eff if p0 < 0.9 else 0.0
        min_neg = sens.min_negative if sens.min_negative is not None else cfg.min_negative
        # emerging: a discovered entity in warm-up has no baseline to be surprising against; an
        # absolute storm of negative voices (after the bot discount) that dominates its volume
        # opens an incident at warning instead of waiting 3 h. Never for watchlist entities.
        emerging = (
            state.incident_id is None
            and state.history_s < cfg.warmup_s
            and sens.emerging_min_negative is not None
            and n_eff >= max(sens.emerging_min_negative, min_neg)
            and n_eff >= cfg.emerging_share * vol_eff
        )
        if emerging:
            score = max(score, cfg.warning_score)
            reasons.insert(
                0,
                f"emerging: {n_eff:.0f} negative voices of {vol_eff:.0f} mentions in one bucket, "
                f"{state.history_s / 3600:.1f} h after this entity was first seen (no baseline yet)",
            )
        elif state.incident_id is None and score > cap:
            # gates on *opening* an incident; an open incident is judged by its score alone
            if state.history_s < cfg.warmup_s:
                score = cap
                reasons.append(
                    f"warm-up: {state.history_s / 3600:.1f} h of history, no page before {cfg.warmup_s / 3600:.0f} h"
                )
            elif n_eff < min_neg:
                score = cap
                reasons.append(f"below the minimum of {min_neg} negative mentions needed to page")
            elif state.cooldown_s > 0 and score < cfg.critical_score:
                score = cap
                reasons.append("cool-down after the last incident: only a critical surge pages")
            elif mix_neg > 0.0 and n_eff - mix_neg < min_neg:
                score = cap
                reasons.append(
                    f"only {n_eff - mix_neg:.1f} negative mentions beyond the usual {100 * p0:.0f}% of this "
                    f"bucket's {vol_eff:.0f} mentions; {min_neg} needed to page"
                )
        severity = severity_for(score, cfg)
        if state.incident_id is not None:
            # hysteresis: inside an incident, hold the previous level until the score is clearly below it
            held = severity_for(score + cfg.severity_hysteresis, cfg)
            prev = Severity(state.prev_severity)
            if severity.rank < prev.rank and held.rank >= prev.rank:
                severity = prev

        # baseline update (after scoring; winsorised) --------------------------------------
        new.n = state.n + 1
        new.history_s = state.history_s + width
        new.last_end = bucket.end.isoformat()
        new.fast, new.fast_vol, new.slow, new.prev_u = fast, fast_vol, slow, u_now
        clip = (lam + c) * math.exp(cfg.season_clip * scale) - c
        x_upd = min(n_eff, clip)
        a_lvl = max(a_lvl, 1.0 / (state.n + 1))
        new.level = x_upd if state.level < 0 else state.level + a_lvl * (x_upd - state.level)
        new.season[slot] = new.level if season < 0 else season + a_season * (x_upd - season)
        vol_upd = min(vol_eff, (exp_vol + c) * math.exp(cfg.season_clip * scale) - c)
        new.vol_level = vol_upd if state.vol_level < 0 else state.vol_level + a_lvl * (vol_upd - state.vol_level)
        new.vol_season[slot] = new.vol_level if vseason < 0 else vseason + a_season * (vol_upd - vseason)
        if neg > 0:
            ua = bucket.unique_negative_authors if bucket.unique_negative_authors > 0 else neg
            new.posts_per_author = state.posts_per_author + a_ppa * (neg / ua - state.posts_per_author)
        # the entity's usual deviation (running mean at first, then an EWMA)
        a_scale = max(a_scale_w, 1.0 / (state.scale_n + 2))
        dev = min(abs(log_ratio), 6.0 * scale)
        new.scale = max(cfg.scale_min, scale + a_scale * (dev - scale))
        new.scale_n = state.scale_n + 1
        day = int(bucket.start.timestamp() // _DAY)
        if day != state.day:
            if state.day >= 0 and state.history_s >= _DAY:  # a full day seen: learn its peak
                today = state.day_peak if state.peak < 0 else min(state.day_peak, 2.0 * state.peak)
                new.peak = today if state.peak < 0 else state.peak + cfg.peak_day_weight * (today - state.peak)
            new.day, new.day_peak = day, log_ratio
        else:
            new.day_peak = max(state.day_peak, log_ratio)
        # over-dispersion of single-bucket counts (for the reported z)
        resid = (x_upd - lam_z) / lam_z
        new.dispersion = min(
            cfg.dispersion_max, max(cfg.dispersion_min, phi + a_disp * (resid * resid - 1.0 / lam_z - phi))
        )
        # baseline share: running mean at first, then an EWMA; a clipped bucket keeps its mix.
        # Not learnt while an incident is open: the share is volume-weighted, so a long wave
        # would otherwise teach its own mix within hours, and the positive-wave discount would
        # then read the rest of the backlash as attention at "the usual" share (the score
        # flapped critical -> ok -> critical inside one incident).
        if state.incident_id is None:
            a_share = max(a_share_w, 1.0 / (state.n + 1))
            f_clip = vol_upd / vol_eff if vol_eff > 0 else 1.0
            new.share_neg = state.share_neg + a_share * (n_eff * f_clip - state.share_neg)
            new.share_vol = state.share_vol + a_share * (vol_upd - state.share_vol)
        if neg > 0 and bucket.negative_reach > 0:
            rpn = bucket.negative_reach / neg
            if state.reach_per_neg > 0:
                rpn = min(rpn, 10.0 * state.reach_per_neg)
                new.reach_per_neg = state.reach_per_neg + a_r * (rpn - state.reach_per_neg)
            else:
                new.reach_per_neg = rpn

        # 7. lifecycle ---------------------------------------------------------------------
        peak, since = new.incident_severity, new.incident_since
        transition, incident_id = self._lifecycle(new, bucket, severity, score, width)
        new.prev_severity = severity.value
        if transition is not Transition.RESOLVED:
            peak, since = new.incident_severity, new.incident_since

        signals.update(
            {
                "expected_negative": round(lam, 3),
                "recent_negative": round(fast, 3),
                "surprise": round(u, 3),
                "ratio_surprise": round(u_ratio, 3),
                "count_z": round(z_count, 3),
                "log_ratio": round(log_ratio, 4),
                "usual_deviation": round(spread, 4),
                "mean_deviation": round(scale, 4),
                "typical_daily_peak": round(state.peak, 4),
                "negative_z": round(z, 3),
                "negative_ratio": round((fast + c) / (lam + c), 3),
                "effective_negative": round(n_eff, 3),
                "discounted_recent_negative": round(x, 3),
                "recent_negative_share": round(p, 4),
                "negative_share": round(neg / vol, 4) if vol else 0.0,
                "baseline_negative_share": round(p0, 4),
                "share_z": round(share_z, 3),
                "volume_ratio": round(vol / exp_vol, 3) if exp_vol > 0 else 0.0,
                "doubling_minutes": round(doubling_s / 60.0, 2) if doubling_s < math.inf else -1.0,
                "reach_ratio": round(reach_ratio, 3),
                "boost": round(boost, 3),
            }
        )
        return new, Assessment(
            entity_id=bucket.entity_id,
            start=bucket.start,
            end=bucket.end,
            score=round(score, 2),
            severity=severity,
            expected_volume=round(exp_vol, 3),
            expected_negative=round(lam, 3),
            signals=signals,
            reasons=tuple(reasons),
            incident_id=incident_id,
            transition=transition,
            incident_severity=Severity(peak) if incident_id is not None else None,
            incident_since=datetime.fromisoformat(since) if incident_id is not None and since else None,
        )

    # ------------------------------------------------------------------------------------
    def _lifecycle(
        self, st: DetectorState, bucket: Bucket, severity: Severity, score: float, width: float
    ) -> tuple[Transition | None, str | None]:
        """Advance the incident state machine in ``st`` (in place); return (transition, incident id)."""
        cfg = self.config
        st.cooldown_s = max(0.0, st.cooldown_s - width)
        if st.incident_id is None:
            if severity.rank >= Severity.WARNING.rank:
                start = bucket.start.astimezone(UTC)
                st.incident_id = f"{bucket.entity_id}@{start.strftime('%Y%m%dT%H%M%SZ')}"
                st.incident_severity = severity.value
                st.incident_since = start.isoformat()
                st.calm_s = 0.0
                return Transition.OPENED, st.incident_id
            return None, None
        peak = Severity(st.incident_severity)
        if severity.rank > peak.rank:
            st.incident_severity = severity.value
            st.calm_s = 0.0
            return Transition.ESCALATED, st.incident_id
        if score < cfg.resolve_score:
            st.calm_s += width
            if st.calm_s >= cfg.calm_s:
                resolved = st.incident_id
                st.incident_id = None
                st.incident_severity = Severity.OK.value
                st.incident_since = None
                st.calm_s = 0.0
                st.cooldown_s = cfg.cooldown_s
                return Transition.RESOLVED, resolved
        else:
            st.calm_s = 0.0
        if severity.value != st.prev_severity:
            return Transition.UPDATED, st.incident_id
        return None, st.incident_id
