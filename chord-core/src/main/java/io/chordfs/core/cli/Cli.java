package io.chordfs.core.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * The command-line rules of every ChordFS jar, on picocli: subcommands with their own options,
 * {@code -h/--help} and {@code -V/--version} on each, a {@code help} and a {@code completion}
 * subcommand, and exit codes 0 (done), 1 (failed), 2 (usage error: a line saying what is wrong
 * and a line of hint, such as the option meant or the command that has it).
 */
public final class Cli {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    private Cli() {}

    /**
     * The command line of a program: {@code execute(argv)} on it runs a command and returns the exit code.
     *
     * @param root       a {@code @Command} with subcommands; its name is the program's short name
     *                   ({@code node-daemon}), used in messages and by the completion script
     * @param invocation how the program is run ({@code java -jar node-daemon.jar}), as help shows it
     */
    public static CommandLine commandLine(Object root, String invocation, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(root);
        String name = cl.getCommandName();
        cl.addSubcommand("help", new CommandLine.HelpCommand());
        cl.addSubcommand("completion", new Completion(name));
        cl.getSubcommands().get("completion").getCommandSpec().usageMessage().description(
                "Prints the completion script of " + name + " for SHELL (bash or zsh): its commands and options"
                        + " complete on TAB.",
                "bash, in ~/.bashrc: source <(" + invocation + " completion bash)",
                "zsh, in ~/.zshrc:   source <(" + invocation + " completion zsh)",
                "It completes the command " + name + ": a script of that name on the PATH, or alias " + name + "='"
                        + invocation + "'.");
        standardOptions(cl, new Version(name));
        cl.setCommandName(invocation);
        // After the subcommands are added: picocli hands these settings down to the ones present.
        cl.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        // "@x" is a value (a password may start with @), not a file to read arguments from.
        cl.setExpandAtFiles(false);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // as wide as the help texts were before picocli, so synopses with their required options fit a line
        cl.setUsageHelpWidth(100);
        cl.setParameterExceptionHandler((e, args) -> usageError(name, e));
        return cl;
    }

    /** A usage error found after parsing (options that do not go together, a value out of range): exit 2. */
    public static ParameterException usage(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** {@code value} if within [min, max], else a usage error naming the option. */
    public static int inRange(CommandSpec spec, String option, int value, int min, int max) {
        if (value < min || value > max) {
            throw usage(spec, option + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    private static void standardOptions(CommandLine cl, Version version) {
        CommandSpec spec = cl.getCommandSpec();
        if (!(spec.userObject() instanceof CommandLine.HelpCommand)) {
            spec.versionProvider(version);
            // Added here only to commands that have no help option of their own: a method's command
            // (fs-client's) declares it in its annotation, as picocli cannot add options to a method
            // after the fact, and fs-client ls keeps -h for human-readable sizes.
            if (spec.options().stream().noneMatch(OptionSpec::usageHelp)) {
                spec.mixinStandardHelpOptions(true);
            }
        }
        // "[OPTIONS]": the list below says what they are, one per line
        spec.usageMessage().abbreviateSynopsis(true);
        cl.getSubcommands().values().forEach(sub -> standardOptions(sub, version));
    }

    private static int usageError(String name, ParameterException found) {
        List<String> unmatched = found.getCommandLine().getUnmatchedArguments();
        // picocli checks required options first, but "--instance-profil" explains the missing --instance-profile
        ParameterException e = found instanceof UnmatchedArgumentException || unmatched.isEmpty() ? found
                : new UnmatchedArgumentException(found.getCommandLine(), unmatched);
        CommandSpec spec = e.getCommandLine().getCommandSpec();
        PrintWriter err = e.getCommandLine().getErr();
        err.println(label(name, spec) + ": " + reason(e));
        err.println("  " + hint(name, e) + "see: " + spec.qualifiedName() + " --help");
        return USAGE;
    }

    /** "node-daemon run": the short name, then the subcommands down to {@code spec}. */
    private static String label(String name, CommandSpec spec) {
        StringBuilder path = new StringBuilder();
        for (CommandSpec s = spec; s.parent() != null; s = s.parent()) {
            path.insert(0, " " + s.name());
        }
        return name + path;
    }

    private static String reason(ParameterException e) {
        CommandSpec spec = e.getCommandLine().getCommandSpec();
        if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String word = u.getUnmatched().get(0);
            if (word.startsWith("-")) {
                return "unknown option '" + optionName(word) + "'";
            }
            return (spec.subcommands().isEmpty() ? "unexpected argument '" : "unknown command '") + word + "'";
        }
        ArgSpec arg = e.getArgSpec();
        if (arg != null && arg.type().isEnum() && e.getValue() != null) {
            // picocli lists every spelling it takes (STEP, step, ...); the help's words are enough
            List<String> words = new ArrayList<>();
            arg.completionCandidates().forEach(words::add);
            String what = arg instanceof OptionSpec option ? option.longestName() : arg.paramLabel();
            return what + " must be " + String.join(" or ", words) + ", not '" + e.getValue() + "'";
        }
        String m = e.getMessage();
        return m.isEmpty() ? m : Character.toLowerCase(m.charAt(0)) + m.substring(1);
    }

    /** The option meant, or the command that has it, or the commands there are; "" when nothing fits. */
    private static String hint(String name, ParameterException e) {
        CommandSpec spec = e.getCommandLine().getCommandSpec();
        if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String word = u.getUnmatched().get(0);
            if (word.startsWith("-")) {
                String option = optionName(word);
                List<String> owners = new ArrayList<>();
                owners(name, spec.root(), option, owners);
                if (!owners.isEmpty()) {
                    return option + " is an option of " + String.join(", ", owners) + "; ";
                }
                List<String> names = new ArrayList<>();
                spec.options().stream().filter(o -> !o.hidden()).forEach(o -> names.addAll(List.of(o.names())));
                return didYouMean(option, names);
            }
            if (!spec.subcommands().isEmpty()) {
                String meant = didYouMean(word, spec.subcommands().keySet());
                return meant.isEmpty() ? "commands: " + String.join(", ", spec.subcommands().keySet()) + "; " : meant;
            }
        } else if (!spec.subcommands().isEmpty() && e.getArgSpec() == null) {
            return "commands: " + String.join(", ", spec.subcommands().keySet()) + "; ";
        }
        return "";
    }

    private static void owners(String name, CommandSpec spec, String option, List<String> found) {
        if (spec.findOption(option) != null) {
            found.add(label(name, spec));
        }
        spec.subcommands().values().forEach(sub -> owners(name, sub.getCommandSpec(), option, found));
    }

    private static String optionName(String word) {
        int eq = word.indexOf('=');
        return eq < 0 ? word : word.substring(0, eq);
    }

    /** "did you mean --port? " for "--prot": names one or two edits away, or that start with the word. */
    static String didYouMean(String word, Collection<String> names) {
        String w = strip(word);
        int limit = w.length() <= 4 ? 1 : 2;
        List<String> near = names.stream()
                .filter(n -> distance(w, strip(n)) <= limit || (w.length() >= 3 && strip(n).startsWith(w)))
                .sorted(Comparator.comparingInt(n -> distance(w, strip(n))))
                .limit(3).toList();
        return near.isEmpty() ? "" : "did you mean " + String.join(" or ", near) + "? ";
    }

    private static String strip(String name) {
        return name.replaceFirst("^-+", "").toLowerCase(Locale.ROOT);
    }

    /** Edits between a and b, a swap of two neighbours counting as one (optimal string alignment). */
    private static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            for (int j = 0; j <= b.length(); j++) {
                if (i == 0 || j == 0) {
                    d[i][j] = i + j;
                    continue;
                }
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** "node-daemon 0.1.0" and the Java it runs on. */
    private record Version(String name) implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Cli.class.getResourceAsStream("version.properties")) {
                if (in == null) {
                    throw new IOException("version.properties is missing from the jar");
                }
                p.load(in);
            }
            return new String[] {name + " " + p.getProperty("version"),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
        }
    }

    /** {@code completion bash|zsh}: the script picocli generates; the same one serves zsh, through bashcompinit. */
    @Command(name = "completion")
    static final class Completion implements Callable<Integer> {
        enum Shell {
            BASH, ZSH;

            @Override
            public String toString() {
                return name().toLowerCase(Locale.ROOT);
            }
        }

        @Parameters(paramLabel = "SHELL", description = "${COMPLETION-CANDIDATES}")
        Shell shell;
        @Spec
        CommandSpec spec;
        private final String name;

        Completion(String name) {
            this.name = name;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            out.print(AutoComplete.bash(name, spec.root().commandLine()));
            out.flush();
            return OK;
        }
    }
}
