package dev.hybridvit.train;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A request to end a training run early and leave a resumable checkpoint ({@link TrainingRun}
 * checks it before every step). {@link #onShutdown()} ties it to Ctrl-C / SIGTERM: a shutdown
 * hook requests the stop and holds the JVM open until the run has written its checkpoint and
 * the signal is {@link #close() closed} (at most {@link #GRACE_SECONDS}).
 */
public final class StopSignal implements BooleanSupplier, AutoCloseable {
    public static final long GRACE_SECONDS = 600;

    private volatile boolean requested;
    private final CountDownLatch done = new CountDownLatch(1);
    private Thread hook;

    /** A signal that only {@link #request()} sets. */
    public StopSignal() {}

    /** A signal set by the JVM's shutdown (Ctrl-C, SIGTERM); close it when the run has finished. */
    public static StopSignal onShutdown() {
        StopSignal s = new StopSignal();
        s.hook = new Thread(
                () -> {
                    s.request();
                    try {
                        s.done.await(GRACE_SECONDS, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "hybridvit-stop");
        Runtime.getRuntime().addShutdownHook(s.hook);
        return s;
    }

    /** Asks the run to stop after the step under way. */
    public void request() {
        requested = true;
    }

    public boolean requested() {
        return requested;
    }

    @Override
    public boolean getAsBoolean() {
        return requested;
    }

    /** The run is over (checkpoint written, messages printed): lets a pending shutdown proceed. */
    @Override
    public void close() {
        done.countDown();
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running (Ctrl-C): it returns now that done is counted down
            }
        }
    }
}
