"""The one way Serene writes dates and times for people: pages, emails, the PDF receipt and (through
the same patterns in static/js/timefmt.js) the booking wizard.

    date        Tuesday 1 December 2026
    short date  Tue 1 Dec
    time        4:30 pm
    zone        Kolkata time  (a zone by its city, never "Asia/Kolkata")

Zone names are canonical: a browser's legacy alias (Asia/Calcutta) is stored and shown as the
current name (Asia/Kolkata).
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

# Legacy IANA names that browsers still report, and the current names they link to (tzdata's
# "backward" file). zoneinfo accepts both but does not say which is which. Only renamed places and
# old country-style names: a real place whose zone tzdata merged into a neighbour's (Europe/Oslo,
# America/Montreal) keeps its own name, as the people there say it. Pages, the profile picker
# (core.timezones.available_time_zones) and static/js/timefmt.js all read this one table.
LEGACY_TIME_ZONES: dict[str, str] = {
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Dacca": "Asia/Dhaka",
    "Asia/Thimbu": "Asia/Thimphu",
    "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
    "Asia/Macao": "Asia/Macau",
    "Asia/Chungking": "Asia/Shanghai",
    "Asia/Chongqing": "Asia/Shanghai",
    "Asia/Harbin": "Asia/Shanghai",
    "Asia/Kashgar": "Asia/Urumqi",
    "Asia/Ujung_Pandang": "Asia/Makassar",
    "Asia/Ashkhabad": "Asia/Ashgabat",
    "Asia/Istanbul": "Europe/Istanbul",
    "Asia/Tel_Aviv": "Asia/Jerusalem",
    "Europe/Kiev": "Europe/Kyiv",
    "Europe/Uzhgorod": "Europe/Kyiv",
    "Europe/Zaporozhye": "Europe/Kyiv",
    "Europe/Belfast": "Europe/London",
    "Europe/Tiraspol": "Europe/Chisinau",
    "Europe/Nicosia": "Asia/Nicosia",
    "Atlantic/Jan_Mayen": "Arctic/Longyearbyen",
    "Africa/Asmera": "Africa/Asmara",
    "Africa/Timbuktu": "Africa/Bamako",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Pacific/Truk": "Pacific/Chuuk",
    "Pacific/Ponape": "Pacific/Pohnpei",
    "Pacific/Enderbury": "Pacific/Kanton",
    "Pacific/Yap": "Pacific/Chuuk",
    "Pacific/Samoa": "Pacific/Pago_Pago",
    "Pacific/Johnston": "Pacific/Honolulu",
    "Antarctica/South_Pole": "Pacific/Auckland",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Catamarca": "America/Argentina/Catamarca",
    "America/Cordoba": "America/Argentina/Cordoba",
    "America/Jujuy": "America/Argentina/Jujuy",
    "America/Mendoza": "America/Argentina/Mendoza",
    "America/Indianapolis": "America/Indiana/Indianapolis",
    "America/Louisville": "America/Kentucky/Louisville",
    "America/Godthab": "America/Nuuk",
    "America/Argentina/ComodRivadavia": "America/Argentina/Catamarca",
    "America/Rosario": "America/Argentina/Cordoba",
    "America/Fort_Wayne": "America/Indiana/Indianapolis",
    "America/Knox_IN": "America/Indiana/Knox",
    "America/Atka": "America/Adak",
    "America/Porto_Acre": "America/Rio_Branco",
    "America/Coral_Harbour": "America/Atikokan",
    "America/Ensenada": "America/Tijuana",
    "America/Santa_Isabel": "America/Tijuana",
    "America/Shiprock": "America/Denver",
    "America/Virgin": "America/St_Thomas",
    "US/Eastern": "America/New_York",
    "US/Central": "America/Chicago",
    "US/Mountain": "America/Denver",
    "US/Pacific": "America/Los_Angeles",
    "US/Alaska": "America/Anchorage",
    "US/Hawaii": "Pacific/Honolulu",
    "US/Arizona": "America/Phoenix",
    "Canada/Eastern": "America/Toronto",
    "Canada/Pacific": "America/Vancouver",
    "Canada/Atlantic": "America/Halifax",
    "Canada/Central": "America/Winnipeg",
    "Canada/Mountain": "America/Edmonton",
    "Canada/Newfoundland": "America/St_Johns",
    "Canada/Saskatchewan": "America/Regina",
    "Canada/Yukon": "America/Whitehorse",
    "Brazil/Acre": "America/Rio_Branco",
    "Brazil/DeNoronha": "America/Noronha",
    "Brazil/East": "America/Sao_Paulo",
    "Brazil/West": "America/Manaus",
    "Chile/Continental": "America/Santiago",
    "Chile/EasterIsland": "Pacific/Easter",
    "Mexico/BajaNorte": "America/Tijuana",
    "Mexico/BajaSur": "America/Mazatlan",
    "Mexico/General": "America/Mexico_City",
    "Australia/ACT": "Australia/Sydney",
    "Australia/NSW": "Australia/Sydney",
    "Australia/Canberra": "Australia/Sydney",
    "Australia/LHI": "Australia/Lord_Howe",
    "Australia/North": "Australia/Darwin",
    "Australia/Queensland": "Australia/Brisbane",
    "Australia/South": "Australia/Adelaide",
    "Australia/Tasmania": "Australia/Hobart",
    "Australia/Victoria": "Australia/Melbourne",
    "Australia/West": "Australia/Perth",
    "Australia/Yancowinna": "Australia/Broken_Hill",
    "GB": "Europe/London",
    "Etc/UTC": "UTC",
    "Etc/GMT": "UTC",
    "GMT": "UTC",
    "Universal": "UTC",
    "Zulu": "UTC",
}


def canonical_time_zone(name: str) -> str:
    """The current IANA name for `name` (unchanged when it is current or unknown)."""
    return LEGACY_TIME_ZONES.get(name, name)


def zone_city(name: str) -> str:
    """A zone by its city, as people say it: "Kolkata", "New York", "Buenos Aires", "UTC"."""
    name = canonical_time_zone(name)
    if "/" not in name:
        return name
    return name.rsplit("/", 1)[1].replace("_", " ")


def zone_label(name: str) -> str:
    """"Kolkata time", "UTC"."""
    city = zone_city(name)
    return city if city == "UTC" else f"{city} time"


def _local(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(canonical_time_zone(zone)))


def format_clock(local: datetime) -> str:
    """A wall time already in its zone: "4:30 pm", "12:00 pm", "9:05 am"."""
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'}"


def format_time(instant: datetime, zone: str) -> str:
    return format_clock(_local(instant, zone))


def format_day(day: date) -> str:
    """"Tuesday 1 December 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def format_short_day(day: date) -> str:
    """"Tue 1 Dec"."""
    return f"{day:%a} {day.day} {day:%b}"


def format_date(instant: datetime, zone: str) -> str:
    return format_day(_local(instant, zone).date())


def format_short_date(instant: datetime, zone: str) -> str:
    return format_short_day(_local(instant, zone).date())


def format_when(instant: datetime, zone: str) -> str:
    """"Tuesday 1 December 2026, 4:30 pm"."""
    local = _local(instant, zone)
    return f"{format_day(local.date())}, {format_clock(local)}"


def format_time_range(starts_at: datetime, ends_at: datetime, zone: str) -> str:
    """"4:30 pm – 5:30 pm"."""
    return f"{format_time(starts_at, zone)} – {format_time(ends_at, zone)}"
