package dev.mgiad.study;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A study file: configurations (any {@code mgiad train} flags) times seeds. Plain text, one statement per line:
 * <pre>
 *   # Fashion-MNIST, three families            '#' starts a comment; a line ending in '\' continues on the next
 *   name    fmnist-families                    the study's name (default: the file name without extension)
 *   seeds   0 1 2                              seeds of every configuration: numbers or ranges (0-2) (default: 0)
 *   common  --dataset fashion-mnist --epochs 3 train flags of every configuration (several lines add up)
 *   config  resnet20  --model resnet20         one configuration: a name ([A-Za-z0-9._+-]), then its flags,
 *   config  mgiad-ck16-gs4 --model mgiad --ck 16 --gs 4     which override the common ones
 * </pre>
 * Flags are checked against {@code mgiad train}'s options through {@link FlagRules} (unknown flags, missing values
 * and flags the study sets itself, such as {@code --out} and {@code --seed}, are errors). Every problem is reported
 * as one line {@code FILE:LINE: problem} ({@link StudyFileException}).
 *
 * @param path    the file
 * @param name    the study's name
 * @param seeds   seeds, in the order given, without repeats
 * @param configs configurations in file order, names unique
 */
public record StudyFile(Path path, String name, List<Long> seeds, List<Config> configs) {

    /**
     * One configuration.
     *
     * @param name the configuration's name, used in run folder names and table rows
     * @param args its train flags, common ones merged in: {@code --flag value} pairs and bare switches, canonical names
     * @param line the line of the file that declares it, for error messages
     */
    public record Config(String name, List<String> args, int line) {
        /** The value of a flag that takes one, or null when it is not set. */
        public String value(String flag) {
            for (int i = 0; i < args.size() - 1; i++) if (args.get(i).equals(flag)) return args.get(i + 1);
            return null;
        }
    }

    /** What the study file may say about {@code mgiad train} flags. */
    public interface FlagRules {
        /** The flag's canonical (longest) name, or null when {@code mgiad train} has no such flag. */
        String canonical(String flag);

        /** Whether the flag takes a value ({@code --epochs 3}) or is a switch ({@code --nesterov}). */
        boolean takesValue(String canonical);

        /** Why a study file may not set this flag (the study sets it), or null when it may. */
        String forbidden(String canonical);
    }

    /** A bad study file: the message is one line, {@code FILE:LINE: problem}. */
    public static final class StudyFileException extends IllegalArgumentException {
        public StudyFileException(Path file, int line, String problem) {
            super(file + (line > 0 ? ":" + line : "") + ": " + problem);
        }
    }

    public static final String NAME_PATTERN = "[A-Za-z0-9._+-]+";
    private static final int MAX_SEEDS = 10_000;

    public static StudyFile read(Path file, FlagRules rules) throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new StudyFileException(file, 0, "no such study file (mgiad study --presets lists the presets that write one)");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new StudyFileException(file, 0, "not a text file (UTF-8 expected)");
        }
        return parse(file, text, rules);
    }

    public static StudyFile parse(Path file, String text, FlagRules rules) {
        String name = null;
        Set<Long> seeds = new LinkedHashSet<>();
        boolean seedsGiven = false;
        List<String[]> commonFlags = new ArrayList<>();
        record Pending(String name, List<String[]> flags, int line) { }
        List<Pending> pending = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();

        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            StringBuilder logical = new StringBuilder(stripComment(lines[i]));
            while (logical.toString().stripTrailing().endsWith("\\")) {
                String t = logical.toString().stripTrailing();
                logical.setLength(0);
                logical.append(t, 0, t.length() - 1).append(' ');
                if (++i >= lines.length) throw new StudyFileException(file, lineNo, "the last line ends in '\\' but nothing follows");
                logical.append(stripComment(lines[i]));
            }
            List<String> words = words(file, lineNo, logical.toString());
            if (words.isEmpty()) continue;
            String keyword = words.getFirst();
            List<String> rest = words.subList(1, words.size());
            switch (keyword) {
                case "name" -> {
                    if (rest.size() != 1 || !rest.getFirst().matches(NAME_PATTERN)) {
                        throw new StudyFileException(file, lineNo, "'name' takes one word of letters, digits and . _ + -");
                    }
                    if (name != null) throw new StudyFileException(file, lineNo, "the study's name is given twice");
                    name = rest.getFirst();
                }
                case "seeds" -> {
                    if (rest.isEmpty()) throw new StudyFileException(file, lineNo, "'seeds' needs at least one seed, e.g. 'seeds 0 1 2' or 'seeds 0-4'");
                    if (seedsGiven) throw new StudyFileException(file, lineNo, "'seeds' is given twice");
                    seedsGiven = true;
                    for (String s : rest) addSeeds(file, lineNo, s, seeds);
                }
                case "common" -> commonFlags.addAll(flags(file, lineNo, rest, rules));
                case "config" -> {
                    if (rest.isEmpty()) throw new StudyFileException(file, lineNo, "'config' needs a name, then train flags");
                    String cname = rest.getFirst();
                    if (!cname.matches(NAME_PATTERN) || cname.startsWith("-")) {
                        throw new StudyFileException(file, lineNo, "configuration name '" + cname
                                + "' must be letters, digits and . _ + - (not starting with -): it names run folders");
                    }
                    if (!names.add(cname)) throw new StudyFileException(file, lineNo, "configuration '" + cname + "' is declared twice");
                    List<String[]> flags = flags(file, lineNo, rest.subList(1, rest.size()), rules);
                    pending.add(new Pending(cname, flags, lineNo));
                }
                default -> throw new StudyFileException(file, lineNo, "unknown statement '" + keyword
                        + "' (a line starts with name, seeds, common or config)");
            }
        }
        if (pending.isEmpty()) throw new StudyFileException(file, 0, "no 'config' line: a study needs at least one configuration");
        List<Config> configs = new ArrayList<>();
        for (Pending p : pending) {
            Map<String, String> merged = new LinkedHashMap<>();
            for (String[] f : commonFlags) merged.put(f[0], f[1]);
            for (String[] f : p.flags()) {
                merged.remove(f[0]); // the configuration's own flags come last, in its order
                merged.put(f[0], f[1]);
            }
            List<String> args = new ArrayList<>();
            for (var e : merged.entrySet()) {
                args.add(e.getKey());
                if (e.getValue() != null) args.add(e.getValue());
            }
            configs.add(new Config(p.name(), List.copyOf(args), p.line()));
        }
        if (seeds.isEmpty()) seeds.add(0L);
        if (name == null) {
            String f = file.getFileName() == null ? "study" : file.getFileName().toString();
            name = f.contains(".") ? f.substring(0, f.lastIndexOf('.')) : f;
            if (name.isEmpty() || !name.matches(NAME_PATTERN)) name = "study";
        }
        return new StudyFile(file, name, List.copyOf(seeds), List.copyOf(configs));
    }

    /** Flags of one line as (canonical name, value or null) pairs, checked against the train command's options. */
    private static List<String[]> flags(Path file, int line, List<String> words, FlagRules rules) {
        List<String[]> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (!w.startsWith("-")) {
                throw new StudyFileException(file, line, "expected a train flag, got '" + w + "'"
                        + (i > 0 ? " (does " + words.get(i - 1) + " take a value?)" : ""));
            }
            String flag = w, value = null;
            int eq = w.indexOf('=');
            if (eq > 0) {
                flag = w.substring(0, eq);
                value = w.substring(eq + 1);
            }
            String canonical = rules.canonical(flag);
            if (canonical == null) throw new StudyFileException(file, line, "unknown train flag '" + flag + "' (see mgiad train --help)");
            String why = rules.forbidden(canonical);
            if (why != null) throw new StudyFileException(file, line, canonical + " cannot be set in a study file: " + why);
            if (rules.takesValue(canonical)) {
                if (value == null) {
                    if (i + 1 >= words.size()) throw new StudyFileException(file, line, canonical + " needs a value");
                    value = words.get(++i);
                }
            } else if (value != null) {
                throw new StudyFileException(file, line, canonical + " is a switch and takes no value");
            }
            if (!seen.add(canonical)) throw new StudyFileException(file, line, canonical + " is given twice on this line");
            out.add(new String[]{canonical, value});
        }
        return out;
    }

    private static void addSeeds(Path file, int line, String word, Set<Long> seeds) {
        try {
            int dash = word.indexOf('-', 1);
            long lo = Long.parseLong(dash < 0 ? word : word.substring(0, dash));
            long hi = dash < 0 ? lo : Long.parseLong(word.substring(dash + 1));
            if (lo < 0 || hi < lo) throw new NumberFormatException();
            if (hi - lo >= MAX_SEEDS || seeds.size() + (hi - lo + 1) > MAX_SEEDS) {
                throw new StudyFileException(file, line, "more than " + MAX_SEEDS + " seeds");
            }
            for (long s = lo; s <= hi; s++) seeds.add(s);
        } catch (NumberFormatException e) {
            throw new StudyFileException(file, line, "bad seed '" + word + "': a seed is a number >= 0, a range is LO-HI");
        }
    }

    private static String stripComment(String line) {
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') quoted = !quoted;
            else if (c == '#' && !quoted) return line.substring(0, i);
        }
        return line;
    }

    /** Splits on white space; double quotes keep spaces inside one word (a path with spaces). */
    private static List<String> words(Path file, int line, String s) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false, inWord = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                quoted = !quoted;
                inWord = true;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (inWord) out.add(w.toString());
                w.setLength(0);
                inWord = false;
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (quoted) throw new StudyFileException(file, line, "unterminated quote");
        if (inWord) out.add(w.toString());
        return out;
    }
}
