package dev.mgiad.cli;

import dev.mgiad.datasets.DataSpec;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.model.Model;
import dev.mgiad.model.ModelConfig;
import dev.mgiad.model.ModelSummary;
import dev.mgiad.model.Models;
import dev.mgiad.study.JavaLauncher;
import dev.mgiad.study.LocalRunner;
import dev.mgiad.study.SlurmScript;
import dev.mgiad.study.StudyFile;
import dev.mgiad.study.StudyPresets;
import dev.mgiad.study.StudyResults;
import dev.mgiad.study.StudyRun;
import dev.mgiad.train.AtomicFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code mgiad study}: configurations x seeds, run locally K at a time or as a Slurm job array; table and figure. */
@Command(name = "study", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs a study: every configuration of a study file with every seed, one `mgiad train` each, in its own "
                + "folder STUDY/<config>-seed<N> (STUDY defaults to the file's path without its extension). Finished runs are "
                + "skipped, interrupted ones resume from their checkpoint, failed ones are reported while the rest go on. "
                + "Then writes STUDY/results.md, results.csv, summary.csv and accuracy-vs-weights.svg (as --collect).",
                "Study file, one statement a line ('#' comments, '\\' continues a line):",
                "  name NAME | seeds 0 1 2 (or 0-4) | common TRAIN-FLAGS | config NAME TRAIN-FLAGS",
                "Examples: mgiad study my.study --parallel 2;  mgiad study --preset paper-cifar10 --slurm --partition gpu "
                        + "--time 2-00:00:00;  mgiad study my.study --collect;  mgiad study --presets"})
final class StudyCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "The study file.")
    Path file;
    @Option(names = "--preset", paramLabel = "NAME",
            description = "Write the named study to FILE (default NAME.study) unless that file exists, then run it (see --presets).")
    String preset;
    @Option(names = "--presets", description = "List the presets and exit.")
    boolean listPresets;
    @Option(names = "--dir", paramLabel = "STUDY", description = "The study folder (default: FILE without its extension).")
    Path dir;
    @Option(names = "--collect", description = "Only write the table and the figure from the runs there are.")
    boolean collect;
    @Option(names = "--plan", description = "Print every run, its state and its train command; run nothing.")
    boolean plan;
    @Option(names = "--only", split = ",", paramLabel = "CONFIG",
            description = "Run (or plan, or submit) only these configurations (comma-separated names); --collect still reports all.")
    List<String> only;
    @Option(names = "--parallel", defaultValue = "1", paramLabel = "K",
            description = "Runs at a time: locally, threads are split between them; on Slurm, the array's %%K throttle (default: ${DEFAULT-VALUE}).")
    int parallel;
    @Option(names = "--threads", paramLabel = "N", description = "Local: CPU threads of all runs together (default: all processors).")
    Integer threads;

    @Option(names = "--slurm", description = "Write an sbatch job-array script (STUDY/slurm/array.sh) and submit it when sbatch is on the PATH.")
    boolean slurm;
    @Option(names = "--no-submit", description = "Slurm: write the script and print how to submit it, without calling sbatch.")
    boolean noSubmit;
    @Option(names = "--cpus-per-task", defaultValue = "4", paramLabel = "N",
            description = "Slurm: CPUs of each array task, the run's --threads (default: ${DEFAULT-VALUE}).")
    int cpusPerTask;
    @Option(names = "--partition", paramLabel = "P", description = "Slurm: partition.")
    String partition;
    @Option(names = "--time", paramLabel = "T", description = "Slurm: time limit per run (e.g. 12:00:00); a task stopped by it resumes when resubmitted.")
    String time;
    @Option(names = "--mem", paramLabel = "M", description = "Slurm: memory per run (e.g. 8G).")
    String mem;
    @Option(names = "--account", paramLabel = "A", description = "Slurm: account.")
    String account;
    @Option(names = "--sbatch", paramLabel = "OPT", description = "Slurm: a further sbatch option, written as given (repeatable), e.g. --sbatch=--qos=long.")
    List<String> sbatchExtra = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        if (listPresets) {
            for (StudyPresets.Preset p : StudyPresets.all()) out.printf("%-16s %s%n", p.name(), p.description());
            return 0;
        }
        if (parallel < 1) throw new IllegalArgumentException("--parallel must be >= 1, got " + parallel);
        if (cpusPerTask < 1) throw new IllegalArgumentException("--cpus-per-task must be >= 1, got " + cpusPerTask);
        if (threads != null && threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        if (slurm && collect) throw new IllegalArgumentException("--slurm and --collect exclude each other (collect after the array is done)");
        if (preset != null) {
            StudyPresets.Preset p = StudyPresets.get(preset);
            if (file == null) file = Path.of(p.name() + ".study");
            if (Files.exists(file)) {
                out.println("mgiad study: using the existing " + file + " (remove it to write the preset '" + p.name() + "' afresh)");
            } else {
                AtomicFiles.writeString(file, p.text());
                out.println("mgiad study: wrote the preset '" + p.name() + "' to " + file);
            }
        }
        if (file == null) throw new IllegalArgumentException("give a study FILE or --preset NAME (mgiad study --presets lists them)");
        StudyFile study = StudyFile.read(file, trainFlagRules());
        Path studyDir = dir != null ? dir : defaultDir(file);
        List<StudyRun> runs = plan(study, studyDir.toAbsolutePath().normalize());

        if (collect) return collect(study, studyDir, runs, out);
        List<StudyRun> all = runs;
        if (only != null) {
            for (String n : only) {
                if (study.configs().stream().noneMatch(c -> c.name().equals(n))) {
                    throw new IllegalArgumentException("--only " + n + ": no such configuration in " + file);
                }
            }
            runs = runs.stream().filter(r -> only.contains(r.config().name())).toList();
        }
        if (plan) {
            out.printf("study %s: %d configurations x %d seeds = %d runs in %s%n", study.name(), study.configs().size(),
                    study.seeds().size(), runs.size(), studyDir);
            for (StudyRun r : runs) {
                StudyRun.State st = r.state();
                String what = switch (st.status()) {
                    case NEW -> "new";
                    case PARTIAL -> "partial, " + st.record().epochsDone() + "/" + r.epochs() + " epochs";
                    case FINISHED -> "finished";
                    case CONFLICT -> "PROBLEM: " + st.problem();
                };
                out.printf(Locale.ROOT, "%-28s %-7s %,11d weights %8.1f M MACs  %s%n    mgiad train %s%n", r.name(), r.family(),
                        r.weights(), r.macs() / 1e6, what,
                        String.join(" ", st.status() == StudyRun.Status.PARTIAL ? r.resumeArgs() : r.freshArgs()));
            }
            return 0;
        }
        Files.createDirectories(studyDir);
        AtomicFiles.writeString(studyDir.resolve("study.txt"), Files.readString(file, StandardCharsets.UTF_8));
        if (slurm) return slurm(study, studyDir, runs, all, out);

        int total = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        int k = Math.min(parallel, runs.size());
        int perRun = Math.max(1, total / k);
        out.printf("study %s: %d runs (%d configurations x %d seeds), %d at a time with %d threads each; folder %s%n",
                study.name(), runs.size(), study.configs().size(), study.seeds().size(), k, perRun, studyDir);
        LocalRunner runner = new LocalRunner(study.name(), JavaLauncher.command(70 / k), k, perRun, out);
        LocalRunner.Summary s = runner.run(runs);
        out.printf("study %s: %d finished now, %d finished before, %d failed%n", study.name(), s.finished(), s.skipped(), s.failed());
        collect(study, studyDir, all, out);
        if (s.failed() > 0) {
            for (String f : s.failures()) System.err.println("mgiad study: failed: " + f);
            return 1;
        }
        return 0;
    }

    private int collect(StudyFile study, Path studyDir, List<StudyRun> runs, PrintStream out) throws IOException {
        StudyResults results = new StudyResults(study.name(), runs);
        List<Path> files = results.write(studyDir);
        long finished = results.rows().stream().filter(StudyResults.Row::finished).count();
        out.printf("collected %d of %d runs: %s%n", finished, runs.size(),
                String.join(", ", files.stream().map(Path::toString).toList()));
        for (StudyResults.Summary s : results.summaries()) {
            out.printf(Locale.ROOT, "  %-24s %-6s %,11d weights  %s%n", s.config(), s.family(), s.weights(),
                    s.n() == 0 ? "no finished run" : String.format(Locale.ROOT, "test %.2f%%%s (%d/%d seeds)", 100 * s.finalMean(),
                            s.n() > 1 ? String.format(Locale.ROOT, " +- %.2f", 100 * s.finalSd()) : "", s.n(), s.seeds()));
        }
        return 0;
    }

    private int slurm(StudyFile study, Path studyDir, List<StudyRun> runs, List<StudyRun> all, PrintStream out)
            throws IOException, InterruptedException {
        List<Integer> pending = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            StudyRun.State st = runs.get(i).state();
            if (st.status() == StudyRun.Status.CONFLICT) problems.add(runs.get(i).name() + ": " + st.problem());
            else if (st.status() != StudyRun.Status.FINISHED) pending.add(i);
        }
        if (!problems.isEmpty()) throw new IllegalArgumentException(String.join("; ", problems));
        if (pending.isEmpty()) {
            out.println("study " + study.name() + ": every run has finished; collecting");
            return collect(study, studyDir, all, out);
        }
        for (int i : pending) runs.get(i).writeMarker(study.name());
        Path slurmDir = studyDir.toAbsolutePath().normalize().resolve("slurm");
        Files.createDirectories(slurmDir);
        Path script = slurmDir.resolve("array.sh");
        SlurmScript.Options o = new SlurmScript.Options(study.name(), cpusPerTask, parallel, partition, time, mem, account,
                sbatchExtra, slurmDir.toString());
        List<String> jvm = JavaLauncher.jvmArgs(75);
        AtomicFiles.writeString(script, SlurmScript.write(runs, pending, o, JavaLauncher.java(), jvm));
        script.toFile().setExecutable(true);
        List<String> collectCmd = new ArrayList<>();
        collectCmd.add(JavaLauncher.java());
        collectCmd.addAll(JavaLauncher.jvmArgs(50));
        collectCmd.addAll(List.of("study", file.toAbsolutePath().normalize().toString(), "--dir",
                studyDir.toAbsolutePath().normalize().toString(), "--collect"));
        String collectLine = String.join(" ", collectCmd.stream().map(SlurmScript::quote).toList());
        out.printf("study %s: wrote %s (%d of %d runs to do, %s at a time, %d CPUs each)%n", study.name(), script, pending.size(),
                runs.size(), parallel, cpusPerTask);
        String sbatch = noSubmit ? null : onPath("sbatch");
        if (sbatch == null) {
            out.println(SlurmScript.howToSubmit(script.toString(), collectLine));
            return 0;
        }
        String job = submit(List.of(sbatch, "--parsable", script.toString()));
        List<String> dep = new ArrayList<>(List.of(sbatch, "--parsable", "--dependency=afterany:" + job, "--job-name=" + study.name() + "-collect",
                "--ntasks=1", "--cpus-per-task=1", "--output=" + slurmDir.resolve("%x-%j.out")));
        if (partition != null) dep.add("--partition=" + partition);
        if (account != null) dep.add("--account=" + account);
        dep.addAll(List.of("--wrap", collectLine));
        String collectJob = submit(dep);
        out.printf("submitted job array %s and, after it, the collect job %s; follow them with: squeue -j %s,%s%n"
                + "results: %s (or run: mgiad study %s --collect)%n", job, collectJob, job, collectJob,
                studyDir.resolve("results.md"), file);
        return 0;
    }

    private static String submit(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        int code = p.waitFor();
        if (code != 0) throw new IllegalStateException("sbatch failed (exit code " + code + "): " + text.replace('\n', ' '));
        String last = text.lines().reduce((a, b) -> b).orElse("");
        String id = last.split(";")[0].strip();
        if (!id.matches("\\d+")) throw new IllegalStateException("sbatch printed no job id: " + text.replace('\n', ' '));
        return id;
    }

    private static String onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String d : path.split(File.pathSeparator)) {
            Path p = Path.of(d.isEmpty() ? "." : d, exe);
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }

    static Path defaultDir(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        String n = abs.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return abs.resolveSibling(dot > 0 ? n.substring(0, dot) : n + "-runs");
    }

    /** Every run of the study, each configuration checked as `mgiad train` would check it (file and line on error). */
    List<StudyRun> plan(StudyFile study, Path studyDir) {
        List<StudyRun> runs = new ArrayList<>();
        Map<String, long[]> counts = new HashMap<>();
        StudyFile.FlagRules rules = trainFlagRules();
        Map<String, int[]> folders = new HashMap<>();
        try (CpuBackend be = new CpuBackend(1)) {
            for (StudyFile.Config c : study.configs()) {
                TrainCommand t = new TrainCommand();
                ModelConfig mc;
                int size;
                try {
                    new CommandLine(t).parseArgs(c.args().toArray(String[]::new));
                    if (t.epochs < 1) throw new IllegalArgumentException("--epochs must be >= 1, got " + t.epochs);
                    if (t.model.isFolder()) {
                        // channels and classes come from the images: read once per folder and size
                        size = t.imageSize == null ? 32 : t.imageSize;
                        int[] io = folders.computeIfAbsent(t.data.dataDir + "@" + size, k -> {
                            DataSpec d = t.folderSpec();
                            return new int[]{d.channels(), d.classes()};
                        });
                        mc = t.model.config(io[0], io[1]);
                    } else {
                        mc = t.model.config();
                        size = t.model.datasetKind().cliName().equals("fashion-mnist") && t.noPad ? 28 : 32;
                    }
                } catch (CommandLine.ParameterException | IllegalArgumentException | dev.mgiad.datasets.DatasetException e) {
                    throw new StudyFile.StudyFileException(study.path(), c.line(), "config " + c.name() + ": " + e.getMessage());
                }
                long[] wm = counts.computeIfAbsent(mc.describe() + "@" + size, k -> {
                    Model m = Models.build(mc, be, 0);
                    ModelSummary s = ModelSummary.of(m, size, size);
                    return new long[]{s.weights(), s.macs()};
                });
                List<String> identity = new ArrayList<>(), resumable = new ArrayList<>();
                for (int i = 0; i < c.args().size(); i++) {
                    String a = c.args().get(i);
                    boolean hasValue = rules.takesValue(a);
                    List<String> to = TrainCommand.FIXED_ON_RESUME.contains(a) ? identity : resumable;
                    to.add(a);
                    if (hasValue) to.add(c.args().get(++i));
                }
                for (long seed : study.seeds()) {
                    Path dir = studyDir.resolve(StudyRun.folderName(c.name(), seed));
                    List<String> fresh = new ArrayList<>(c.args());
                    fresh.addAll(List.of("--seed", Long.toString(seed), "--out", dir.toString()));
                    List<String> resume = new ArrayList<>(List.of("--resume", dir.toString()));
                    resume.addAll(resumable);
                    List<String> id = new ArrayList<>(identity);
                    id.addAll(List.of("--seed", Long.toString(seed)));
                    runs.add(new StudyRun(c, seed, dir, t.epochs, List.copyOf(fresh), List.copyOf(resume), List.copyOf(id),
                            family(mc.kind()), wm[0], wm[1]));
                }
            }
        }
        return runs;
    }

    static String family(ModelConfig.Kind k) {
        return switch (k) {
            case RESNET18, RESNET20 -> "ResNet";
            case MGNET -> "MgNet";
            case MGIC -> "MGIC";
            case MGIAD -> "MGiaD";
        };
    }

    private static final Set<String> SET_BY_STUDY = Set.of("--help", "--version");

    /** The study file's view of `mgiad train`'s options, from its picocli model. */
    static StudyFile.FlagRules trainFlagRules() {
        CommandLine.Model.CommandSpec train = new CommandLine(new TrainCommand()).getCommandSpec();
        return new StudyFile.FlagRules() {
            @Override public String canonical(String flag) {
                CommandLine.Model.OptionSpec o = train.findOption(flag);
                return o == null || !flag.startsWith("-") ? null : o.longestName();
            }

            @Override public boolean takesValue(String canonical) {
                CommandLine.Model.OptionSpec o = train.findOption(canonical);
                return o != null && o.arity().max() > 0;
            }

            @Override public String forbidden(String canonical) {
                return switch (canonical) {
                    case "--seed" -> "seeds come from the 'seeds' line";
                    case "--out", "--resume" -> "the study names each run's folder and resumes it itself";
                    case "--threads" -> "the study sets it (--threads and --parallel locally, --cpus-per-task on Slurm)";
                    case "--stop-after", "--stop-after-steps" -> "a study runs every configuration to its --epochs";
                    default -> SET_BY_STUDY.contains(canonical) ? "not a training flag" : null;
                };
            }
        };
    }
}
