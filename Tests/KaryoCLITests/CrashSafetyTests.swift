import Foundation
import KaryoCodecs
import KaryoCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Kills `karyo import` and `karyo commit` at random moments, again and again, and checks after each
/// kill that the store still verifies and still holds every version committed before.
@Suite("crash safety", .serialized)
struct CrashSafetyTests {
    @Test("SIGKILL during import and commit never damages the store")
    func killRepeatedly() throws {
        let tmp = try TemporaryFolder()
        let project = tmp.path("p")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        #expect(try KaryoBinary.run(["init", "--split-seed", "1"], in: project).status == 0)
        // Every round imports a fresh delivery of distinct karyogram-sized images, so every round writes.
        func delivery(_ round: Int) throws -> URL {
            let folder = tmp.path("delivery-\(round)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for i in 0..<24 {
                var image = GrayImage(width: 1000, height: 900, fill: 230)
                for y in 0..<900 where (y / 12 + i + round * 31) % 3 == 0 {
                    for x in stride(from: (i * 37 + round) % 50, to: 1000, by: 50) { image[x: x, y: y] = UInt8((x + y * round) % 200) }
                }
                try ImageCodec.encodePNG(image).write(to: folder.appendingPathComponent("cell\(i).png"))
            }
            return folder
        }

        var generator = SystemRandomNumberGenerator()
        var committed: [String] = []
        var round = 0
        for _ in 0..<8 {
            round += 1
            // Import, killed after a random delay (sometimes before it starts work, sometimes mid-way).
            let importer = try KaryoBinary.start(["import", try delivery(round).path, "--lab", "crash-\(round % 2)"], in: project)
            usleep(UInt32.random(in: 20_000...600_000, using: &generator))
            kill(importer.processIdentifier, SIGKILL)
            importer.waitUntilExit()

            // Commit, killed at a random moment too.
            let committer = try KaryoBinary.start(["commit", "-m", "round \(round)"], in: project)
            usleep(UInt32.random(in: 1_000...150_000, using: &generator))
            kill(committer.processIdentifier, SIGKILL)
            committer.waitUntilExit()

            let verify = try KaryoBinary.run(["verify", "--json"], in: project)
            #expect(verify.status == 0, "round \(round): \(verify.stdout) \(verify.stderr)")
            let log = try KaryoBinary.run(["log", "--json"], in: project)
            #expect(log.status == 0)
            for id in committed { #expect(log.stdout.contains(id), "round \(round): version \(id) lost") }
            // Commit for real, when there is something to commit, so later rounds have versions to lose.
            let commit = try KaryoBinary.run(["commit", "-m", "kept \(round)", "--json"], in: project)
            if commit.status == 0,
                let id = (try? JSONSerialization.jsonObject(with: Data(commit.stdout.utf8)) as? [String: Any])?["id"] as? String
            {
                committed.append(id)
            }
        }
        let final = try KaryoBinary.run(["verify"], in: project)
        #expect(final.status == 0, "\(final.stdout)")
    }
}
