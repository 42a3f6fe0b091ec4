package dev.mgiad.study;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The study file's grammar and its one-line errors, against a small stand-in for train's options. */
class StudyFileTest {

    /** --epochs, --model, --ck take values, --nesterov is a switch, -e is --epochs' short name, --seed is the study's. */
    static final StudyFile.FlagRules RULES = new StudyFile.FlagRules() {
        final Map<String, Boolean> flags = Map.of("--epochs", true, "--model", true, "--ck", true, "--widths", true,
                "--nesterov", false, "--seed", true, "--data-dir", true);

        @Override public String canonical(String flag) { return flag.equals("-e") ? "--epochs" : flags.containsKey(flag) ? flag : null; }

        @Override public boolean takesValue(String canonical) { return flags.get(canonical); }

        @Override public String forbidden(String canonical) { return canonical.equals("--seed") ? "seeds come from the 'seeds' line" : null; }
    };

    static final Path FILE = Path.of("my.study");

    static StudyFile parse(String text) { return StudyFile.parse(FILE, text, RULES); }

    static String error(String text) {
        return assertThrows(StudyFile.StudyFileException.class, () -> parse(text)).getMessage();
    }

    @Test
    void commonFlagsMergeAndConfigurationsOverrideThem() {
        StudyFile s = parse("""
                # a comment line
                name   families          # trailing comment
                seeds  3 0-1 3
                common --epochs 3 --model mgiad \\
                       --nesterov
                common --data-dir "/data sets/x"
                config a --model resnet20 --epochs=5
                config b -e 7 --ck 16
                """);
        assertEquals("families", s.name());
        assertEquals(List.of(3L, 0L, 1L), s.seeds(), "seeds in order given, ranges expanded, repeats dropped");
        assertEquals(2, s.configs().size());
        StudyFile.Config a = s.configs().get(0), b = s.configs().get(1);
        assertEquals(List.of("--nesterov", "--data-dir", "/data sets/x", "--model", "resnet20", "--epochs", "5"), a.args());
        assertEquals(List.of("--model", "mgiad", "--nesterov", "--data-dir", "/data sets/x", "--epochs", "7", "--ck", "16"), b.args());
        assertEquals(7, a.line());
        assertEquals(8, b.line());
        assertEquals("7", b.value("--epochs"));
        assertNull(b.value("--widths"));
    }

    @Test
    void defaultsAreTheFileNameAndSeedZero() {
        StudyFile s = StudyFile.parse(Path.of("dir/sweep.v2.study"), "config only --epochs 1\n", RULES);
        assertEquals("sweep.v2", s.name());
        assertEquals(List.of(0L), s.seeds());
    }

    @Test
    void everyProblemIsOneLineWithFileAndLine() {
        assertEquals("my.study:2: unknown statement 'run' (a line starts with name, seeds, common or config)",
                error("seeds 0\nrun a --epochs 1\n"));
        assertEquals("my.study:1: unknown train flag '--lr-max' (see mgiad train --help)", error("config a --lr-max 3\n"));
        assertEquals("my.study:1: --epochs needs a value", error("config a --epochs\n"));
        assertEquals("my.study:1: expected a train flag, got '4' (does --nesterov take a value?)", error("config a --nesterov 4\n"));
        assertEquals("my.study:1: --nesterov is a switch and takes no value", error("config a --nesterov=yes\n"));
        assertEquals("my.study:2: --seed cannot be set in a study file: seeds come from the 'seeds' line",
                error("config a --epochs 1\ncommon --seed 3\n"));
        assertEquals("my.study:2: configuration 'a' is declared twice", error("config a\nconfig a --ck 4\n"));
        assertTrue(error("config a/b --ck 4\n").startsWith("my.study:1: configuration name 'a/b' must be letters"));
        assertEquals("my.study:1: bad seed 'x': a seed is a number >= 0, a range is LO-HI", error("seeds 0 x\nconfig a\n"));
        assertEquals("my.study:1: bad seed '5-2': a seed is a number >= 0, a range is LO-HI", error("seeds 5-2\nconfig a\n"));
        assertEquals("my.study:1: more than 10000 seeds", error("seeds 0-20000\nconfig a\n"));
        assertEquals("my.study:2: 'seeds' is given twice", error("seeds 0\nseeds 1\nconfig a\n"));
        assertEquals("my.study: no 'config' line: a study needs at least one configuration", error("seeds 0\n# nothing\n"));
        assertEquals("my.study:1: unterminated quote", error("common --data-dir \"/x\nconfig a\n"));
        assertEquals("my.study:1: the last line ends in '\\' but nothing follows", error("config a --epochs 1 \\"));
        assertEquals("my.study:1: --ck is given twice on this line", error("config a --ck 4 --ck 8\n"));
        for (String bad : List.of("name a b\nconfig x\n", "name\nconfig x\n")) {
            assertTrue(error(bad).startsWith("my.study:1: 'name' takes one word"), bad);
        }
    }
}
