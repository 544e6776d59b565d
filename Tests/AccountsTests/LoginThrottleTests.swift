import Foundation
import Testing

@testable import Accounts

@Suite struct LoginThrottleTests {
    let t0 = Date(timeIntervalSince1970: 1_743_465_600)

    @Test func locksAfterMaxFailuresAndUnlocksAfterTheWindow() async {
        let throttle = LoginThrottle(maxFailures: 3, window: 600)
        for i in 0..<2 {
            await throttle.failed("login:tanaka", now: t0.addingTimeInterval(Double(i)))
            #expect(await throttle.retryAfter("login:tanaka", now: t0.addingTimeInterval(Double(i))) == nil)
        }
        await throttle.failed("login:tanaka", now: t0.addingTimeInterval(2))
        // Locked until the first failure is 600 s old.
        #expect(await throttle.retryAfter("login:tanaka", now: t0.addingTimeInterval(2)) == 598)
        #expect(await throttle.retryAfter("login:tanaka", now: t0.addingTimeInterval(599)) == 1)
        #expect(await throttle.retryAfter("login:tanaka", now: t0.addingTimeInterval(600)) == nil)
        // Sliding: two failures are still in the window, so one more locks again.
        await throttle.failed("login:tanaka", now: t0.addingTimeInterval(600))
        #expect(await throttle.retryAfter("login:tanaka", now: t0.addingTimeInterval(600)) == 1)
        #expect(await throttle.retryAfter("login:tanaka", now: t0.addingTimeInterval(1300)) == nil)
    }

    @Test func keysAreIndependentAndSuccessClears() async {
        let throttle = LoginThrottle(maxFailures: 2, window: 60)
        await throttle.failed("login:tanaka", now: t0)
        await throttle.failed("login:tanaka", now: t0)
        #expect(await throttle.retryAfter("login:tanaka", now: t0) == 60)
        #expect(await throttle.retryAfter("login:sato", now: t0) == nil)
        #expect(await throttle.retryAfter("addr:192.0.2.1", now: t0) == nil)
        await throttle.succeeded("login:tanaka")
        #expect(await throttle.retryAfter("login:tanaka", now: t0) == nil)
    }

    @Test func failuresOutsideTheWindowDoNotCount() async {
        let throttle = LoginThrottle(maxFailures: 3, window: 60)
        for i in 0..<10 {
            // One failure every 30 s: never three in a minute.
            let now = t0.addingTimeInterval(Double(i) * 30)
            await throttle.failed("addr:192.0.2.1", now: now)
            #expect(await throttle.retryAfter("addr:192.0.2.1", now: now) == nil)
        }
    }

    @Test func defaultsAreFiveInFifteenMinutes() async {
        let throttle = LoginThrottle()
        for _ in 0..<4 { await throttle.failed("k", now: t0) }
        #expect(await throttle.retryAfter("k", now: t0) == nil)
        await throttle.failed("k", now: t0)
        #expect(await throttle.retryAfter("k", now: t0) == 900)
    }
}
