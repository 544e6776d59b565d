import Certificates
import Foundation
import Testing

/// CivilDate replaces Foundation's formatters on the verifier's path: it must
/// write exactly what they write, for any time a certificate can hold.
@Suite struct CivilDateTests {
    @Test("RFC 3339 in Japan time and the Japanese date equal ISO8601DateFormatter's and DateFormatter's")
    func matchesFoundation() {
        let iso = ISO8601DateFormatter()
        iso.timeZone = TimeZone(identifier: "Asia/Tokyo")
        let japanese = DateFormatter()
        japanese.locale = Locale(identifier: "ja_JP")
        japanese.timeZone = TimeZone(identifier: "Asia/Tokyo")
        japanese.dateFormat = "yyyy年M月d日"
        var generator = SystemRandomNumberGenerator()
        // Day boundaries in Japan time, leap days, and random times up to year 9999.
        var times: [Int64] = [0, -1, 15 * 3600 - 1, 15 * 3600, 951_782_400, 4_107_456_000, 253_402_300_799, 1_796_238_467]
        for _ in 0..<2000 { times.append(Int64.random(in: 0...253_402_300_799, using: &generator)) }
        for t in times {
            let date = Date(timeIntervalSince1970: TimeInterval(t))
            #expect(CivilDate.japanISO8601(t) == iso.string(from: date), "\(t)")
            #expect(CivilDate.japaneseText(t) == japanese.string(from: date), "\(t)")
        }
    }

    @Test("days(year:month:day:) and date(ofDay:) are inverses across four centuries")
    func roundTrip() {
        for day in stride(from: Int64(-146_097), through: 146_097 * 2, by: 7) {
            let (y, m, d) = CivilDate.date(ofDay: day)
            #expect(CivilDate.days(year: y, month: m, day: d) == day)
        }
        #expect(CivilDate.days(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilDate.days(year: 2000, month: 3, day: 1) == 11_017)
    }

    @Test("a command line's date: YYYY-MM-DD is midnight in Japan, else ISO 8601 with its offset; impossible dates refused")
    func argument() {
        #expect(CivilDate.argument("2025-04-01") == ISO8601DateFormatter().date(from: "2025-03-31T15:00:00Z"))
        #expect(CivilDate.argument("2024-02-29") == ISO8601DateFormatter().date(from: "2024-02-28T15:00:00Z"))
        #expect(CivilDate.argument("2025-04-01T09:00:00+09:00") == ISO8601DateFormatter().date(from: "2025-04-01T00:00:00Z"))
        for bad in ["2025-02-29", "2025-13-01", "2025-04-31", "2025-00-10", "2025-4-1", "25-04-01", "2025-04-01 ", "", "tomorrow", "２０２５-04-01"] {
            #expect(CivilDate.argument(bad) == nil, "\(bad)")
        }
    }
}
