package io.chordfs.deploy;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkException;

/** {@code java -jar deploy.jar <up|status|down> --name NAME ...}: provisions and tears down ChordFS on AWS. */
public final class Main {
    static final String COMMON = """
              --name NAME           the deployment; every resource is named from it and tagged chordfs:deployment=NAME
              --region R            AWS region (default: the SDK's default chain, e.g. AWS_REGION or the profile)
              --endpoint-url URL    send every AWS call to URL (e.g. a local emulator), as the AWS CLI's option
              --profile P           credentials (and region) from profile P; default: the SDK's default chain
            """;
    static final String USAGE = """
            Usage: java -jar deploy.jar <up|status|down> --name NAME [options]

              up       create (or update in place) the security group, launch template, auto scaling group,
                       termination lifecycle hook and scale-out policy of deployment NAME
              status   the group's instances and their lifecycle states, the scale-out alarm's state, and
                       the ring as the nodes report it
              down     delete everything up created and say what, if anything, is left

            Run `java -jar deploy.jar <command> --help` for a command's options.
            Exit status: 0 done, 1 AWS failure or something left, 2 bad usage.
            """;
    static final String UP_HELP = """
            Usage: java -jar deploy.jar up --name NAME --ami AMI --instance-profile PROFILE [options]

            """ + COMMON + """
              --ami AMI               the baked image with /opt/chordfs/node-daemon.jar (userdata/README.md)
              --instance-profile P    instance profile name or ARN (policy: userdata/iam-policy.json)
              --instance-type T       default t3.micro
              --subnets s1,s2         default: the default VPC's subnets
              --client-cidr CIDR      open 5057 (Chord RPC) and 5058 (files) to CIDR; default: only the nodes
              --min N --max N         group size, default 1 and 10
              --desired N             default 1 on create; on a re-run only changed when given
              --policy step|target-tracking
                                      step (default): alarm on the group-average disk_used_percent above
                                      --threshold for 2 x 60 s adds one instance, 180 s warm-up;
                                      target-tracking: keep that average at --threshold
              --threshold PCT         default 30
            """;
    static final String STATUS_HELP = "Usage: java -jar deploy.jar status --name NAME [options]\n\n" + COMMON + """
              --address private|public  which address of the InService instances to ask for the ring: the
                                    one the nodes announce (their run --aws --address; default private,
                                    reachable from inside the VPC)
              --port N              the nodes' Chord RPC port (their run --port; default 5057)

            The ring is walked over Chord RPC from the first InService instance that answers; each
            member is listed in ring order with its id and instance, and InService instances missing
            from the ring and members that are no instance of the group are flagged. Each call waits
            at most 3 s.
            """;
    static final String DOWN_HELP = "Usage: java -jar deploy.jar down --name NAME [options]\n\n" + COMMON
            + "\nDeletes the alarm, scaling policies, lifecycle hook, the group (force: instances terminate; waits),\n"
            + "the launch template and the security group, then lists anything still there (exit 1 if any).\n";

    static final Set<String> COMMON_OPTIONS = Set.of("name", "region", "endpoint-url", "profile");
    static final Set<String> STATUS_OPTIONS = Set.of("name", "region", "endpoint-url", "profile", "address", "port");
    static final Set<String> UP_OPTIONS = Set.of("name", "region", "endpoint-url", "profile", "ami",
            "instance-profile", "instance-type", "subnets", "client-cidr", "min", "max", "desired", "policy", "threshold");

    private Main() {}

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    /** Runs one command; returns the exit status. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        if (argv.length == 0) {
            err.println("deploy: no command given (see --help)");
            return 2;
        }
        String command = argv[0];
        boolean help = List.of(argv).contains("--help") || List.of(argv).contains("-h");
        if (command.equals("--help") || command.equals("-h") || command.equals("help")) {
            out.print(USAGE);
            return 0;
        }
        String helpText = switch (command) {
            case "up" -> UP_HELP;
            case "status" -> STATUS_HELP;
            case "down" -> DOWN_HELP;
            default -> null;
        };
        if (helpText == null) {
            err.println("deploy: unknown command '" + command + "' (see --help)");
            return 2;
        }
        if (help) {
            out.print(helpText);
            return 0;
        }
        try {
            Options o = Options.parse(argv, 1, switch (command) {
                case "up" -> UP_OPTIONS;
                case "status" -> STATUS_OPTIONS;
                default -> COMMON_OPTIONS;
            });
            Names names = names(o.required("name"));
            Up.Request up = command.equals("up") ? upRequest(o) : null;
            RingStatus.Target ring = command.equals("status") ? ringTarget(o) : null;
            try (Aws aws = new Aws(o.get("region"), o.get("endpoint-url"), o.get("profile"))) {
                return switch (command) {
                    case "up" -> { Up.run(aws, names, up, out); yield 0; }
                    case "status" -> Status.run(aws, names, ring, out) ? 0 : 1;
                    default -> Down.run(aws, names, out).isEmpty() ? 0 : 1;
                };
            }
        } catch (Options.UsageException e) {
            err.println("deploy " + command + ": " + e.getMessage() + " (see --help)");
            return 2;
        } catch (DeployException | SdkException e) {
            err.println("deploy " + command + ": " + e.getMessage());
            return 1;
        }
    }

    private static Names names(String name) throws Options.UsageException {
        try {
            return new Names(name);
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException(e.getMessage());
        }
    }

    static RingStatus.Target ringTarget(Options o) throws Options.UsageException {
        RingStatus.Address address = switch (o.get("address", "private").toLowerCase(Locale.ROOT)) {
            case "private" -> RingStatus.Address.PRIVATE;
            case "public" -> RingStatus.Address.PUBLIC;
            default -> throw new Options.UsageException("--address must be private or public: " + o.get("address"));
        };
        return new RingStatus.Target(address, o.integer("port", RingStatus.CHORD_PORT, 1, 0xffff));
    }

    static Up.Request upRequest(Options o) throws Options.UsageException {
        String ami = o.required("ami");
        String profile = o.required("instance-profile");
        int min = o.integer("min", 1, 0, 1000);
        int max = o.integer("max", 10, 1, 1000);
        Integer desired = o.has("desired") ? o.integer("desired", 1, 0, 1000) : null;
        if (min > max) {
            throw new Options.UsageException("--min " + min + " is above --max " + max);
        }
        if (desired != null && (desired < min || desired > max)) {
            throw new Options.UsageException("--desired " + desired + " must be between --min and --max");
        }
        Up.Policy policy = switch (o.get("policy", "step").toLowerCase(Locale.ROOT)) {
            case "step" -> Up.Policy.STEP;
            case "target-tracking" -> Up.Policy.TARGET_TRACKING;
            default -> throw new Options.UsageException("--policy must be step or target-tracking: " + o.get("policy"));
        };
        String cidr = o.get("client-cidr");
        if (cidr != null && !cidr.matches("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}")) {
            throw new Options.UsageException("--client-cidr must be an IPv4 CIDR like 203.0.113.0/24: " + cidr);
        }
        return new Up.Request(ami, profile, o.get("instance-type", "t3.micro"), Up.list(o.get("subnets")), cidr,
                new AutoScalingGroups.Size(min, max, desired), policy, o.integer("threshold", 30, 1, 99));
    }
}
