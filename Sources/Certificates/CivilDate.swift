import Foundation

/// Calendar arithmetic on day numbers (days since 1970-01-01), by hand
/// rather than with `Calendar`/`DateFormatter`: the format's day rules
/// (status-list change days, the verifier's "as of" dates) must give the same
/// answer in every verifier, the web page's included, independent of locale
/// data — and a `DateFormatter` per verification cost more than the
/// signature checks. The algorithms are H. Hinnant's `days_from_civil` and
/// `civil_from_days` (proleptic Gregorian calendar).
public enum CivilDate {
    /// Japan Standard Time is UTC+9 all year (no daylight saving since 1951).
    public static let japanOffset: Int64 = 9 * 3600

    /// The day number, in Japan time, of `seconds` since 1970 UTC (floor division).
    public static func japanDay(_ seconds: Int64) -> Int64 { day(seconds + japanOffset) }

    /// The day number of `seconds` since 1970 in a zone already applied (floor division).
    static func day(_ shifted: Int64) -> Int64 {
        shifted >= 0 ? shifted / 86_400 : -((-shifted + 86_399) / 86_400)
    }

    /// Midnight, Japan time, of a day number, as seconds since 1970 UTC.
    public static func japanMidnight(_ day: Int64) -> Int64 { day * 86_400 - japanOffset }

    /// A time given on a command line (`akashi-verify --at`, the federation
    /// and audit commands' dates): `YYYY-MM-DD` is that day's midnight in
    /// Japan, the time every certificate date is read in; anything else must
    /// be an ISO 8601 time with its offset (`2025-04-01T09:00:00+09:00`).
    /// The one rule for every such argument; the date form is arithmetic, so
    /// it needs no time-zone files (a bare root has none).
    public static func argument(_ text: String) -> Date? {
        if let (year, month, day) = ASCIIPattern.isoDate(text) {
            guard (1...12).contains(month), day >= 1, day <= daysIn(year: Int64(year), month: Int64(month)) else { return nil }
            return Date(timeIntervalSince1970: TimeInterval(japanMidnight(days(year: Int64(year), month: Int64(month), day: Int64(day)))))
        }
        return ISO8601DateFormatter().date(from: text)
    }

    static func daysIn(year: Int64, month: Int64) -> Int64 {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return month == 2 ? (leap ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Int(month - 1)]
    }

    /// The day number of a proleptic Gregorian date.
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date of a day number.
    public static func date(ofDay days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `2026年12月3日`: the Japan-time date of `seconds` since 1970 UTC, as
    /// the verifier's messages say it.
    public static func japaneseText(_ seconds: Int64) -> String {
        let (y, m, d) = date(ofDay: japanDay(seconds))
        return "\(y)年\(m)月\(d)日"
    }

    /// `2026-12-04T04:07:47+09:00`: RFC 3339 in Japan time, as
    /// `ISO8601DateFormatter` with the Asia/Tokyo zone writes it — without
    /// building a formatter (and loading ICU's zone data) per certificate.
    public static func japanISO8601(_ seconds: Int64) -> String { rfc3339(seconds, offset: japanOffset) }

    /// `2026-12-03T19:07:47Z`: RFC 3339 in UTC, the trust file's time form —
    /// proleptic Gregorian for every year (`ISO8601DateFormatter` switches to
    /// the Julian calendar before 1582-10-15, so a trust file it wrote read
    /// back as another time; found by fuzzing).
    public static func utcISO8601(_ seconds: Int64) -> String { rfc3339(seconds, offset: 0) }

    static func rfc3339(_ seconds: Int64, offset: Int64) -> String {
        let shifted = seconds + offset
        let dayNumber = Self.day(shifted)
        let (y, m, d) = date(ofDay: dayNumber)
        let t = shifted - dayNumber * 86_400
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let year = y >= 0 && y < 10_000 ? String(repeating: "0", count: 4 - String(y).count) + String(y) : String(y)
        let zone = offset == 0 ? "Z" : "+\(two(offset / 3600)):\(two(offset / 60 % 60))"
        return "\(year)-\(two(m))-\(two(d))T\(two(t / 3600)):\(two(t / 60 % 60)):\(two(t % 60))\(zone)"
    }

    /// `2026-12-04`: the Japan-time date of `seconds`, as `YYYY-MM-DD`.
    public static func japanISODate(_ seconds: Int64) -> String { String(japanISO8601(seconds).prefix(10)) }
}
