package dev.mgiad.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mgiad study}: presets, bad files, and a local study end to end on a slice of Fashion-MNIST. */
class StudyCommandTest {

    private static ParamsCommandTest.Result run(String... args) { return ParamsCommandTest.run(args); }

    /** The weight count the --plan listing prints for a run. */
    private static long planWeights(String out, String run) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(run) + "\\s+\\S+\\s+([0-9,]+) weights").matcher(out);
        assertTrue(m.find(), "no run " + run + " in\n" + out);
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    @Test
    void presetsReproduceThePapersWeightCounts(@TempDir Path tmp) {
        var c10 = run("study", "--preset", "paper-cifar10", tmp.resolve("c10.study").toString(), "--plan");
        assertEquals(0, c10.code(), c10.err());
        assertTrue(c10.out().contains("wrote the preset 'paper-cifar10'"), c10.out());
        assertTrue(c10.out().contains("26 configurations x 1 seeds = 26 runs"), c10.out());
        Map<String, Long> spec = Map.of("resnet20-seed0", 269_722L, "mgnet-A-r20-seed0", 198_010L, "mgnet-AB-r20-seed0", 101_242L,
                "resnet18-seed0", 11_173_962L, "mgnet-AB-seed0", 2_750_666L, "mgiad-ck4-gs4-seed0", 138_154L,
                "mgiad-ck64-gs4-seed0", 393_034L, "mgiad-ck64-gs64-seed0", 1_360_714L, "mgiad-ck64-gs8-l3-seed0", 1_268_938L);
        spec.forEach((r, w) -> assertEquals(w, planWeights(c10.out(), r), r));
        assertTrue(c10.out().contains("--epochs 400"), "the paper's 400 epochs");
        var again = run("study", "--preset", "paper-cifar10", tmp.resolve("c10.study").toString(), "--plan");
        assertTrue(again.out().contains("using the existing"), "an existing (maybe edited) file is kept: " + again.out());

        var c100 = run("study", "--preset", "paper-cifar100", tmp.resolve("c100.study").toString(), "--plan");
        assertEquals(0, c100.code(), c100.err());
        assertEquals(480_676L, planWeights(c100.out(), "mgiad-gs8-l1-seed0"));
        assertEquals(4_821_796L, planWeights(c100.out(), "mgiad-gs64-l3-seed0"));
        assertEquals(2_773_796L, planWeights(c100.out(), "mgnet-AB-seed0"));
        var fm = run("study", "--preset", "paper-fmnist", tmp.resolve("fm.study").toString(), "--plan");
        assertEquals(0, fm.code(), fm.err());
        assertEquals(28_378L, planWeights(fm.out(), "mgiad3-gs4-seed0"), "Table IV's 3-level MGiaD, 1 input channel");
        var small = run("study", "--preset", "fmnist-small", tmp.resolve("small.study").toString(), "--plan");
        assertEquals(0, small.code(), small.err());
        var list = run("study", "--presets");
        for (String p : List.of("paper-cifar10", "paper-cifar100", "paper-fmnist", "fmnist-small")) assertTrue(list.out().contains(p), list.out());
    }

    @Test
    void badStudyFilesGiveOneLineWithFileAndLine(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("bad.study");
        Files.writeString(f, "seeds 0\ncommon --epochs 2\nconfig r --model resnet20 --ck 4\n");
        var r = run("study", f.toString(), "--plan");
        assertEquals(1, r.code());
        assertEquals(f + ":3: config r: --ck does not apply to resnet20 (only to mgiad, mgic)", r.err().strip().replaceFirst("^mgiad study: ", ""));
        Files.writeString(f, "config r --model resnet20 --out x\n");
        var out = run("study", f.toString());
        assertEquals(f + ":1: --out cannot be set in a study file: the study names each run's folder and resumes it itself",
                out.err().strip().replaceFirst("^mgiad study: ", ""));
        Files.writeString(f, "config r --model resnet20 --epochs 0\n");
        assertTrue(run("study", f.toString(), "--plan").err().contains("bad.study:1: config r: --epochs must be >= 1"));
        Files.writeString(f, "config r --modle resnet20\n");
        assertTrue(run("study", f.toString()).err().contains("bad.study:1: unknown train flag '--modle'"));
        Files.writeString(f, "config r --model resnet20\nconfig m --model mgiad\n");
        var only = run("study", f.toString(), "--plan", "--only", "m");
        assertTrue(only.out().contains("m-seed0") && !only.out().contains("r-seed0"), only.out());
        var unknown = run("study", f.toString(), "--plan", "--only", "x");
        assertTrue(unknown.err().contains("--only x: no such configuration in " + f), unknown.err());
        var missing = run("study", tmp.resolve("none.study").toString());
        assertTrue(missing.err().contains("none.study: no such study file"), missing.err());
        var preset = run("study", "--preset", "paper-cifar11");
        assertTrue(preset.err().contains("unknown preset 'paper-cifar11'; presets: paper-cifar10"), preset.err());
        var nothing = run("study");
        assertTrue(nothing.err().contains("give a study FILE or --preset NAME"), nothing.err());
        for (var x : List.of(r, out, missing, preset, nothing)) {
            assertNotEquals(0, x.code());
            assertEquals(1, x.err().strip().lines().count(), x.err());
            assertFalse(x.err().contains("Exception"), x.err());
        }
    }

    /** Two configurations x two seeds, one interrupted run, one configuration that fails; then rerun, edit, collect. */
    @Test
    void localStudyResumesSkipsReportsAndCollects(@TempDir Path tmp) throws Exception {
        Path data = TrainCliTest.sharedData();
        Assumptions.assumeTrue(data != null, "shared/data/fashion-mnist not found next to the repository");
        Path f = tmp.resolve("tiny.study");
        String common = "common --dataset fashion-mnist --data-dir " + data + " --epochs 2 --limit-train 192 --limit-test 128 --batch-size 64\n";
        Files.writeString(f, "name tiny\nseeds 0 1\n" + common
                + "config r20 --model resnet20 --widths 4,8,8\n"
                + "config mgiad --model mgiad --widths 4,8 --ck 4 --gs 2\n"
                + "config broken --model mgiad --widths 4,8 --ck 4 --gs 2 --val-split 192\n");
        Path study = tmp.resolve("tiny");
        // an interrupted run: r20 seed 1 stopped after its first epoch, as a killed run would be
        var partial = run("train", "--dataset", "fashion-mnist", "--data-dir", data.toString(), "--epochs", "2", "--limit-train", "192",
                "--limit-test", "128", "--batch-size", "64", "--model", "resnet20", "--widths", "4,8,8", "--seed", "1",
                "--out", study.resolve("r20-seed1").toString(), "--stop-after", "1", "--threads", "1");
        assertEquals(0, partial.code(), partial.err());

        var first = run("study", f.toString(), "--parallel", "2", "--threads", "2");
        assertEquals(1, first.code(), "a failed run makes the study fail, after the others finished: " + first.out() + first.err());
        assertTrue(first.out().contains("r20-seed1  resuming after epoch 1 of 2"), first.out());
        assertTrue(first.out().contains("study tiny: 4 finished now, 0 finished before, 2 failed"), first.out());
        assertTrue(first.err().contains("broken-seed0: exit code 1: mgiad train: --val-split 192 leaves no training images"), first.err());
        assertTrue(Files.readString(study.resolve("r20-seed1/train.log")).contains("train --resume " + study.resolve("r20-seed1")));
        assertEquals(3, Files.readAllLines(study.resolve("r20-seed1/metrics.csv")).size(), "the resumed run has both epochs");
        for (String run : List.of("r20-seed0", "r20-seed1", "mgiad-seed0", "mgiad-seed1")) {
            assertTrue(first.out().contains(run + "  done: test "), run + " finished: " + first.out());
        }

        List<String> csv = Files.readAllLines(study.resolve("results.csv"));
        assertEquals(7, csv.size(), String.join("\n", csv));
        assertTrue(csv.get(1).startsWith("r20,ResNet,0,finished,"), csv.get(1));
        assertTrue(csv.get(5).startsWith("broken,MGiaD,0,not started,"), csv.get(5));
        List<String> summary = Files.readAllLines(study.resolve("summary.csv"));
        String[] r20 = summary.get(1).split(",");
        assertEquals("r20", r20[0]);
        assertEquals("2", r20[5], "both seeds finished");
        double a = Double.parseDouble(csv.get(1).split(",")[8]), b = Double.parseDouble(csv.get(2).split(",")[8]);
        assertEquals((a + b) / 2, Double.parseDouble(r20[7]), 1e-6, "the mean over seeds");
        assertEquals(Math.abs(a - b) / Math.sqrt(2), Double.parseDouble(r20[8]), 1e-6, "the sample standard deviation");
        assertTrue(summary.get(3).startsWith("broken,MGiaD,") && summary.get(3).contains(",0,2,,"), summary.get(3));
        String md = Files.readString(study.resolve("results.md"));
        assertTrue(md.contains("| r20 | ResNet | ") && md.contains(" ± ") && md.contains("| broken-seed1 | not started | 0/2 |"), md);
        String svg = Files.readString(study.resolve("accuracy-vs-weights.svg"));
        assertTrue(svg.contains("weights (log scale)") && svg.contains(">r20</text>") && svg.contains(">mgiad</text>"), svg);
        assertTrue(svg.contains("<circle") && svg.contains(">ResNet</text>") && svg.contains(">MGiaD</text>"), "a marker and legend entry per family");
        assertFalse(svg.contains(">broken</text>"), "a configuration without finished runs is not plotted");

        var second = run("study", f.toString(), "--parallel", "2", "--threads", "2");
        assertEquals(1, second.code());
        assertTrue(second.out().contains("0 finished now, 4 finished before, 2 failed"), second.out());
        assertTrue(second.out().contains("r20-seed0  finished before: test "), second.out());

        Files.writeString(f, Files.readString(f).replace("--widths 4,8,8", "--widths 4,8,16"));
        var edited = run("study", f.toString(), "--plan");
        assertEquals(0, edited.code(), edited.err());
        assertTrue(edited.out().contains("PROBLEM: " + study.resolve("r20-seed0") + " was started with other flags"), edited.out());
        var collect = run("study", f.toString(), "--collect");
        assertEquals(0, collect.code(), collect.err());
        assertTrue(collect.out().contains("collected 2 of 6 runs"), "the edited configuration's folders are not its results: " + collect.out());
    }

    /** The sbatch script's resume rules, run by bash without Slurm: start, skip when finished, resume when partial. */
    @Test
    void slurmScriptAppliesTheResumeRules(@TempDir Path tmp) throws Exception {
        Path data = TrainCliTest.sharedData();
        Assumptions.assumeTrue(data != null, "shared/data/fashion-mnist not found next to the repository");
        Path f = tmp.resolve("s.study");
        Files.writeString(f, "seeds 0 1\ncommon --dataset fashion-mnist --data-dir " + data
                + " --epochs 2 --limit-train 128 --limit-test 64 --batch-size 64\nconfig m --model mgiad --widths 4,8 --ck 4 --gs 2\n");
        var w = run("study", f.toString(), "--slurm", "--no-submit", "--cpus-per-task", "1", "--parallel", "3",
                "--partition", "short", "--time", "0:30:00", "--mem", "2G", "--sbatch=--qos=test");
        assertEquals(0, w.code(), w.err());
        assertTrue(w.out().contains("not submitted") && w.out().contains("sbatch --parsable"), w.out());
        Path script = tmp.resolve("s/slurm/array.sh");
        String text = Files.readString(script);
        for (String line : List.of("#SBATCH --array=0-1%3", "#SBATCH --cpus-per-task=1", "#SBATCH --partition=short",
                "#SBATCH --time=0:30:00", "#SBATCH --mem=2G", "#SBATCH --qos=test", "#SBATCH --requeue")) {
            assertTrue(text.contains(line + "\n"), line + " in\n" + text);
        }
        var partial = run("train", "--dataset", "fashion-mnist", "--data-dir", data.toString(), "--epochs", "2", "--limit-train", "128",
                "--limit-test", "64", "--batch-size", "64", "--model", "mgiad", "--widths", "4,8", "--ck", "4", "--gs", "2",
                "--seed", "1", "--out", tmp.resolve("s/m-seed1").toString(), "--stop-after", "1", "--threads", "1");
        assertEquals(0, partial.code(), partial.err());
        String fresh = task(script, 0);
        assertTrue(fresh.contains("m-seed0: starting (task 0") && fresh.contains("test accuracy"), fresh);
        assertTrue(task(script, 0).contains("m-seed0: finished (2 of 2 epochs), nothing to do"));
        String resumed = task(script, 1);
        assertTrue(resumed.contains("m-seed1: resuming after epoch 1 of 2") && resumed.contains("after 2 epochs"), resumed);
        assertTrue(Files.readString(tmp.resolve("s/m-seed0/study-run.json")).contains("\"seed\":0"));
        var rewritten = run("study", f.toString(), "--slurm", "--no-submit");
        assertTrue(rewritten.out().contains("every run has finished; collecting"), rewritten.out());
    }

    private static String task(Path script, int index) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true);
        pb.environment().put("SLURM_ARRAY_TASK_ID", String.valueOf(index));
        pb.environment().put("SLURM_CPUS_PER_TASK", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }
}
