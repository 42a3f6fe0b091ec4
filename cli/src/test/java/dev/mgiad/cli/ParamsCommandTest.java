package dev.mgiad.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mgiad params} through {@link Main#run}, output captured. */
class ParamsCommandTest {

    record Result(int code, String out, String err) { }

    static synchronized Result run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** The integer value of a top-level key of a flat-enough JSON object (the first occurrence). */
    static long jsonLong(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*(-?\\d+)").matcher(json);
        assertTrue(m.find(), "no integer key '" + key + "' in " + json.substring(0, Math.min(200, json.length())));
        return Long.parseLong(m.group(1));
    }

    /** A minimal structural check: balanced braces and brackets outside strings, one object. */
    static void assertWellFormed(String json) {
        String s = json.strip();
        assertTrue(s.startsWith("{") && s.endsWith("}"), "not one object");
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (inString) {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
            } else if (c == '"') inString = true;
            else if (c == '{' || c == '[') depth++;
            else if (c == '}' || c == ']') {
                depth--;
                assertTrue(depth >= 0 && (depth > 0 || i == s.length() - 1), "unbalanced at " + i);
            }
        }
        assertEquals(0, depth);
        assertFalse(inString);
    }

    @Test
    void theHeadlineExample() {
        Result r = run("params", "--model", "mgiad", "--dataset", "cifar10", "--ck", "64", "--gs", "4", "--lambda", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("393,034"), r.out());
        assertTrue(r.out().contains("373.9 M"), r.out());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--model resnet18                                          | 11,173,962",
            "--model resnet18 --dataset cifar100                       | 11,220,132",
            "--model resnet18 --dataset fashion-mnist                  | 11,172,810",
            "--model resnet20                                          | 269,722",
            "--model mgnet                                             | 2,750,666",
            "--model mgnet --share A                                   | 4,114,634",
            "--model mgnet --widths 16,32,64                           | 101,242",
            "--model mgnet --widths 16,32,64 --share A                 | 198,010",
            "--model mgiad --ck 64 --gs 8 --lambda 2                   | 698,506",
            "--model mgiad --ck 64 --gs 16                             | 586,570",
            "--model mgiad --ck 64 --gs 8 --lambda 3                   | 1,268,938",
            "--model mgiad --gs 64 --lambda 3 --dataset cifar100       | 4,821,796",
            "--model mgiad --post 2                                    | 397,642",
            "--dataset fashion-mnist --widths 16,32,64 --ck 16 --gs 4  | 28,378"})
    void countsOfTheSpec(String flags, String weights) {
        String[] args = ("params " + flags.strip()).split("\\s+");
        Result r = run(args);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("weights  " + weights.strip() + "\n") || r.out().contains("weights  " + weights.strip() + System.lineSeparator()),
                flags + " -> " + r.out());
    }

    @Test
    void jsonHasWeightsMacsAndTensors() {
        Result r = run("params", "--json", "--model", "mgiad", "--dataset", "fashion-mnist", "--widths", "16,32,64", "--ck", "16", "--gs", "4");
        assertEquals(0, r.code(), r.err());
        String json = r.out().strip();
        assertWellFormed(json);
        assertEquals(28_378, jsonLong(json, "weights"));
        long macs = jsonLong(json, "macs");
        assertEquals(265, Math.round(macs / 1e5));   // 26.5 M
        assertTrue(json.contains("\"tensors\":["));
        assertTrue(json.contains("{\"name\":\"stem.conv.weight\",\"shape\":[16,1,3,3]"), json);
        assertTrue(json.contains("{\"name\":\"levels.1.dead_pi.weight\",\"shape\":[16,1,3,3],\"unused\":true}"), json);
        assertTrue(json.contains("{\"name\":\"levels.3.channel.1.A.weight\",\"shape\":[64,4,3,3]"), json);
        assertTrue(json.contains("{\"name\":\"fc.bias\",\"shape\":[10]"), json);
        // every tensor listed once: the shapes' element counts add up to the weight count
        Matcher m = Pattern.compile("\"shape\":\\[([0-9,]+)]").matcher(json);
        long total = 0;
        while (m.find()) {
            long e = 1;
            for (String d : m.group(1).split(",")) e *= Long.parseLong(d);
            total += e;
        }
        assertEquals(28_378, total);
    }

    @Test
    void tensorsAndSummary() {
        Result r = run("params", "--tensors", "--summary", "--model", "mgiad");
        assertEquals(0, r.code(), r.err());
        String out = r.out();
        assertTrue(out.contains("levels.2.channel.1.A.weight"), out);
        assertTrue(out.contains("[128, 4, 3, 3]"), out);
        assertTrue(out.contains("levels.1.dead_r.weight") && out.contains("(unused: counted, never applied)"), out);
        assertTrue(out.contains("levels.3.channel.2.bn_r.0.weight"), out);              // PyTorch's BatchNorm2d names
        assertTrue(Pattern.compile("levels\\.3\\.channel\\.2\\.bn_r\\.0\\.running_var +\\[128] +128  \\(buffer: saved, not a weight\\)")
                .matcher(out).find(), out);
        // summary rows of the worked example (spec 6.6)
        assertTrue(Pattern.compile("levels\\.2 +16x16 +128,64 +4,64 +87,936").matcher(out).find(), out);
        assertTrue(Pattern.compile("levels\\.4 +4x4 +256,128,64 +4,4,64 +112,512").matcher(out).find(), out);
        assertTrue(Pattern.compile("total +393,034 +373,920,256").matcher(out).find(), out);
    }

    @Test
    void paperTables() {
        Result r = run("params", "--paper");
        assertEquals(0, r.code(), r.err());
        String out = r.out();
        assertTrue(out.contains("698,506") && out.contains("typo"), out);
        assertTrue(out.contains("586,570") && out.contains("rounding slip"), out);
        assertTrue(out.contains("555.4M"), out);
        assertTrue(out.contains("1069.9M"), out);
        assertFalse(out.contains("DIFFERS FROM SPEC"), out);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "params --gs 5                             | --gs 5 does not divide",
            "params --model foo                        | unknown model 'foo'",
            "params --dataset mnist                    | unknown dataset 'mnist'",
            "params --model resnet18 --nu 3            | --nu does not apply to resnet18",
            "params --model mgnet --share B            | unknown --share 'B'",
            "params --correction exact                 | unknown --correction 'exact'",
            "params --widths 64,96,256                 | multiple of the previous",
            "params --model mgnet --gs 3               | --gs 3 does not divide",
            "params --lambda 0                         | --lambda must be >= 1",
            "params --model resnet20 --lambda 2        | --lambda does not apply to resnet20",
            "params --pre 0 --post 0                   | at least one smoothing step"})
    void badValuesGiveOneClearLine(String command, String message) {
        Result r = run(command.strip().split("\\s+"));
        assertNotEquals(0, r.code());
        String err = r.err().strip();
        assertTrue(err.contains(message.strip()), err);
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), err);
        assertTrue(r.out().isEmpty(), r.out());
    }

    @Test
    void nonNumericValueIsRejected() {
        Result r = run("params", "--gs", "x");
        assertNotEquals(0, r.code());
        assertTrue(r.err().lines().findFirst().orElse("").contains("'x' is not an int"), r.err());
        assertFalse(r.err().contains("\tat "));
    }
}
