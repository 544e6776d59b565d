import Testing
import Witness

@Suite struct WitnessErrorTests {
    @Test func statusCodesFollowTheSpec() {
        #expect(WitnessError(.unknownLog, "").httpStatus == 404)
        #expect(WitnessError(.badSignature, "").httpStatus == 403)
        #expect(WitnessError(.badRequest, "").httpStatus == 400)
        #expect(WitnessError(.conflict, "", latestSize: 3).httpStatus == 409)
        #expect(WitnessError(.inconsistent, "").httpStatus == 422)
    }
}
