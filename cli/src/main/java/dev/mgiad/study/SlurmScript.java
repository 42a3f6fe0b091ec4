package dev.mgiad.study;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An sbatch job-array script for a study: array task i runs one {@code mgiad train} for run i, with
 * {@code --threads $SLURM_CPUS_PER_TASK}. The script applies the study's resume rules itself, so a requeued or
 * resubmitted task does the right thing: a finished run exits at once, a run with a checkpoint continues with
 * {@code train --resume}, a new one starts. {@code #SBATCH --array} lists only the runs not finished when the
 * script was written, with the {@code %K} throttle.
 */
public final class SlurmScript {
    private SlurmScript() { }

    /**
     * What goes into the {@code #SBATCH} header.
     *
     * @param jobName       the job's name
     * @param cpusPerTask   CPUs of each array task (and the run's --threads)
     * @param throttle      array tasks at a time (the %K of --array), 0 for no limit
     * @param partition     --partition, or null
     * @param time          --time per task, or null
     * @param mem           --mem per task, or null
     * @param account       --account, or null
     * @param extra         further sbatch options, written as given ({@code --qos=long}, {@code --constraint=avx512})
     * @param logDir        folder of the tasks' Slurm output files
     */
    public record Options(String jobName, int cpusPerTask, int throttle, String partition, String time, String mem,
                          String account, List<String> extra, String logDir) { }

    /**
     * @param runs     all runs of the study, in order: task i is run i
     * @param pending  the indices to submit (runs not finished yet)
     * @param java     the java executable
     * @param jvmArgs  JVM flags, class path and main class ({@link JavaLauncher#jvmArgs})
     */
    public static String write(List<StudyRun> runs, List<Integer> pending, Options o, String java, List<String> jvmArgs) {
        StringBuilder s = new StringBuilder("#!/bin/bash\n");
        s.append("# Written by `mgiad study --slurm`: one `mgiad train` per array task. Rerunning `mgiad study FILE --slurm`\n");
        s.append("# rewrites it with the runs that are still unfinished. Requeued tasks resume from their checkpoints.\n");
        s.append("#SBATCH --job-name=").append(o.jobName()).append('\n');
        s.append("#SBATCH --array=").append(arraySpec(pending)).append(o.throttle() > 0 ? "%" + o.throttle() : "").append('\n');
        s.append("#SBATCH --ntasks=1\n");
        s.append("#SBATCH --cpus-per-task=").append(o.cpusPerTask()).append('\n');
        if (o.partition() != null) s.append("#SBATCH --partition=").append(o.partition()).append('\n');
        if (o.time() != null) s.append("#SBATCH --time=").append(o.time()).append('\n');
        if (o.mem() != null) s.append("#SBATCH --mem=").append(o.mem()).append('\n');
        if (o.account() != null) s.append("#SBATCH --account=").append(o.account()).append('\n');
        for (String e : o.extra()) s.append("#SBATCH ").append(e).append('\n');
        s.append("#SBATCH --output=").append(o.logDir()).append("/%x-%A_%a.out\n");
        s.append("#SBATCH --open-mode=append\n");
        s.append("#SBATCH --requeue\n");
        s.append("set -euo pipefail\n\n");
        s.append("java=${MGIAD_JAVA:-").append(quote(java)).append("}   # set MGIAD_JAVA where JDK 25 lives elsewhere on the nodes\n");
        s.append("jvm=(");
        for (int i = 0; i < jvmArgs.size(); i++) s.append(i == 0 ? "" : " ").append(quote(jvmArgs.get(i)));
        s.append(")\n");
        s.append("threads=${SLURM_CPUS_PER_TASK:-1}\n\n");
        s.append("case \"${SLURM_ARRAY_TASK_ID:?this script is an sbatch job array (sbatch THIS_SCRIPT)}\" in\n");
        for (int i = 0; i < runs.size(); i++) {
            StudyRun r = runs.get(i);
            s.append("  ").append(i).append(") # ").append(r.name()).append('\n');
            s.append("    dir=").append(quote(r.dir().toString())).append("; epochs=").append(r.epochs()).append('\n');
            s.append("    fresh=(").append(words(r.freshArgs())).append(")\n");
            s.append("    resume=(").append(words(r.resumeArgs())).append(")\n");
            s.append("    marker=").append(quote(r.markerJson(o.jobName()))).append(" ;;\n");
        }
        s.append("  *) echo \"no run has array index $SLURM_ARRAY_TASK_ID\" >&2; exit 2 ;;\n");
        s.append("esac\n\n");
        s.append("""
                mkdir -p "$dir"
                if [ -f "$dir/checkpoint.json" ]; then
                  done=$(sed -n 's/.*"epoch": *\\([0-9][0-9]*\\).*/\\1/p' "$dir/checkpoint.json")
                  if [ "${done:-0}" -ge "$epochs" ]; then
                    echo "$(date -u +%FT%TZ) $dir: finished ($done of $epochs epochs), nothing to do"
                    exit 0
                  fi
                  args=("${resume[@]}")
                  echo "$(date -u +%FT%TZ) $dir: resuming after epoch ${done:-0} of $epochs (task $SLURM_ARRAY_TASK_ID, job ${SLURM_JOB_ID:-?}, restart ${SLURM_RESTART_COUNT:-0})"
                else
                  [ -f "$dir/study-run.json" ] || printf '%s\\n' "$marker" > "$dir/study-run.json"
                  args=("${fresh[@]}")
                  echo "$(date -u +%FT%TZ) $dir: starting (task $SLURM_ARRAY_TASK_ID, job ${SLURM_JOB_ID:-?})"
                fi
                echo "\\$ $java ${jvm[*]} train ${args[*]} --threads $threads" >> "$dir/train.log"
                "$java" "${jvm[@]}" train "${args[@]}" --threads "$threads" 2>&1 | tee -a "$dir/train.log"
                exit "${PIPESTATUS[0]}"
                """);
        return s.toString();
    }

    /** 0-3,5,7-8 from sorted indices. */
    static String arraySpec(List<Integer> idx) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < idx.size(); ) {
            int j = i;
            while (j + 1 < idx.size() && idx.get(j + 1) == idx.get(j) + 1) j++;
            if (!b.isEmpty()) b.append(',');
            b.append(idx.get(i));
            if (j > i) b.append('-').append(idx.get(j));
            i = j + 1;
        }
        return b.toString();
    }

    private static String words(List<String> ws) {
        List<String> q = new ArrayList<>();
        for (String w : ws) q.add(quote(w));
        return String.join(" ", q);
    }

    /** A word for bash: bare when it is plainly safe, else single-quoted. */
    public static String quote(String w) {
        if (!w.isEmpty() && w.matches("[A-Za-z0-9_./:=,+%@-]+")) return w;
        return "'" + w.replace("'", "'\\''") + "'";
    }

    /** How to submit the script by hand (sbatch not on the PATH). */
    public static String howToSubmit(String script, String collect) {
        return String.format(Locale.ROOT, "not submitted (no sbatch on the PATH, or --no-submit); on the cluster's login node submit it with%n"
                + "  jobid=$(sbatch --parsable %s)%n"
                + "and collect the table and figure when the array is done, e.g. as a dependent job:%n"
                + "  sbatch --dependency=afterany:$jobid --wrap %s", script, quote(collect));
    }
}
