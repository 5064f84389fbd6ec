import OCRFleetModel
import OCRFleetTesting
import Testing

@testable import OCRFleetWorker

/// In-progress acks keep a running job from being handed to another worker, and stop once
/// the attempt is wedged, so JetStream redelivers the job. Time is moved by hand.
@Suite struct HeartbeatTests {
    @Test func beatsEachIntervalAndStopsAtItsEnd() async {
        let clock = ManualClock()
        let fleetClock = FleetClock(clock)
        let (beats, beat) = AsyncStream.makeStream(of: Duration.self)
        let heartbeat = Heartbeat(every: .seconds(20), clock: fleetClock) { beat.yield(clock.now.offset) }
        defer { heartbeat.stop() }
        heartbeat.beat(until: fleetClock.now + .seconds(50))
        var heard = beats.makeAsyncIterator()
        for _ in 0..<3 {
            await clock.sleepers(atLeast: 1)
            clock.advance(by: .seconds(20))
        }
        await heartbeat.finished()
        beat.finish()
        var times: [Duration] = []
        while let time = await heard.next() { times.append(time) }
        #expect(times == [.seconds(20), .seconds(40)], "none after the end at 50 s")
    }

    @Test func withoutAnEndItBeatsUntilStopped() async {
        let clock = ManualClock()
        let (beats, beat) = AsyncStream.makeStream(of: Void.self)
        let heartbeat = Heartbeat(every: .seconds(20), clock: FleetClock(clock)) { beat.yield() }
        var heard = beats.makeAsyncIterator()
        for _ in 0..<5 {
            await clock.sleepers(atLeast: 1)
            clock.advance(by: .seconds(20))
            _ = await heard.next()
        }
        await clock.sleepers(atLeast: 1)
        heartbeat.stop()
        await heartbeat.finished()
        clock.advance(by: .seconds(20))
        beat.finish()
        #expect(await heard.next() == nil, "no ack after stop")
    }
}
