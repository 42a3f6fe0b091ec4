package dev.mgiad.study;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a study's runs on this machine, K at a time, each as its own {@code mgiad train} process (so a run that
 * fails, or a JVM that dies, takes no other run with it). A finished run is skipped, a partial one is resumed from
 * its checkpoint with {@code train --resume}, a new one is started; a failure is reported with the last line of
 * its log and the others go on. Each run's output goes to {@code RUN/train.log}; the console gets one line per run
 * when it starts, after each of its epochs and when it ends.
 */
public final class LocalRunner {

    /** How the runs ended. */
    public record Summary(int finished, int skipped, int failed, List<String> failures) { }

    private static final Pattern EPOCH_LINE = Pattern.compile(
            "^epoch (\\d+)/(\\d+): .*\\| test loss [^ ]+ acc ([0-9.]+)%.*\\| ([0-9.]+) s, ([0-9.]+) img/s");

    private final List<String> launcher;
    private final int parallel;
    private final int threadsPerRun;
    private final PrintStream out;
    private final String study;
    private final Set<Process> live = ConcurrentHashMap.newKeySet();

    /**
     * @param launcher      the command that starts mgiad (see {@link JavaLauncher#command})
     * @param parallel      runs at a time
     * @param threadsPerRun kernel threads of each run
     */
    public LocalRunner(String study, List<String> launcher, int parallel, int threadsPerRun, PrintStream out) {
        this.study = study;
        this.launcher = List.copyOf(launcher);
        this.parallel = parallel;
        this.threadsPerRun = threadsPerRun;
        this.out = out;
    }

    public Summary run(List<StudyRun> runs) throws InterruptedException {
        int n = runs.size();
        int width = String.valueOf(n).length();
        AtomicInteger finished = new AtomicInteger(), skipped = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        // children get SIGTERM when the study is stopped; their last complete checkpoint stays, the rerun resumes
        Thread hook = new Thread(() -> live.forEach(Process::destroy));
        Runtime.getRuntime().addShutdownHook(hook);
        ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
            Thread t = new Thread(r, "study-run");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                StudyRun run = runs.get(i);
                String tag = String.format(Locale.ROOT, "[%" + width + "d/%d] %s", i + 1, n, run.name());
                futures.add(pool.submit(() -> {
                    String failure = runOne(run, tag);
                    if (failure == null) finished.incrementAndGet();
                    else if (failure.isEmpty()) skipped.incrementAndGet();
                    else failures.add(run.name() + ": " + failure);
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    failures.add(String.valueOf(e.getCause()));
                }
            }
        } finally {
            pool.shutdownNow();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // the JVM is already shutting down: the hook runs
            }
        }
        return new Summary(finished.get(), skipped.get(), failures.size(), List.copyOf(failures));
    }

    /** Runs one; null when it finished now, "" when it had finished before, else why it failed. */
    private String runOne(StudyRun run, String tag) {
        StudyRun.State st = run.state();
        switch (st.status()) {
            case FINISHED -> {
                var last = st.record().last();
                say(String.format(Locale.ROOT, "%s  finished before: test %.2f%% after %d epochs", tag,
                        100 * last.testAccuracy(), st.record().epochsDone()));
                return "";
            }
            case CONFLICT -> {
                say(tag + "  FAILED: " + st.problem());
                return st.problem();
            }
            default -> { }
        }
        try {
            Files.createDirectories(run.dir());
        } catch (IOException e) {
            say(tag + "  FAILED: cannot create " + run.dir() + ": " + e.getMessage());
            return "cannot create " + run.dir();
        }
        // a second study process on the same folder (two terminals, or a local run beside a Slurm array) must not
        // train the same run twice: the lock is the OS's, released when this process ends however it ends
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(run.dir().resolve(".study.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             java.nio.channels.FileLock lock = ch.tryLock()) {
            if (lock == null) {
                say(tag + "  FAILED: another study process is running it");
                return "another study process is running it";
            }
            StudyRun.State now = run.state(); // the other process may have finished it meanwhile
            if (now.status() == StudyRun.Status.FINISHED) {
                say(tag + "  finished meanwhile by another study process");
                return "";
            }
            if (now.status() == StudyRun.Status.CONFLICT) {
                say(tag + "  FAILED: " + now.problem());
                return now.problem();
            }
            return start(run, tag, now);
        } catch (IOException e) {
            say(tag + "  FAILED: " + e.getMessage());
            return String.valueOf(e.getMessage());
        }
    }

    private String start(StudyRun run, String tag, StudyRun.State st) {
        boolean resume = st.status() == StudyRun.Status.PARTIAL;
        List<String> cmd = new ArrayList<>(launcher);
        cmd.add("train");
        cmd.addAll(resume ? run.resumeArgs() : run.freshArgs());
        cmd.add("--threads");
        cmd.add(String.valueOf(threadsPerRun));
        Path log = run.dir().resolve("train.log");
        long t0 = System.nanoTime();
        try {
            run.writeMarker(study);
            try (Writer w = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                w.write("$ " + String.join(" ", cmd) + "\n");
            }
            say(resume ? String.format(Locale.ROOT, "%s  resuming after epoch %d of %d", tag, st.record().epochsDone(), run.epochs())
                    : String.format(Locale.ROOT, "%s  started (%d epochs, %d threads)", tag, run.epochs(), threadsPerRun));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            live.add(p);
            String lastLine = "";
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 Writer w = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                String line;
                while ((line = r.readLine()) != null) {
                    w.write(line);
                    w.write('\n');
                    w.flush();
                    if (!line.isBlank() && !line.startsWith("WARNING: Using incubator modules")) lastLine = line.strip();
                    Matcher m = EPOCH_LINE.matcher(line);
                    if (m.find()) {
                        say(String.format(Locale.ROOT, "%s  epoch %s/%s  test %s%%  %s s  %s img/s", tag, m.group(1), m.group(2),
                                m.group(3), m.group(4), m.group(5)));
                    }
                }
            }
            int code = p.waitFor();
            live.remove(p);
            double secs = (System.nanoTime() - t0) / 1e9;
            if (code != 0) {
                String why = "exit code " + code + (lastLine.isEmpty() ? "" : ": " + lastLine) + " (log: " + log + ")";
                say(tag + "  FAILED: " + why);
                return why;
            }
            RunRecord r = RunRecord.read(run.dir());
            if (r.epochsDone() < run.epochs()) { // stopped early by its own --max-time: a rerun continues it
                String why = String.format(Locale.ROOT, "stopped after %d of %d epochs (--max-time?); rerun the study to continue it",
                        r.epochsDone(), run.epochs());
                say(tag + "  " + why);
                return why;
            }
            var last = r.last();
            say(String.format(Locale.ROOT, "%s  done: test %.2f%% (best %.2f%%) after %d epochs, %.0f s", tag,
                    last == null ? Double.NaN : 100 * last.testAccuracy(), 100 * r.bestTestAccuracy(), r.epochsDone(), secs));
            return null;
        } catch (IOException e) {
            say(tag + "  FAILED: " + e.getMessage());
            return String.valueOf(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private synchronized void say(String line) {
        out.println(line);
        out.flush();
    }
}
