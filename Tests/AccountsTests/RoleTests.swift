import Accounts
import Testing

@Suite struct RoleTests {
    @Test func clerksIssueButDoNotManage() {
        #expect(Role.clerk.may(.issue))
        #expect(Role.clerk.may(.search))
        #expect(!Role.clerk.may(.batch))
        #expect(!Role.clerk.may(.manageUsers))
        #expect(!Role.clerk.may(.audit))
        #expect(!Role.clerk.may(.manageTokens))
    }

    @Test func auditorsOnlyReadTheTrail() {
        for action in Role.Action.allCases {
            #expect(Role.auditor.may(action) == (action == .audit), "\(action)")
        }
    }

    @Test func adminMayDoEverything() {
        for action in Role.Action.allCases { #expect(Role.admin.may(action)) }
    }

    @Test func supervisorsBatchButCannotMintTokens() {
        #expect(Role.supervisor.may(.batch))
        #expect(Role.supervisor.may(.manageUsers))
        #expect(!Role.supervisor.may(.manageTokens))
        #expect(!Role.supervisor.may(.audit))
    }
}
