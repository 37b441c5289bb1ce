import XCTest
import Pipeline

/// Reading what scontrol and sbatch print (captured from slurm-wlm 22.05 on Debian 12).
final class SlurmQueueTests: XCTestCase {
    let showJob = """
    JobId=2 ArrayJobId=1 ArrayTaskId=0 ArrayTaskThrottle=1 JobName=wrap UserId=root(0) GroupId=root(0) JobState=COMPLETED Reason=None Dependency=(null) ExitCode=0:0 RunTime=00:01:05 TimeLimit=UNLIMITED WorkDir=/tmp StdErr=/tmp/sl-1_0.out StdIn=/dev/null StdOut=/tmp/my logs/sl-1_0.out Power=
    JobId=3 ArrayJobId=1 ArrayTaskId=1 JobName=wrap JobState=FAILED Reason=NonZeroExitCode ExitCode=1:0 RunTime=1-00:00:02 StdOut=/tmp/sl-1_1.out
    JobId=1 ArrayJobId=1 ArrayTaskId=2-4,7%2 JobName=wrap JobState=PENDING Reason=JobArrayTaskLimit ExitCode=0:0 RunTime=00:00:00 StdOut=/tmp/sl-1_4294967294.out
    JobId=9 JobName=table JobState=CANCELLED Reason=DependencyNeverSatisfied Dependency=afterok:1_*(failed) ExitCode=0:0 RunTime=00:00:00
    """

    func testShowJobRecords() {
        let records = SlurmQueue.parseShowJob(showJob)
        XCTAssertEqual(records.count, 4)
        XCTAssertEqual(records[0].jobId, "2")
        XCTAssertEqual(records[0].arrayJobId, "1")
        XCTAssertEqual(records[0].arrayTasks, [0])
        XCTAssertEqual(records[0].state, "COMPLETED")
        XCTAssertTrue(records[0].succeeded)
        XCTAssertTrue(records[0].isFinished)
        XCTAssertEqual(records[0].runSeconds, 65)
        XCTAssertEqual(records[0].standardOutput, "/tmp/my logs/sl-1_0.out", "a path with a space stays whole")

        XCTAssertEqual(records[1].state, "FAILED")
        XCTAssertFalse(records[1].succeeded)
        XCTAssertTrue(records[1].isFinished)
        XCTAssertEqual(records[1].exitCode, "1:0")
        XCTAssertEqual(records[1].runSeconds, 86402)

        XCTAssertEqual(records[2].arrayTasks, [2, 3, 4, 7])
        XCTAssertFalse(records[2].isFinished)

        XCTAssertNil(records[3].arrayTasks)
        XCTAssertTrue(records[3].dependencyFailed)
        XCTAssertTrue(records[3].isFinished)
    }

    func testGarbageAndEmptyOutput() {
        XCTAssertEqual(SlurmQueue.parseShowJob(""), [])
        XCTAssertEqual(SlurmQueue.parseShowJob("No jobs in the system\n"), [])
    }

    func testTaskIdsAndDurations() {
        XCTAssertEqual(SlurmQueue.parseTaskIds("3"), [3])
        XCTAssertEqual(SlurmQueue.parseTaskIds("0-3%2"), [0, 1, 2, 3])
        XCTAssertEqual(SlurmQueue.parseTaskIds("0-8:4"), [0, 4, 8])
        XCTAssertNil(SlurmQueue.parseTaskIds("x"))
        XCTAssertNil(SlurmQueue.parseTaskIds("5-2"))
        XCTAssertEqual(SlurmTime.seconds("00:00:07"), 7)
        XCTAssertEqual(SlurmTime.seconds("02:03"), 123)
        XCTAssertNil(SlurmTime.seconds("soon"))
    }

    func testSubmissionId() {
        XCTAssertEqual(SlurmQueue.parseSubmission("12\n"), "12")
        XCTAssertEqual(SlurmQueue.parseSubmission("12;cluster\n"), "12")
        XCTAssertNil(SlurmQueue.parseSubmission("sbatch: error: Batch job submission failed\n"))
        XCTAssertNil(SlurmQueue.parseSubmission(""))
    }
}
