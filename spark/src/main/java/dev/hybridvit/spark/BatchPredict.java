package dev.hybridvit.spark;

import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code batch-predict}: classifies every image of a directory, a list file or a Parquet table on
 * Apache Spark and writes one Parquet row per image. Images are read with Spark's {@code binaryFile}
 * source; each partition runs in {@code mapPartitions} through one ONNX Runtime session per executor,
 * opened from the model's bytes broadcast once; undecodable images get an {@code error} and never
 * fail the job. The output is written next to its destination under a temporary name and renamed
 * into place when the job has committed, so a failed run leaves no partial output.
 */
@Command(
        name = "batch-predict",
        mixinStandardHelpOptions = true,
        description = "Classify images on Apache Spark: --input DIR (images, recursively), a text file with one "
                + "path per line, or a .parquet table with a path column (and optionally content); writes "
                + "OUT.parquet with path, top_indices, top_labels, top_probabilities, [embedding], error.")
public final class BatchPredict implements Callable<Integer> {
    @Option(names = "--model", description = "registered model name (optional for an .onnx file or a checkpoint)")
    String model;

    @Option(names = "--weights", required = true, description = "weights, a train checkpoint or an exported .onnx")
    Path weights;

    @Option(names = "--input", required = true, paramLabel = "DIR|LIST|PARQUET")
    String input;

    @Option(names = "--output", required = true, paramLabel = "OUT.parquet")
    String output;

    @Option(names = "--master", description = "Spark master (default: local[*], or what spark-submit sets)")
    String master;

    @Option(names = "--topk", defaultValue = "5")
    int topk;

    @Option(names = "--embeddings", description = "add the embedding column (pooled features)")
    boolean embeddings;

    @Option(names = "--overwrite", description = "replace an existing output")
    boolean overwrite;

    @Option(names = "--batch", defaultValue = "16", description = "images per forward pass (default ${DEFAULT-VALUE})")
    int batch;

    @Option(
            names = "--threads",
            defaultValue = "1",
            description =
                    "ONNX Runtime threads per executor session (default ${DEFAULT-VALUE}: Spark's cores give the parallelism)")
    int threads;

    @Option(names = "--partitions", description = "input partitions (default: Spark's choice)")
    Integer partitions;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command and returns the exit code (0 ok, 2 bad input, 1 failure), errors as one line. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new BatchPredict());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + message(e));
            if (System.getenv("HYBRIDVIT_DEBUG") != null) e.printStackTrace(cmd.getErr());
            return e instanceof IllegalArgumentException || e instanceof IOException ? 2 : 1;
        });
        return cli.execute(args);
    }

    private static String message(Throwable e) {
        if (e instanceof java.nio.file.NoSuchFileException f) return "no such file: " + f.getFile();
        return e.getMessage() == null
                ? e.getClass().getSimpleName()
                : e.getMessage().lines().findFirst().orElse("");
    }

    @Override
    public Integer call() throws Exception {
        if (topk < 1 || batch < 1 || threads < 1)
            throw new IllegalArgumentException("--topk, --batch and --threads must be at least 1");
        checkOutput(new Configuration());
        byte[] onnx = onnxBytes();
        if (master != null) checkReachable(master);
        SparkSession.Builder builder = SparkSession.builder().appName("hybridvit batch-predict");
        if (master != null) builder.master(master);
        else if (!System.getProperties().containsKey("spark.master")) builder.master("local[*]");
        SparkSession spark = builder.getOrCreate();
        try {
            long start = System.nanoTime();
            long n = predict(spark, onnx);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.err.printf(
                    Locale.ROOT, "%d images in %.1f s (%.1f images/s) → %s%n", n, seconds, n / seconds, output);
            return 0;
        } finally {
            spark.stop();
        }
    }

    /** Runs the job; returns the number of rows written. */
    long predict(SparkSession spark, byte[] onnx) throws IOException {
        org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(output);
        FileSystem fs = checkOutput(spark.sparkContext().hadoopConfiguration());
        Dataset<Row> images = images(spark);
        if (partitions != null) images = images.repartition(partitions);
        Broadcast<byte[]> model =
                JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(onnx);
        Dataset<Row> result = images.mapPartitions(
                new PartitionPredictor(model, topk, batch, threads, embeddings),
                Encoders.row(PartitionPredictor.schema(embeddings)));
        org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(
                out.getParent() == null ? new org.apache.hadoop.fs.Path(".") : out.getParent(),
                "." + out.getName() + ".tmp-" + UUID.randomUUID());
        try {
            result.write().parquet(tmp.toString());
            if (fs.exists(out)) fs.delete(out, true);
            if (!fs.rename(tmp, out)) throw new IOException("cannot move " + tmp + " to " + out);
        } finally {
            if (fs.exists(tmp)) fs.delete(tmp, true);
            model.destroy();
        }
        return spark.read().parquet(output).count();
    }

    /** The output's file system, after checking that the output is absent or may be replaced. */
    private FileSystem checkOutput(Configuration hadoop) throws IOException {
        org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(output);
        FileSystem fs = out.getFileSystem(hadoop);
        if (fs.exists(out) && !overwrite)
            throw new IllegalArgumentException(output + " exists: pass --overwrite to replace it");
        return fs;
    }

    /** {@code (path, content)} rows from a directory, a list file or a Parquet table. */
    private Dataset<Row> images(SparkSession spark) throws IOException {
        Path local = Path.of(input);
        boolean isLocal = URI.create(input.replace(" ", "%20")).getScheme() == null;
        if (isLocal && !Files.exists(local)) throw new java.nio.file.NoSuchFileException(input);
        if (input.toLowerCase(Locale.ROOT).endsWith(".parquet")) {
            Dataset<Row> table = spark.read().parquet(input);
            List<String> columns = List.of(table.columns());
            if (!columns.contains("path"))
                throw new IllegalArgumentException(input + ": a Parquet input needs a 'path' column, has " + columns);
            if (columns.contains("content")) return table.select("path", "content");
            return binaryFiles(spark, table.select("path").as(Encoders.STRING()).collectAsList());
        }
        if (isLocal && Files.isRegularFile(local)) {
            List<String> paths = Files.readAllLines(local).stream()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                    .toList();
            if (paths.isEmpty()) throw new IllegalArgumentException(input + ": the list names no image");
            return binaryFiles(spark, paths);
        }
        return spark.read()
                .format("binaryFile")
                .option("recursiveFileLookup", "true")
                .load(input)
                .select("path", "content");
    }

    private static Dataset<Row> binaryFiles(SparkSession spark, List<String> paths) {
        return spark.read()
                .format("binaryFile")
                .load(paths.toArray(String[]::new))
                .select(functions.col("path"), functions.col("content"));
    }

    /** The model as ONNX bytes: an {@code .onnx} file as it is, other weights exported (deploy form, with embedding). */
    private byte[] onnxBytes() throws IOException {
        if (!Files.isRegularFile(weights)) throw new java.nio.file.NoSuchFileException(weights.toString());
        if (weights.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx"))
            return Files.readAllBytes(weights);
        Path file = Files.createTempFile("hybridvit-batch-", ".onnx");
        try {
            Exporter.exportWeights(
                    model,
                    weights,
                    file,
                    ExportOptions.defaults().withDeploy(true).withDynamicBatch().withEmbedding(true),
                    0,
                    0);
            return Files.readAllBytes(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** A standalone master ({@code spark://host:port}) must accept a connection, else Spark would retry for a minute. */
    static void checkReachable(String master) {
        if (!master.startsWith("spark://")) return;
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            int port = colon < 0 ? 7077 : Integer.parseInt(hostPort.substring(colon + 1));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 5000);
                return;
            } catch (IOException e) {
                // try the next master
            }
        }
        throw new IllegalArgumentException("cannot reach the Spark master " + master);
    }
}
