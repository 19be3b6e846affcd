package dev.hybridvit.cli;

import dev.hybridvit.train.Trainer;
import dev.hybridvit.train.TrainingRun;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Training progress for people: a self-overwriting status line (loss, accuracy, learning rate,
 * images/s, ETA) when attached to a terminal, plain log lines every ~10% or 30 s otherwise.
 */
final class ConsoleProgress implements TrainingRun.Listener {
    private final PrintStream out;
    private final boolean terminal;
    private final int epochs;
    private long lastLine;
    private int lastDecile = -1, epochSeen = -1;
    private long epochStart;
    private boolean openLine; // a status line without its newline is on the terminal

    ConsoleProgress(PrintStream out, int epochs) {
        this(out, System.console() != null && System.getenv("HYBRIDVIT_PLAIN") == null, epochs);
    }

    ConsoleProgress(PrintStream out, boolean terminal, int epochs) {
        this.out = out;
        this.terminal = terminal;
        this.epochs = epochs;
    }

    @Override
    public void progress(Trainer.Progress p) {
        long now0 = System.nanoTime();
        if (p.epoch() != epochSeen) {
            epochSeen = p.epoch();
            epochStart = now0 - 1; // first report comes after the first batch; close enough
        }
        double elapsed = (now0 - epochStart) / 1e9;
        long remaining = Math.round(elapsed / p.done() * (p.total() - p.done()));
        String line = String.format(
                Locale.ROOT,
                "epoch %d/%d %s %5.1f%% loss %.4f acc %.3f lr %.2e %.0f img/s ETA %s",
                p.epoch() + 1,
                epochs,
                bar(p.done(), p.total()),
                100.0 * p.done() / p.total(),
                p.loss(),
                p.accuracy(),
                p.lr(),
                p.imagesPerSecond(),
                clock(remaining));
        if (terminal) {
            long now = System.nanoTime();
            if (p.done() == p.total() || now - lastLine > 200_000_000L) {
                out.print("\r" + line);
                out.flush();
                lastLine = now;
                openLine = true;
            }
            if (p.done() == p.total()) closeLine();
        } else {
            int decile = 10 * p.done() / p.total();
            long now = System.nanoTime();
            if (p.epoch() * 10 + decile != lastDecile || now - lastLine > 30_000_000_000L) {
                if (decile > 0 || now - lastLine > 30_000_000_000L) out.println(line);
                lastDecile = p.epoch() * 10 + decile;
                lastLine = now;
            }
        }
    }

    private void closeLine() {
        if (openLine) out.println();
        openLine = false;
    }

    private static String bar(int done, int total) {
        int width = 20, filled = (int) ((long) width * done / total);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }

    static String clock(long seconds) {
        return String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, (seconds / 60) % 60, seconds % 60);
    }

    @Override
    public void epoch(TrainingRun.EpochRecord r) {
        closeLine();
        out.println(String.format(
                Locale.ROOT,
                "epoch %d: train loss %.4f acc %.4f | val top-1 %.4f top-5 %.4f%s | %.0f img/s, %.0f s",
                r.epoch(),
                r.trainLoss(),
                r.trainAccuracy(),
                r.valTop1(),
                r.valTop5(),
                Double.isNaN(r.valTop1Ema()) ? "" : String.format(Locale.ROOT, " (EMA %.4f)", r.valTop1Ema()),
                r.imagesPerSecond(),
                r.seconds()));
    }

    @Override
    public void log(String message) {
        closeLine();
        out.println(message);
    }
}
