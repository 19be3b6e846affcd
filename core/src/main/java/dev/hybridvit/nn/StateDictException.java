package dev.hybridvit.nn;

/** A strict state-dict load found missing, unexpected or mis-shaped keys. */
public class StateDictException extends RuntimeException {
    private final LoadReport report;

    public StateDictException(LoadReport report) {
        super("state dict does not match the model: " + report.describe().replace('\n', ';'));
        this.report = report;
    }

    public LoadReport report() {
        return report;
    }
}
