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

@Suite("Login guard: per name+address, per name, per address")
struct LoginGuardTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("one address trying many accounts is stopped by the address limit")
    func spray() async {
        let guardian = LoginGuard(pairFailures: 5, nameFailures: 20, addressFailures: 10, window: 600)
        for i in 0..<10 {
            #expect(await guardian.retryAfter(login: "user\(i)", address: "192.0.2.1", now: t0) == nil)
            await guardian.failed(login: "user\(i)", address: "192.0.2.1", now: t0)
        }
        #expect(await guardian.retryAfter(login: "fresh", address: "192.0.2.1", now: t0) != nil)
        #expect(await guardian.retryAfter(login: "fresh", address: "192.0.2.2", now: t0) == nil, "another address is not affected")
    }

    @Test("one account tried from many addresses is stopped by the name limit")
    func distributed() async {
        let guardian = LoginGuard(pairFailures: 5, nameFailures: 8, addressFailures: 50, window: 600)
        for i in 0..<8 { await guardian.failed(login: "super", address: "198.51.100.\(i)", now: t0) }
        #expect(await guardian.retryAfter(login: "super", address: "203.0.113.9", now: t0) != nil)
        #expect(await guardian.retryAfter(login: "clerk", address: "203.0.113.9", now: t0) == nil)
    }

    @Test("a success clears the name but not the address")
    func success() async {
        let guardian = LoginGuard(pairFailures: 5, nameFailures: 20, addressFailures: 3, window: 600)
        for i in 0..<3 { await guardian.failed(login: "x\(i)", address: "192.0.2.7", now: t0) }
        await guardian.succeeded(login: "mine", address: "192.0.2.7")
        #expect(await guardian.retryAfter(login: "other", address: "192.0.2.7", now: t0) != nil)
        await guardian.failedMalformed(address: "192.0.2.8", now: t0)
        #expect(await guardian.retryAfter(login: "other", address: "192.0.2.8", now: t0) == nil)
    }
}
