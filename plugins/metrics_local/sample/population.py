"""The simulated business: users who sign up through channels, come back less and less, use features, buy, refund,
write to customer service and answer surveys; the ad spend that bought them and the USD rate.

Everything here is the business truth. How it is delivered (folders, files, formats) is `layout`, what goes wrong on
the way is `dirt`. Each part draws from its own seeded random stream, so planting dirt never changes the truth.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from metrics_local.sample.problems import UNKNOWN_ALIAS, Problems

# Asia/Shanghai has had no daylight saving time since 1991: a fixed offset keeps every timestamp exact.
SHANGHAI = timezone(timedelta(hours=8))
MISSING = object()  # utm_source for an organic signup whose event has no utm keys at all

FEATURES = ("search", "share", "export", "dashboard", "chat", "ai_assistant")
FEATURE_WEIGHTS = (10, 5, 3, 6, 4, 1)
PAGES = ("/home", "/feed", "/search", "/detail", "/profile", "/settings", "/pricing", "/help")
LANDING_PAGES = ("/", "/pricing", "/download", "/blog/how-to-start", "/campaign/1111")
PRODUCTS = (("vip_month", 30.0, 8), ("vip_quarter", 78.0, 4), ("vip_year", 268.0, 2), ("credits_100", 12.0, 6),
            ("credits_500", 49.0, 3), ("team_seat", 199.0, 1))  # fmt: skip
FEEDBACK_CATEGORIES = (("question", 35), ("complaint", 20), ("bug", 20), ("suggestion", 15), ("praise", 10))
_DOUBLE_11 = {(11, 8), (11, 9), (11, 10), (11, 11)}  # 双十一: more signups, a discount, more orders on the day
CS_CHANNELS = (("微信", 28), ("wechat", 6), ("email", 14), ("邮件", 8), ("phone", 24), ("电话", 20))


@dataclass(frozen=True)
class Channel:
    key: str  # canonical key of the shipped alias seed
    weight: float  # share of signups
    aliases: tuple[tuple[object, int], ...]  # utm_source values as sent, with weights
    medium: str
    campaigns: tuple[tuple[str, str], ...]  # (campaign_id, campaign_name)
    cac: float  # CNY of spend per signup
    signups_per_click: float
    ctr: float
    retention: float  # multiplies a user's engagement
    payer_rate: float
    export_alias: str = ""  # how the ad platform's spend export names itself


CHANNELS = (
    Channel("organic", 34, (("", 3), (None, 1), (MISSING, 3)), "", (), 0, 0, 0, 1.05, 0.34),
    Channel("douyin", 18, (("抖音", 6), ("Douyin", 3), ("tiktok", 1)), "feed",
            (("dy_feed_q4", "抖音信息流-拉新"), ("dy_live_q4", "抖音直播间")), 95, 0.045, 0.012, 0.8, 0.26, "Douyin"),
    Channel("tencent_ads", 14, (("腾讯广告", 6), ("gdt", 3), ("騰訊廣告", 1)), "cpc",
            (("gdt_moments_01", "朋友圈广告"), ("gdt_mp_02", "公众号底部广告")), 120, 0.05, 0.01, 0.95, 0.3, "腾讯广告"),
    Channel("xiaohongshu", 12, (("小红书", 5), ("xhs", 4), ("小紅書", 1)), "social",
            (("xhs_notes_q4", "小红书种草笔记"), ("xhs_search_q4", "小红书搜索")), 140, 0.06, 0.02, 1.1, 0.38, "xhs"),
    Channel("baidu_sem", 9, (("百度", 5), ("baidu", 5)), "cpc",
            (("bd_brand", "百度品牌词"), ("bd_generic", "百度通用词")), 160, 0.08, 0.03, 1.15, 0.42, "baidu"),
    Channel("weibo", 6, (("微博", 6), ("weibo", 4)), "social",
            (("wb_fans_q4", "微博粉丝通"), ("wb_hot_q4", "微博热搜")), 105, 0.035, 0.009, 0.75, 0.22, "微博"),
    Channel("wechat", 7, (("微信", 5), ("wechat", 5)), "social",
            (("wx_kol_q4", "公众号KOL"), ("wx_group_q4", "社群裂变")), 85, 0.07, 0.025, 1.0, 0.33, "wechat"),
)  # fmt: skip
# Only exists when the unknown_alias problem is planted: an alias the shipped seed does not know.
UNKNOWN_CHANNEL = Channel("unmapped", 0, ((UNKNOWN_ALIAS, 1),), "feed", (("ks_test_01", "快手拉新测试"),),
                          30, 0.05, 0.01, 0.9, 0.25, UNKNOWN_ALIAS)  # fmt: skip


@dataclass(frozen=True)
class Experiment:
    experiment_id: str
    start_fraction: float  # starts this far into the window
    purchase_lift: float  # treatment's purchase probability multiplier


EXPERIMENTS = (Experiment("checkout_button", 0.25, 1.35), Experiment("search_ranking", 0.35, 1.0))


@dataclass(slots=True)
class User:
    user_id: str
    anonymous_id: str
    signup_day: int | None  # index of the signup date in the window; None: registered before it (no signup event)
    channel: Channel
    utm_source: object  # str, None (JSON null) or MISSING
    campaign_id: str | None
    engagement: float
    payer: bool
    currency: str
    platform: str
    app_version: str
    features: tuple[str, ...]
    variants: dict[str, str]


@dataclass(slots=True)
class Event:
    event_id: str
    name: str
    time: datetime
    user_id: str | None
    anonymous_id: str | None
    platform: str
    app_version: str | None
    properties: dict | None = None
    utm: dict | None = None  # signup only; keys as sent
    received: datetime | None = None  # set when delivered


@dataclass(slots=True)
class Ticket:
    feedback_id: str
    system: str  # "cs" (customer-service desk, daily export) or "in_app" (weekly export)
    user_id: str | None
    created: datetime
    channel: str
    category: str  # canonical; the export decides the label language
    rating: int | None
    content: str
    first_response: datetime | None
    resolved: datetime | None


@dataclass(slots=True)
class Response:
    response_id: str
    survey_id: str
    kind: str  # "nps" or "csat"
    user_id: str
    submitted: datetime
    score: int | None  # None: the question was left unanswered
    comment: str
    extra: str  # answer to the survey's own question column


@dataclass(slots=True)
class SpendRow:
    day: date
    channel: Channel
    campaign_id: str
    campaign_name: str
    impressions: int
    clicks: int
    spend_cents: int


@dataclass
class World:
    start: date
    end: date
    users: list[User]
    events: list[Event]
    tickets: list[Ticket]
    responses: list[Response]
    spend: list[SpendRow]
    fx: list[tuple[date, str, int]]  # (date, currency, rate in 1/10000 CNY)

    @property
    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def new_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _pick(rng: random.Random, weighted: tuple[tuple[object, int], ...]):
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _at(day: date, seconds: float) -> datetime:
    return datetime.combine(day, time(), SHANGHAI) + timedelta(milliseconds=round(seconds * 1000))


def simulate(seed: int, start: date, end: date, n_users: int, problems: Problems, tick: Callable[[], None]) -> World:
    """The whole business over start..end; `tick` is called once per simulated day."""
    dates = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    users = _users(random.Random(f"{seed}/users"), n_users, dates, problems)
    events, active = _events(random.Random(f"{seed}/events"), users, dates, problems, tick)
    return World(
        start=start,
        end=end,
        users=users,
        events=events,
        tickets=_tickets(random.Random(f"{seed}/feedback"), active, dates, problems),
        responses=_responses(random.Random(f"{seed}/surveys"), active, dates, problems),
        spend=_spend(random.Random(f"{seed}/spend"), users, dates, problems),
        fx=_fx(random.Random(f"{seed}/fx"), dates),
    )


def _users(rng: random.Random, n_users: int, dates: list[date], problems: Problems) -> list[User]:
    n_legacy = round(n_users * 0.08)
    day_weights = [
        (1 + 0.8 * i / len(dates))
        * (1.15 if d.weekday() >= 5 else 1.0)
        * (1.8 if (d.month, d.day) in _DOUBLE_11 else 1)
        for i, d in enumerate(dates)
    ]
    signup_days = sorted(rng.choices(range(len(dates)), day_weights, k=n_users - n_legacy))
    users = []
    for n, signup_day in enumerate([None] * n_legacy + signup_days, start=1):
        channel = CHANNELS[0] if signup_day is None else rng.choices(CHANNELS, [c.weight for c in CHANNELS])[0]
        platform = _pick(rng, (("ios", 35), ("android", 40), ("web", 10), ("miniprogram", 15)))
        engagement = min(0.95, rng.betavariate(2.2, 2.4) * channel.retention)
        users.append(
            User(
                user_id=f"u{100000 + n}",
                anonymous_id=f"a{rng.getrandbits(48):012x}",
                signup_day=signup_day,
                channel=channel,
                utm_source=_pick(rng, channel.aliases),
                campaign_id=rng.choice(channel.campaigns)[0] if channel.campaigns else None,
                engagement=engagement,
                payer=rng.random() < channel.payer_rate * (0.6 + engagement),
                currency="USD" if rng.random() < 0.06 else "CNY",
                platform=platform,
                app_version=_pick(rng, (("5.2.0", 6), ("5.1.3", 3), ("4.9.8", 1))) if platform != "web" else "web",
                features=tuple(dict.fromkeys(rng.choices(FEATURES, FEATURE_WEIGHTS, k=4))),
                variants={e.experiment_id: rng.choice(("control", "treatment")) for e in EXPERIMENTS},
            )
        )
        # Drawn either way and applied last: planting the problem relabels some signups and changes nothing else.
        relabel = rng.random() < 0.2
        if (
            problems.unknown_alias
            and relabel
            and signup_day is not None
            and signup_day >= len(dates) - 7
            and channel.cac
        ):
            users[-1].channel, users[-1].utm_source = UNKNOWN_CHANNEL, UNKNOWN_ALIAS
            users[-1].campaign_id = UNKNOWN_CHANNEL.campaigns[0][0]
    return users


# Share of sessions starting in each local hour 0..22 (sessions start before 23:00 so they end the same day).
_HOUR_WEIGHTS = (1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3.5, 4, 3.5, 3, 3.5, 3, 2.5, 2.5, 2.5, 3, 3.5, 4.5, 5.5, 6, 7.5)


class _Day:
    """Builds one business day's events."""

    def __init__(self, rng: random.Random, day: date, index: int, dates: list[date], scale: float, price: float = 1.0):
        self.rng, self.day, self.index, self.dates, self.scale, self.price = rng, day, index, dates, scale, price
        self.events: list[Event] = []
        self.running = [e for e in EXPERIMENTS if index >= int(len(dates) * e.start_fraction)]

    def emit(self, name: str, at: datetime, user: User | None, properties: dict | None = None, **kw) -> None:
        self.events.append(
            Event(
                event_id=new_id(self.rng),
                name=name,
                time=at,
                user_id=user.user_id if user else None,
                anonymous_id=kw.pop("anonymous_id", user.anonymous_id if user else None),
                platform=kw.pop("platform", user.platform if user else "web"),
                app_version=kw.pop("app_version", user.app_version if user else None),
                properties=properties,
                **kw,
            )
        )

    def session(self, user: User, signup: bool, days_since_signup: int) -> None:
        rng = self.rng
        hour = rng.choices(range(23), _HOUR_WEIGHTS)[0]
        at = _at(self.day, hour * 3600 + rng.uniform(0, 3599))

        def step() -> datetime:
            nonlocal at
            at += timedelta(milliseconds=rng.randint(4000, 150000))
            return at

        if signup:
            utm = {} if user.utm_source is MISSING else {"utm_source": user.utm_source}
            if user.channel.cac or user.channel is UNKNOWN_CHANNEL:
                utm |= {"utm_medium": user.channel.medium, "utm_campaign": user.campaign_id}
            self.emit("signup", at, user, {"method": rng.choice(("phone", "wechat", "email"))}, utm=utm)
        elif rng.random() < 0.7:
            self.emit("login", at, user, {"method": rng.choice(("password", "sms", "wechat"))})
        for _ in range(rng.randint(1, 7)):
            self.emit("page_view", step(), user, {"page": rng.choice(PAGES)})
        for _ in range(4):
            if rng.random() < 0.15 + 0.5 * user.engagement:
                feature = rng.choice(user.features)
                self.emit("feature_use", step(), user, {"feature": feature})
                if feature == "search":
                    self.expose(user, "search_ranking", at)
        if rng.random() < 0.01:
            self.emit("app_crash", step(), user, {"screen": rng.choice(PAGES), "error": "OutOfMemoryError"})
        if rng.random() < 0.04:
            self.emit("push_open", step(), user, {"campaign": "daily_digest"})
        self.maybe_purchase(user, days_since_signup)

    def expose(self, user: User, experiment_id: str, at: datetime) -> None:
        if any(e.experiment_id == experiment_id for e in self.running):
            variant = user.variants[experiment_id]
            self.emit("experiment_exposure", at, user, {"experiment_id": experiment_id, "variant": variant})

    def maybe_purchase(self, user: User, days_since_signup: int) -> None:
        rng = self.rng
        p = (0.11 if user.payer else 0.003) * (1.4 if days_since_signup < 7 else 1.0)
        p *= 2.0 if (self.day.month, self.day.day) == (11, 11) else 1.0
        checkout = next((e for e in self.running if e.experiment_id == "checkout_button"), None)
        if checkout and user.variants[checkout.experiment_id] == "treatment":
            p *= checkout.purchase_lift
        buys = rng.random() < p
        if checkout and (buys or rng.random() < 0.12):
            self.expose(user, checkout.experiment_id, self.events[-1].time + timedelta(seconds=rng.randint(5, 60)))
        if not buys:
            return
        sku, price, _ = rng.choices(PRODUCTS, [w for *_, w in PRODUCTS])[0]
        amount = price * (rng.choice((1, 1, 1, 2)) if sku.startswith("credits") else 1)
        amount *= 0.8 if (self.day.month, self.day.day) in _DOUBLE_11 else 1.0
        amount *= self.price
        if user.currency == "USD":
            amount = amount / 7.1
        amount = round(amount, 2)
        cost = round(amount * rng.uniform(0.18, 0.42), 2)
        at = self.events[-1].time + timedelta(seconds=rng.randint(20, 180))
        order_id = f"ORD{self.day:%Y%m%d}{rng.getrandbits(32):08X}"
        as_text = user.app_version == "4.9.8"  # the old client sends money as decimal strings
        self.emit("purchase", at, user, {
            "order_id": order_id, "sku": sku, "amount": f"{amount:.2f}" if as_text else amount,
            "currency": user.currency, "cost": f"{cost:.2f}" if as_text else cost,
        })  # fmt: skip
        if rng.random() < 0.06:
            refund_at = at + timedelta(hours=rng.uniform(2, 240))
            refunded = amount if rng.random() < 0.75 else round(amount / 2, 2)
            if refund_at.date() <= self.dates[-1]:
                props = {"order_id": order_id, "amount": refunded, "currency": user.currency, "reason": "user_request"}
                self.emit("refund", refund_at, user, props, platform="server", app_version=None)

    def anonymous(self, pool: list[str]) -> None:
        for _ in range(round(self.rng.gauss(150, 15) * self.scale)):
            at = _at(self.day, self.rng.uniform(6 * 3600, 23.5 * 3600))
            page = self.rng.choice(LANDING_PAGES)
            platform = self.rng.choice(("web", "miniprogram"))
            self.emit("page_view", at, None, {"page": page}, anonymous_id=self.rng.choice(pool), platform=platform)


def _events(rng: random.Random, users: list[User], dates: list[date], problems: Problems, tick: Callable[[], None]):
    """All events, and the users active on each day (for feedback and surveys)."""
    events: list[Event] = []
    active_by_day: list[list[User]] = []
    anonymous_pool = [f"a{rng.getrandbits(48):012x}" for _ in range(1500)]
    for index, day in enumerate(dates):
        scale = problems.activity_scale(index, len(dates))
        builder = _Day(rng, day, index, dates, scale, problems.price_scale(day, dates[-1]))
        active = []
        weekend = 0.85 if day.weekday() >= 5 else 1.0
        for user in users:
            if user.signup_day is not None and user.signup_day > index:
                break  # users are ordered by signup day
            is_signup = user.signup_day == index
            k = index - user.signup_day if user.signup_day is not None else 90
            p = 1.0 if is_signup else user.engagement * (0.22 + 0.78 * math.exp(-k / 4)) * weekend
            if rng.random() >= p * scale * problems.user_scale(user.platform, not is_signup, index, len(dates)):
                continue
            active.append(user)
            builder.session(user, is_signup, k)
            if rng.random() < 0.35 * user.engagement:
                builder.session(user, False, k)
        builder.anonymous(anonymous_pool)
        events.extend(builder.events)
        active_by_day.append(active)
        tick()
    last = datetime.combine(dates[-1], time.max, SHANGHAI)
    return [e for e in events if e.time <= last], active_by_day


def _tickets(
    rng: random.Random, active_by_day: list[list[User]], dates: list[date], problems: Problems
) -> list[Ticket]:
    tickets = []
    for index, (day, active) in enumerate(zip(dates, active_by_day, strict=True)):
        usual = round(6 + 0.02 * len(active) + rng.uniform(0, 4))
        for n in range(usual + problems.extra_complaints(index, len(dates))):
            surge = n >= usual  # complaint_surge: they call in
            system = "in_app" if rng.random() < 0.35 and not surge else "cs"
            category = "complaint" if surge else _pick(rng, FEEDBACK_CATEGORIES)
            created = _at(day, rng.uniform(8 * 3600, 23.9 * 3600))
            channel = "phone" if surge else "app" if system == "in_app" else _pick(rng, CS_CHANNELS)
            first_response = resolved = None
            if rng.random() < (0.6 if system == "in_app" else 0.92):
                minutes = rng.uniform(0.5, 4) if channel in ("phone", "电话") else rng.lognormvariate(math.log(40), 1.0)
                minutes *= 9 if system == "in_app" else 1
                first_response = created + timedelta(seconds=round(minutes * 60))
                if rng.random() < 0.8:
                    resolved = first_response + timedelta(seconds=round(rng.lognormvariate(math.log(5), 1.1) * 3600))
            mood = {"praise": 5, "suggestion": 4, "question": 4, "bug": 2, "complaint": 1}[category]
            rating = min(5, max(1, mood + rng.choice((-1, 0, 0, 1)))) if rng.random() < 0.75 else None
            tickets.append(
                Ticket(
                    feedback_id=f"CS{day:%Y%m%d}{n:04d}" if system == "cs" else f"FB-{rng.getrandbits(40):010x}",
                    system=system,
                    user_id=rng.choice(active).user_id if active and rng.random() < 0.95 else None,
                    created=created,
                    channel=channel,
                    category=category,
                    rating=rating,
                    content=rng.choice(_FEEDBACK_TEXT[category]),
                    first_response=first_response,
                    resolved=resolved,
                )
            )
    return tickets


_FEEDBACK_TEXT = {
    "question": (
        "怎么导出报表？",
        "How do I change my phone number?",
        "会员可以开发票吗",
        "Where is the team settings page?",
    ),
    "complaint": ("扣费了但是会员没到账", "客服回复太慢", "The app logs me out every day", "广告太多了"),
    "bug": ("搜索结果一直转圈", "Export to Excel fails with an error", "安卓端闪退", "图表显示空白"),
    "suggestion": ("希望增加深色模式", "Please add a weekly digest email", "希望支持批量导出"),
    "praise": ("很好用，推荐给同事了", "Great update, the dashboard is fast now", "客服小姐姐很耐心"),
}


def _responses(rng: random.Random, active_by_day: list[list[User]], dates: list[date], problems: Problems):
    responses = []
    months = sorted({(d.year, d.month) for d in dates})
    for year, month in months:
        days = [i for i, d in enumerate(dates) if (d.year, d.month) == (year, month)]
        invited = sorted({u.user_id: u for i in days for u in active_by_day[i]}.values(), key=lambda u: u.user_id)
        collapse = problems.nps_collapse and (year, month) == months[-1]
        for kind, share in (("nps", 0.12), ("csat", 0.08)):
            survey_id = f"{kind}_{year}_{month:02d}"
            respondents = rng.sample(invited, round(len(invited) * share))
            for user in sorted(respondents, key=lambda u: u.user_id):
                for answer in range(2 if rng.random() < 0.04 else 1):
                    offset = min(len(days) - 1, int(rng.expovariate(1 / 4)) + 2 * answer)
                    submitted = _at(dates[days[offset]], rng.uniform(8 * 3600, 23.5 * 3600))
                    score = _nps(rng, user, collapse) if kind == "nps" else _csat(rng, user)
                    responses.append(
                        Response(
                            response_id=f"{survey_id}-{len(responses) + 1:06d}",
                            survey_id=survey_id,
                            kind=kind,
                            user_id=user.user_id,
                            submitted=submitted,
                            score=None if rng.random() < 0.05 + 0.15 * answer else score,
                            comment=rng.choice(_SURVEY_COMMENTS),
                            extra=rng.choice(user.features) if kind == "nps" else rng.choice(CS_CHANNELS)[0],
                        )
                    )
    return sorted(responses, key=lambda r: (r.submitted, r.response_id))


_SURVEY_COMMENTS = (
    "",
    "",
    "",
    "挺好的",
    "希望价格便宜点",
    "Love the dashboards",
    "导出功能很实用",
    "too many ads",
    "一般般",
)


def _nps(rng: random.Random, user: User, collapse: bool) -> int:
    if collapse:
        bucket = _pick(rng, (("detractor", 80), ("passive", 12), ("promoter", 8)))
    else:
        promoter = 25 + 40 * user.engagement
        bucket = _pick(rng, (("detractor", 22), ("passive", 38), ("promoter", round(promoter))))
    low, high = {"detractor": (0, 6), "passive": (7, 8), "promoter": (9, 10)}[bucket]
    return rng.randint(low, high)


def _csat(rng: random.Random, user: User) -> int:
    return rng.choices((1, 2, 3, 4, 5), (4, 7, 16, 38, 35 + 20 * user.engagement))[0]


def _spend(rng: random.Random, users: list[User], dates: list[date], problems: Problems) -> list[SpendRow]:
    signups: dict[tuple[str, int], int] = {}
    for user in users:
        if user.signup_day is not None:
            key = (user.channel.key, user.signup_day)
            signups[key] = signups.get(key, 0) + 1
    rows = []
    for channel in CHANNELS[1:]:
        for index, day in enumerate(dates):
            n = signups.get((channel.key, index), 0) + 0.6  # some spend even on a day that bought nobody
            total = n * channel.cac * rng.lognormvariate(0, 0.15) * problems.spend_scale(channel.key, index, len(dates))
            clicks = n / channel.signups_per_click * rng.lognormvariate(0, 0.1)
            for (campaign_id, name), share in zip(channel.campaigns, (0.65, 0.35), strict=True):
                c = round(clicks * share)
                rows.append(
                    SpendRow(day, channel, campaign_id, name, round(c / channel.ctr), c, round(total * share * 100))
                )
    if problems.unknown_alias:
        campaign_id, name = UNKNOWN_CHANNEL.campaigns[0]
        rows.append(SpendRow(dates[-2], UNKNOWN_CHANNEL, campaign_id, name, 250_000, 2_400, 360_000))
    return rows


def _fx(rng: random.Random, dates: list[date]) -> list[tuple[date, str, int]]:
    """USD→CNY on business days, from a week before the window so its first days have a rate."""
    rate, rates = 71200, []
    day = dates[0] - timedelta(days=7)
    while day <= dates[-1]:
        if day.weekday() < 5:
            rate += rng.randint(-40, 40)
            rates.append((day, "USD", rate))
        day += timedelta(days=1)
    return rates
