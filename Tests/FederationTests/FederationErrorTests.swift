import Federation
import Testing

@Suite struct FederationErrorTests {
    @Test func describesItsReason() {
        #expect(FederationError("expired").description == "expired")
    }
}
