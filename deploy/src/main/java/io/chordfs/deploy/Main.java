package io.chordfs.deploy;

import io.chordfs.core.cli.Cli;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkException;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/** {@code java -jar deploy.jar <up|status|down> --name NAME ...}: provisions and tears down ChordFS on AWS. */
@Command(name = "deploy", subcommands = {Main.UpCommand.class, Main.StatusCommand.class, Main.DownCommand.class},
        description = "Provisions and tears down a ChordFS deployment on AWS: one Auto Scaling group of nodes that"
                + " run `node-daemon run --aws`.",
        footer = {"", "Exit status: 0 done, 1 AWS failure or something left, 2 bad usage."})
public final class Main implements Callable<Integer> {
    static final String INVOCATION = "java -jar deploy.jar";

    final PrintStream out;
    final PrintStream err;
    @Spec
    CommandSpec spec;

    private Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    /** Runs one command; returns the exit status. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        return commandLine(out, err).execute(argv);
    }

    /** The command line as {@link #run} parses it, for tests of what an argument list means. */
    static CommandLine commandLine(PrintStream out, PrintStream err) {
        return Cli.commandLine(new Main(out, err), INVOCATION, out, err);
    }

    @Override
    public Integer call() {
        throw Cli.usage(spec, "no command given");
    }

    /** What one command does against AWS once it holds a client. */
    interface AwsCall {
        int run(Aws aws);
    }

    /** The options of every command: which deployment, and how to reach AWS. */
    static final class Deployment {
        @Spec(Spec.Target.MIXEE)
        CommandSpec command;

        @Option(names = "--name", paramLabel = "NAME", required = true, description = "the deployment; every resource"
                + " is named from it and tagged chordfs:deployment=NAME")
        String name;

        @Option(names = "--region", paramLabel = "R", description = "AWS region (default: the SDK's default chain, e.g."
                + " AWS_REGION or the profile)")
        String region;

        @Option(names = "--endpoint-url", paramLabel = "URL", description = "send every AWS call to URL (e.g. a local"
                + " emulator), as the AWS CLI's option")
        String endpointUrl;

        @Option(names = "--profile", paramLabel = "P", description = "credentials (and region) from profile P; default:"
                + " the SDK's default chain")
        String profile;

        Names names() {
            try {
                return new Names(name);
            } catch (IllegalArgumentException e) {
                throw Cli.usage(command, e.getMessage());
            }
        }

        /** Runs {@code call} with a client; an AWS failure is one line and exit 1. */
        int run(PrintStream err, AwsCall call) {
            try (Aws aws = new Aws(region, endpointUrl, profile)) {
                return call.run(aws);
            } catch (DeployException | SdkException e) {
                err.println("deploy " + command.name() + ": " + e.getMessage());
                return Cli.FAILED;
            }
        }
    }

    @Command(name = "up", sortOptions = false,
            customSynopsis = "${COMMAND-FULL-NAME} --name NAME --ami AMI --instance-profile PROFILE [OPTIONS]",
            description = "Creates (or updates in place) the security group, launch"
            + " template, auto scaling group, termination lifecycle hook and scale-out policy of deployment NAME.")
    static final class UpCommand implements Callable<Integer> {
        @ParentCommand
        Main main;
        @Spec
        CommandSpec spec;
        @Mixin
        Deployment deployment;

        @Option(names = "--ami", paramLabel = "AMI", required = true, description = "the baked image with"
                + " /opt/chordfs/node-daemon.jar (userdata/README.md)")
        String ami;

        @Option(names = "--instance-profile", paramLabel = "PROFILE", required = true, description = "instance profile"
                + " name or ARN (policy: userdata/iam-policy.json)")
        String instanceProfile;

        @Option(names = "--instance-type", paramLabel = "T", defaultValue = "t3.micro",
                description = "default ${DEFAULT-VALUE}")
        String instanceType;

        @Option(names = "--subnets", paramLabel = "s1,s2", description = "default: the default VPC's subnets")
        String subnets;

        @Option(names = "--client-cidr", paramLabel = "CIDR", description = "open 5057 (Chord RPC) and 5058 (files) to"
                + " CIDR; default: only the nodes")
        String clientCidr;

        @Option(names = "--min", paramLabel = "N", defaultValue = "1", description = "group size, default ${DEFAULT-VALUE}")
        int min;

        @Option(names = "--max", paramLabel = "N", defaultValue = "10", description = "group size, default ${DEFAULT-VALUE}")
        int max;

        @Option(names = "--desired", paramLabel = "N", description = "default 1 on create; on a re-run only changed when"
                + " given")
        Integer desired;

        @Option(names = "--policy", paramLabel = "step|target-tracking", defaultValue = "step", description = "step"
                + " (default): an alarm on the group-average disk_used_percent above --threshold for 2 x 60 s adds one"
                + " instance, 180 s warm-up; target-tracking: keep that average at --threshold")
        Up.Policy policy;

        @Option(names = "--threshold", paramLabel = "PCT", defaultValue = "30", description = "default ${DEFAULT-VALUE}")
        int threshold;

        @Override
        public Integer call() {
            Names names = deployment.names();
            Up.Request request = request();
            return deployment.run(main.err, aws -> {
                Up.run(aws, names, request, main.out);
                return Cli.OK;
            });
        }

        /** What was asked for; a usage error when the options do not fit. */
        Up.Request request() {
            Cli.inRange(spec, "--min", min, 0, 1000);
            Cli.inRange(spec, "--max", max, 1, 1000);
            if (min > max) {
                throw Cli.usage(spec, "--min " + min + " is above --max " + max);
            }
            if (desired != null && (desired < min || desired > max)) {
                throw Cli.usage(spec, "--desired " + desired + " must be between --min and --max");
            }
            if (clientCidr != null && !clientCidr.matches("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}")) {
                throw Cli.usage(spec, "--client-cidr must be an IPv4 CIDR like 203.0.113.0/24: " + clientCidr);
            }
            return new Up.Request(ami, instanceProfile, instanceType, Up.list(subnets), clientCidr,
                    new AutoScalingGroups.Size(min, max, desired), policy, Cli.inRange(spec, "--threshold", threshold, 1, 99));
        }
    }

    @Command(name = "status", sortOptions = false, customSynopsis = "${COMMAND-FULL-NAME} --name NAME [OPTIONS]",
            description = {"The group's instances and their lifecycle states, the scale-out alarm's state, and the ring"
                    + " as the nodes report it.",
                    "",
                    "The ring is walked over Chord RPC from the first InService instance that answers; each member is"
                    + " listed in ring order with its id and instance, and InService instances missing from the ring"
                    + " and members that are no instance of the group are flagged. Each call waits at most 3 s."})
    static final class StatusCommand implements Callable<Integer> {
        @ParentCommand
        Main main;
        @Spec
        CommandSpec spec;
        @Mixin
        Deployment deployment;

        @Option(names = "--address", paramLabel = "private|public", defaultValue = "private", description = "which"
                + " address of the InService instances to ask for the ring: the one the nodes announce (their run --aws"
                + " --address; default private, reachable from inside the VPC)")
        RingStatus.Address address;

        @Option(names = "--port", paramLabel = "N", defaultValue = "" + RingStatus.CHORD_PORT, description = "the nodes'"
                + " Chord RPC port (their run --port; default ${DEFAULT-VALUE})")
        int port;

        @Override
        public Integer call() {
            Names names = deployment.names();
            RingStatus.Target ring = target();
            return deployment.run(main.err, aws -> Status.run(aws, names, ring, main.out) ? Cli.OK : Cli.FAILED);
        }

        RingStatus.Target target() {
            return new RingStatus.Target(address, Cli.inRange(spec, "--port", port, 1, 0xffff));
        }
    }

    @Command(name = "down", customSynopsis = "${COMMAND-FULL-NAME} --name NAME [OPTIONS]", description = "Deletes the alarm, scaling policies, lifecycle hook, the group (force:"
            + " instances terminate; waits), the launch template and the security group, then lists anything still"
            + " there (exit 1 if any).")
    static final class DownCommand implements Callable<Integer> {
        @ParentCommand
        Main main;
        @Mixin
        Deployment deployment;

        @Override
        public Integer call() {
            Names names = deployment.names();
            return deployment.run(main.err, aws -> Down.run(aws, names, main.out).isEmpty() ? Cli.OK : Cli.FAILED);
        }
    }
}
