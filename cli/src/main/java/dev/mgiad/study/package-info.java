/**
 * Parameter studies: configurations x seeds from a study file, each run one {@code mgiad train} in its own folder,
 * locally K at a time or as a Slurm job array, and the table and figure that compare them (the paper's Fig. 7).
 *
 * <p>{@link dev.mgiad.study.StudyFile} reads and checks the plain-text file (one-line {@code FILE:LINE: problem}
 * errors); {@link dev.mgiad.study.StudyPresets} holds the paper's tables as study files;
 * {@link dev.mgiad.study.StudyRun} is one configuration with one seed, its folder, its train arguments for a fresh
 * start and for a resume, and its state (new, partial, finished, or a folder made with other flags);
 * {@link dev.mgiad.study.RunRecord} reads a run folder through the training package's typed run state.
 * {@link dev.mgiad.study.LocalRunner} runs the runs as child processes, {@link dev.mgiad.study.SlurmScript} writes
 * the sbatch array script applying the same resume rules in bash, {@link dev.mgiad.study.JavaLauncher} is the command
 * line that starts this very code in a fresh JVM. {@link dev.mgiad.study.StudyResults} and
 * {@link dev.mgiad.study.StudyFigure} write the tables and the SVG. The command line is
 * {@code dev.mgiad.cli.StudyCommand}. This package is in the cli artifact, not in train: a child run is started as
 * {@code mgiad train} ({@link dev.mgiad.study.JavaLauncher#MAIN}).
 */
package dev.mgiad.study;
