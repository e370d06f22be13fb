package io.chordfs.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy}'s command line through {@link Main#run}, without AWS: help, version, usage errors
 * and their hints, completion, and what the documented command lines ask for.
 */
class MainTest {
    record Result(int code, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Exit 2 before any AWS call: a line naming what is wrong, a line of hint that ends at the command's help. */
    static Result usageError(String... args) {
        Result r = run(args);
        assertEquals(2, r.code(), List.of(args) + ": " + r);
        assertEquals(2, r.errLines().size(), List.of(args) + " should print a reason and a hint: " + r.err());
        assertTrue(r.errLines().get(0).startsWith("deploy"), r.err());
        assertTrue(r.errLines().get(1).startsWith("  ") && r.errLines().get(1).endsWith(" --help"), r.err());
        assertEquals("", r.out(), List.of(args).toString());
        return r;
    }

    static <T> T parsed(String... args) {
        PrintStream none = new PrintStream(OutputStream.nullOutputStream());
        return Main.commandLine(none, none).parseArgs(args).subcommand().commandSpec().commandLine().getCommand();
    }

    @Test
    void everyCommandAnswersHelp() {
        for (List<String> args : List.of(List.of("--help"), List.of("-h"), List.of("help"))) {
            Result r = run(args.toArray(String[]::new));
            assertEquals(0, r.code(), args.toString());
            assertTrue(r.out().startsWith("Usage: java -jar deploy.jar"), r.out());
            assertTrue(r.out().contains("up") && r.out().contains("status") && r.out().contains("down"), r.out());
        }
        for (List<String> args : List.of(List.of("up", "--help"), List.of("status", "-h"), List.of("help", "down"))) {
            Result r = run(args.toArray(String[]::new));
            assertEquals(0, r.code(), args.toString());
            assertTrue(r.out().startsWith("Usage: java -jar deploy.jar " + args.get(args.get(0).equals("help") ? 1 : 0)), r.out());
            assertTrue(r.out().contains("--name"), r.out());
        }
        Result status = run("status", "--help");
        assertTrue(status.out().contains("--address=private|public"), status.out());
        assertTrue(status.out().contains("--port=N"), status.out());
        Result up = run("up", "--help");
        assertTrue(up.out().startsWith("Usage: java -jar deploy.jar up --name NAME --ami AMI --instance-profile PROFILE [OPTIONS]\n"),
                "the synopsis names the required options: " + up.out());
        for (String option : List.of("--ami", "--instance-profile", "--instance-type", "--subnets", "--client-cidr",
                "--min", "--max", "--desired", "--policy", "--threshold", "--endpoint-url", "--region", "--profile", "--version")) {
            assertTrue(up.out().contains(option), option);
        }
    }

    @Test
    void version() {
        for (String[] args : new String[][] {{"--version"}, {"up", "-V"}}) {
            Result r = run(args);
            assertEquals(0, r.code());
            assertTrue(r.out().matches("deploy \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\nJava .*\n"), r.out());
        }
    }

    @Test
    void aTypoGetsTheNameMeantAndAnotherCommandsOptionItsCommand() {
        assertEquals(List.of("deploy up: unknown option '--instance-profil'",
                        "  did you mean --instance-profile? see: java -jar deploy.jar up --help"),
                usageError("up", "--name", "x", "--ami", "a", "--instance-profil", "p").errLines());
        assertEquals(List.of("deploy: unknown command 'stauts'", "  did you mean status? see: java -jar deploy.jar --help"),
                usageError("stauts", "--name", "x").errLines());
        assertEquals(List.of("deploy status: unknown option '--ami'",
                        "  --ami is an option of deploy up; see: java -jar deploy.jar status --help"),
                usageError("status", "--name", "x", "--ami", "ami-1").errLines());
    }

    @Test
    void badUsageIsAReasonAndAHintAndExit2() {
        assertTrue(usageError().err().startsWith("deploy: no command given\n"));
        assertTrue(usageError("sideways").err().contains("commands: up, status, down, help, completion"));
        assertTrue(usageError("up", "--name", "x", "--instance-profile", "p").err().contains("missing required option: '--ami=AMI'"));
        usageError("up", "--name", "x", "--ami", "ami-1", "--instance-profile", "p", "--min", "abc");
        assertTrue(usageError("up", "--name", "x", "--ami", "ami-1", "--instance-profile", "p", "--min", "5", "--max", "2")
                .err().contains("--min 5 is above --max 2"));
        assertTrue(usageError("up", "--name", "x", "--ami", "ami-1", "--instance-profile", "p", "--desired", "20")
                .err().contains("--desired 20 must be between --min and --max"));
        assertTrue(usageError("up", "--name", "x", "--ami", "ami-1", "--instance-profile", "p", "--policy", "simple")
                .err().contains("--policy must be step or target-tracking, not 'simple'"));
        assertTrue(usageError("up", "--name", "x", "--ami", "ami-1", "--instance-profile", "p", "--client-cidr", "everyone")
                .err().contains("--client-cidr must be an IPv4 CIDR"));
        assertTrue(usageError("up", "--name", "x", "--ami", "ami-1", "--instance-profile", "p", "--threshold", "100")
                .err().contains("--threshold must be between 1 and 99, got 100"));
        assertTrue(usageError("status").err().contains("missing required option: '--name=NAME'"));
        assertTrue(usageError("status", "--name", "x", "--address", "elastic").err()
                .contains("--address must be private or public, not 'elastic'"));
        assertTrue(usageError("status", "--name", "x", "--port", "0").err().contains("--port must be between 1 and 65535, got 0"));
        assertTrue(usageError("up", "--name", "x", "--ami", "ami-1", "--instance-profile", "p", "--port", "5057").err()
                .contains("--port is an option of deploy status"));
        usageError("down", "--name");
        assertTrue(usageError("down", "--name", "bad_name!").err().contains("--name must be 1-63 letters"));
        assertTrue(usageError("down", "stray", "--name", "x").err().contains("unexpected argument 'stray'"));
        assertTrue(usageError("down", "--name", "x", "--name", "y").err().contains("only once"));
    }

    /** deploy/README.md's command lines ask for what they asked for before picocli. */
    @Test
    void documentedCommandLinesMeanWhatTheyMeant() {
        Main.UpCommand up = parsed("up", "--name", "demo", "--ami", "ami-0abc", "--instance-profile", "chordfs-node",
                "--client-cidr", "203.0.113.0/24", "--subnets", "subnet-1, subnet-2,", "--min", "2", "--max", "5",
                "--desired", "3", "--policy", "target-tracking", "--threshold", "40", "--instance-type", "t3.small",
                "--region", "eu-west-1", "--endpoint-url", "http://127.0.0.1:5000", "--profile", "p");
        assertEquals(new Up.Request("ami-0abc", "chordfs-node", "t3.small", List.of("subnet-1", "subnet-2"), "203.0.113.0/24",
                new AutoScalingGroups.Size(2, 5, 3), Up.Policy.TARGET_TRACKING, 40), up.request());
        assertEquals(new Names("demo"), up.deployment.names());
        assertEquals("eu-west-1", up.deployment.region);
        assertEquals("http://127.0.0.1:5000", up.deployment.endpointUrl);
        assertEquals("p", up.deployment.profile);

        Main.UpCommand defaults = parsed("up", "--name=demo", "--ami=ami-0abc", "--instance-profile=chordfs-node");
        assertEquals(new Up.Request("ami-0abc", "chordfs-node", "t3.micro", List.of(), null, new AutoScalingGroups.Size(1, 10, null),
                Up.Policy.STEP, 30), defaults.request());

        assertEquals(new RingStatus.Target(RingStatus.Address.PRIVATE, 5057),
                MainTest.<Main.StatusCommand>parsed("status", "--name", "demo").target());
        assertEquals(new RingStatus.Target(RingStatus.Address.PUBLIC, 6000),
                MainTest.<Main.StatusCommand>parsed("status", "--name", "demo", "--address", "public", "--port", "6000").target());
    }

    @Test
    void completionForBashAndZsh() {
        Result bash = run("completion", "bash");
        assertEquals(0, bash.code(), bash.err());
        assertTrue(bash.out().contains("complete -F _complete_deploy"), "registers for the command deploy");
        for (String word : List.of("up", "status", "down", "--instance-profile", "--endpoint-url", "target-tracking")) {
            assertTrue(bash.out().contains(word), word);
        }
        assertEquals(bash.out(), run("completion", "zsh").out());
    }
}
